#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// The delay between a child's exit and its restart, as an immutable value.
/// OTP restarts at once; Remedy lets every strategy wait, Akka-style:
///
///     backoff::exponential(100ms, 10s).with_jitter(0.2)
///
/// gives, for the n-th consecutive restart of a child (n = 0, 1, 2, ...), a
/// base delay of `min * multiplier^n` capped at `max` (here 100 ms, 200 ms,
/// 400 ms, ..., 6.4 s, 10 s, 10 s, ...) and adds a random share of up to
/// `jitter` of it (here up to 20 %), so the delay lies in
/// `[base, base * (1 + jitter)]`. Once a child has run for `reset_after`
/// without exiting (default: `max`), its count starts again at 0.
///
/// `backoff::none()` (the default) means no delay: OTP's behaviour. Backoff
/// composes with restart intensity: every restart still counts there, at the
/// moment of the exit that causes it.
class backoff {
public:
  /// No delay: restart at once.
  static backoff none() {
    return backoff{};
  }

  /// Exponential delays from `min` to `max`, doubling each time.
  static backoff exponential(caf::timespan min, caf::timespan max) {
    backoff result;
    result.min_ = min;
    result.max_ = max;
    result.reset_after_ = max;
    return result;
  }

  /// Always the same delay `d` (a multiplier of 1).
  static backoff constant(caf::timespan d) {
    return exponential(d, d).with_multiplier(1.0);
  }

  /// Returns a copy that adds up to `fraction` (0 to 1) of random delay.
  backoff with_jitter(double fraction) const {
    auto result = *this;
    result.jitter_ = fraction;
    return result;
  }

  /// Returns a copy whose delay grows by `factor` (>= 1) per restart.
  backoff with_multiplier(double factor) const {
    auto result = *this;
    result.multiplier_ = factor;
    return result;
  }

  /// Returns a copy that forgets past restarts of a child after it has run
  /// for `d` without exiting.
  backoff with_reset_after(caf::timespan d) const {
    auto result = *this;
    result.reset_after_ = d;
    return result;
  }

  /// Returns whether this backoff never delays.
  bool is_none() const {
    return max_.count() == 0;
  }

  /// The delay before restart number `attempt` (0-based). `random` is a
  /// uniform sample from [0, 1) that picks the jitter; pass 0 for the base.
  caf::timespan delay(uint32_t attempt, double random) const;

  /// The delay before restart `attempt` without jitter.
  caf::timespan base_delay(uint32_t attempt) const;

  caf::timespan min() const {
    return min_;
  }

  caf::timespan max() const {
    return max_;
  }

  double jitter() const {
    return jitter_;
  }

  double multiplier() const {
    return multiplier_;
  }

  caf::timespan reset_after() const {
    return reset_after_;
  }

  /// Returns an error naming the bad value, or an empty error: durations
  /// must not be negative, `min <= max`, jitter in [0, 1], multiplier >= 1.
  caf::error validate() const;

  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, backoff& x) {
    return f(caf::meta::type_name("remedy.backoff"), x.min_, x.max_,
             x.multiplier_, x.jitter_, x.reset_after_);
  }

  friend bool operator==(const backoff& x, const backoff& y) {
    return x.min_ == y.min_ && x.max_ == y.max_
           && x.multiplier_ == y.multiplier_ && x.jitter_ == y.jitter_
           && x.reset_after_ == y.reset_after_;
  }

private:
  caf::timespan min_{0};
  caf::timespan max_{0};
  double multiplier_ = 2.0;
  double jitter_ = 0.0;
  caf::timespan reset_after_{0};
};

/// Renders e.g. "exponential(100ms..10000ms, x2, jitter 0.2, reset 10000ms)".
std::string to_string(const backoff& x);

} // namespace remedy
