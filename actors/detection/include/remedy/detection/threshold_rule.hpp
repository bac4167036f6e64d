#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// Which side of the limit is bad.
enum class threshold_direction : uint8_t {
  /// Values at or above the limit raise.
  above,
  /// Values at or below the limit raise.
  below,
};

/// Returns "above" or "below".
const char* to_string(threshold_direction x);

/// What one `threshold_rule::update` did.
enum class threshold_edge : uint8_t {
  /// No change.
  none,
  /// The rule became active.
  raised,
  /// The rule became inactive.
  cleared,
};

/// Returns "none", "raised" or "cleared".
const char* to_string(threshold_edge x);

/// The rules of a `threshold_rule`. The defaults raise as soon as a value
/// reaches 0 and clear as soon as one is back below it: set at least `limit`.
struct threshold_settings {
  /// Names the rule in events and logs.
  std::string name = "threshold";
  /// Whether high (`above`) or low (`below`) values are bad.
  threshold_direction direction = threshold_direction::above;
  /// The limit (finite). `above` raises on values >= limit, `below` on
  /// values <= limit.
  double limit = 0.0;
  /// The condition must hold this long (not negative) before the rule
  /// raises; 0 raises on the first value that meets it.
  caf::timespan for_duration{0};
  /// Hysteresis: an active `above` rule clears only on values < clear_limit,
  /// a `below` rule only on values > clear_limit. Must be finite and on the
  /// good side of `limit` (<= limit for `above`, >= for `below`). None means
  /// `limit`: no dead band.
  std::optional<double> clear_limit;
  /// The clear condition must hold this long (not negative) before the rule
  /// clears; 0 clears on the first value that meets it.
  caf::timespan clear_for{0};

  /// Returns an error naming the rule and the bad field, or none.
  caf::error validate() const;
};

/// A threshold condition with a hold time and hysteresis, as a value, like a
/// Prometheus alerting rule with `for:` plus a separate clear condition: the
/// owner feeds it samples of one metric with explicit times and turns the
/// edges it returns into events.
///
/// - Inactive: when a sample meets the raise condition (see
///   `threshold_settings::limit`), a pending period starts at its time; a
///   sample that does not meet it ends the period. The rule raises on the
///   first sample (or `advance`) at least `for_duration` after the period
///   started: the condition must have held at every sample in between.
/// - Active: the same with the clear condition (back past `clear_limit`)
///   and `clear_for`. Values between `clear_limit` and `limit` (the dead
///   band) neither raise nor clear, and end a pending period.
/// - Between samples the last value is taken to hold (sample and hold), so
///   `advance(now)` re-evaluates it at a later time: the owner calls it at
///   `next_deadline()` to raise or clear on time without a new sample.
/// - NaN samples and samples earlier than the previous one change nothing
///   and are counted (`rejected`). Infinite values are ordinary values.
class threshold_rule {
public:
  using time_point = caf::actor_clock::time_point;

  /// Expects settings that `validate()`. Otherwise: a `clear_limit` that is
  /// NaN or on the wrong side counts as `limit`, negative durations count as
  /// 0, and a NaN `limit` never raises.
  explicit threshold_rule(threshold_settings settings);

  /// Evaluates the sample `value` taken at `now`.
  threshold_edge update(double value, time_point now);

  /// Evaluates the last sample again at `now`, as if it had been taken
  /// again. No change without a sample or for a `now` before the last one.
  threshold_edge advance(time_point now);

  /// When `advance` would raise or clear if no other sample arrives: the
  /// start of the pending period plus `for_duration` (or `clear_for`). None
  /// without a pending period.
  std::optional<time_point> next_deadline() const;

  /// Whether the rule is raised.
  bool active() const {
    return active_;
  }

  /// When the current pending period (of the raise condition while
  /// inactive, of the clear condition while active) started, if one runs.
  std::optional<time_point> pending_since() const {
    return pending_;
  }

  /// The last accepted sample, if any.
  std::optional<double> last_value() const {
    return last_value_;
  }

  /// The effective clear limit (`limit` when none was set).
  double clear_limit() const {
    return clear_limit_;
  }

  /// Samples rejected: NaN, or earlier than the previous one.
  uint64_t rejected() const {
    return rejected_;
  }

  /// Back to inactive without samples (`rejected` stays).
  void reset();

  const threshold_settings& settings() const {
    return settings_;
  }

private:
  bool raise_holds(double x) const;
  bool clear_holds(double x) const;
  threshold_edge evaluate(time_point now);

  threshold_settings settings_;
  double clear_limit_;
  caf::timespan for_;
  caf::timespan clear_for_;
  bool active_ = false;
  std::optional<time_point> pending_;
  std::optional<double> last_value_;
  std::optional<time_point> last_time_;
  uint64_t rejected_ = 0;
};

} // namespace remedy
