#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// The rules of a `holt_forecast`. Remedy's own defaults: level alpha 0.3,
/// trend beta 0.1 (a slowly turning trend, little moved by one noisy
/// sample), 5 samples of warm-up.
struct holt_settings {
  /// Names the forecast in events and logs.
  std::string name = "holt";
  /// The weight of a new sample in the level, in (0, 1].
  double alpha = 0.3;
  /// The weight of a new slope in the trend, in (0, 1].
  double beta = 0.1;
  /// `time_to_reach` answers only after this many samples, at least 2 (a
  /// trend needs two samples).
  uint32_t warm_up = 5;

  /// Returns an error naming the forecast and the bad field, or none.
  caf::error validate() const;
};

/// Holt's double exponential smoothing (linear trend) for samples that come
/// at irregular times, as a value: feed it (value, time) pairs with `add`
/// and ask where the series is heading: `forecast` for the value some time
/// after the last sample, `time_to_reach` for when it will cross a limit
/// (e.g. "the disk is full in 40 minutes"). O(1), no allocation.
///
/// The level is in the samples' unit, the trend in units per second. With
/// dt the seconds since the previous sample:
///
/// - first sample: level = x, trend = 0.
/// - the first sample later than the first one (dt > 0): level = x, trend =
///   (x - level) / dt, the exact slope between the two.
/// - every sample after that with dt > 0:
///
///       predicted = level + trend * dt
///       level'    = alpha * x + (1 - alpha) * predicted
///       trend'    = beta * (level' - level) / dt + (1 - beta) * trend
///
/// - a sample at the same time as the previous one (dt = 0) updates the
///   level only, level' = alpha * x + (1 - alpha) * level; the trend does
///   not change.
/// - a sample earlier than the previous one is rejected (`rejected`), as
///   are NaN and infinite values.
///
/// alpha and beta weigh each sample alike however far apart samples are:
/// they are weights per sample, not per unit of time.
///
/// Nothing ever becomes NaN or infinite: values are clamped to
/// [-max_sample, max_sample], level and trend to [-max_state, max_state]
/// after each update, and every product of the trend with a duration (at
/// most about 9.2e9 s) stays far below the largest double.
class holt_forecast {
public:
  using time_point = caf::actor_clock::time_point;

  /// Samples are clamped to [-max_sample, max_sample].
  static constexpr double max_sample = 1e150;

  /// Level and trend (per second) are clamped to [-max_state, max_state].
  static constexpr double max_state = 1e200;

  /// `time_to_reach` reports no crossing further away than this (about 100
  /// years): such a trend is flat for any practical purpose.
  static constexpr caf::timespan max_horizon = std::chrono::hours(24 * 36525);

  /// Expects settings that `validate()`; out-of-range values are replaced by
  /// the nearest valid one (NaN by the default) rather than breaking.
  explicit holt_forecast(holt_settings settings);

  /// Adds the sample `x` taken at `now`. Returns false, changing nothing but
  /// `rejected`, when `now` is before the previous sample or `x` is NaN or
  /// infinite.
  bool add(double x, time_point now);

  /// The value the model expects `ahead` after the last sample: level +
  /// trend * ahead (a negative `ahead` looks back). 0 before any sample.
  double forecast(caf::timespan ahead) const;

  /// How long after `now` the forecast line crosses `limit`, rounded up to
  /// whole nanoseconds: (limit - level(now)) / trend, where level(now) =
  /// level + trend * (now - last sample) (a `now` before the last sample
  /// counts as the last sample's time). 0 when it is exactly at the limit.
  /// None while not `warm`, for a trend of 0, when the line moves away from
  /// the limit (also when it has already passed it), when the crossing is
  /// further than `max_horizon`, and for a NaN or infinite `limit`.
  std::optional<caf::timespan> time_to_reach(double limit,
                                             time_point now) const;

  /// Whether `warm_up` samples were added, so that `time_to_reach` answers.
  bool warm() const {
    return count_ >= settings_.warm_up;
  }

  /// Samples added (not rejected) since construction or `reset`.
  uint64_t count() const {
    return count_;
  }

  /// Samples rejected: earlier than the previous one, NaN or infinite.
  uint64_t rejected() const {
    return rejected_;
  }

  /// The smoothed value at the last sample's time; 0 before any sample.
  double level() const {
    return level_;
  }

  /// The smoothed slope in units per second; 0 before the second sample.
  double trend() const {
    return trend_;
  }

  /// When the last sample was taken, if any was.
  std::optional<time_point> last_sample() const {
    return last_;
  }

  /// Forgets all samples (but not `rejected`).
  void reset();

  const holt_settings& settings() const {
    return settings_;
  }

private:
  holt_settings settings_;
  uint64_t count_ = 0;
  uint64_t rejected_ = 0;
  double level_ = 0.0;
  double trend_ = 0.0;
  // Whether the trend was initialised from two samples at different times.
  bool has_trend_ = false;
  std::optional<time_point> last_;
};

} // namespace remedy
