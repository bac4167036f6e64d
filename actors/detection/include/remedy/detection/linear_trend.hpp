#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// A least-squares line through the samples of the last `window` of time,
/// as a value: the slope of a metric over minutes, unbiased by where it
/// started and blind to oscillations much shorter than the window (a GC
/// sawtooth), which a short-memory smoother reads as trends.
///
///     slope = cov(t, x) / var(t)          (units per second)
///     level(now) = mean(x) + slope * (now - mean(t))
///     time_to_reach(limit) = (limit - level(now)) / slope
///
/// Samples older than `window` before the newest leave the fit; at most
/// `max_points` are kept (the oldest go first). `add` recomputes the sums
/// from the kept points, O(points), so they never drift.
class linear_trend {
public:
  using time_point = caf::actor_clock::time_point;

  linear_trend(caf::timespan window, size_t max_points);

  /// Adds `x` at `now`; false (and nothing changes) if `now` is before the
  /// previous sample or `x` is not finite.
  bool add(double x, time_point now);

  /// Points in the fit.
  size_t size() const {
    return points_.size();
  }

  /// Time between the oldest and the newest point of the fit.
  caf::timespan span() const;

  /// Units per second; 0 with fewer than two distinct times.
  double slope() const {
    return slope_;
  }

  /// The standard deviation of the points around the line.
  double residual_sd() const {
    return residual_sd_;
  }

  /// Forgets every point.
  void clear();

  /// The line's value at `now`.
  double level(time_point now) const;

  /// When the line crosses `limit` after `now`: 0 if it is exactly there;
  /// none if it is flat, moves away from the limit or is past it already,
  /// or the crossing is more than `max_horizon` away.
  std::optional<caf::timespan> time_to_reach(double limit,
                                             time_point now) const;

  /// Crossings further than this are not reported (about 100 years).
  static constexpr caf::timespan max_horizon
    = std::chrono::hours(24 * 36525);

private:
  void refit();

  caf::timespan window_;
  size_t max_points_;
  std::deque<std::pair<time_point, double>> points_;
  double slope_ = 0.0;
  /// Mean time (seconds after the oldest point) and mean value.
  double mean_t_ = 0.0;
  double mean_x_ = 0.0;
  double residual_sd_ = 0.0;
};

} // namespace remedy
