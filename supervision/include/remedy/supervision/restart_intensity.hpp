#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// OTP's restart intensity as a value: at most `max_restarts` restarts in any
/// window of length `period`. A pure sliding window over the times of past
/// restarts; the supervisor owns one and feeds it CAF's clock.
///
/// Semantics follow OTP's supervisor exactly: a restart at time `now` is
/// recorded, restarts older than `now - period` are forgotten (a restart
/// exactly `period` ago still counts), and the limit is exceeded when more
/// than `max_restarts` remain. With `max_restarts == 0` every restart exceeds
/// the limit. The default is OTP's: 1 restart in 5 seconds.
class restart_intensity {
public:
  using clock = caf::actor_clock::clock_type;
  using time_point = caf::actor_clock::time_point;

  restart_intensity() = default;

  restart_intensity(size_t max_restarts, caf::timespan period)
    : max_restarts_(max_restarts), period_(period) {
  }

  /// Records a restart at `now`. Returns `true` while the limit holds and
  /// `false` once it is exceeded (the supervisor must then give up).
  bool record(time_point now);

  /// Returns how many restarts count at `now` without recording one.
  size_t count(time_point now) const;

  /// Forgets all recorded restarts.
  void clear() {
    stamps_.clear();
  }

  size_t max_restarts() const {
    return max_restarts_;
  }

  caf::timespan period() const {
    return period_;
  }

  /// Returns an error naming the bad value, or an empty error. The period
  /// must be positive; `max_restarts` may be zero.
  caf::error validate() const;

private:
  void expire(time_point now);

  size_t max_restarts_ = 1;
  caf::timespan period_ = std::chrono::seconds(5);
  std::deque<time_point> stamps_;
};

} // namespace remedy
