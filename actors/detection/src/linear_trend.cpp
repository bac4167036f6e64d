#include "remedy/detection/linear_trend.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "remedy/core/time_units.hpp"

namespace remedy {

linear_trend::linear_trend(caf::timespan window, size_t max_points)
  : window_(window), max_points_(std::max<size_t>(max_points, 2)) {
  // points come with add
}

bool linear_trend::add(double x, time_point now) {
  if (!std::isfinite(x) || (!points_.empty() && now < points_.back().first))
    return false;
  points_.emplace_back(now, x);
  while (points_.size() > max_points_
         || (points_.size() > 2 && now - points_.front().first > window_))
    points_.pop_front();
  refit();
  return true;
}

caf::timespan linear_trend::span() const {
  if (points_.empty())
    return caf::timespan{0};
  return points_.back().first - points_.front().first;
}

void linear_trend::refit() {
  auto origin = points_.front().first;
  double n = static_cast<double>(points_.size());
  double st = 0.0;
  double sx = 0.0;
  for (auto& [t, x] : points_) {
    st += seconds_of(t - origin);
    sx += x;
  }
  mean_t_ = st / n;
  mean_x_ = sx / n;
  double cov = 0.0;
  double var = 0.0;
  for (auto& [t, x] : points_) {
    auto dt = seconds_of(t - origin) - mean_t_;
    cov += dt * (x - mean_x_);
    var += dt * dt;
  }
  slope_ = var > 0.0 ? cov / var : 0.0;
  if (!std::isfinite(slope_))
    slope_ = 0.0;
  double sq = 0.0;
  for (auto& [t, x] : points_) {
    auto r = x - (mean_x_ + slope_ * (seconds_of(t - origin) - mean_t_));
    sq += r * r;
  }
  residual_sd_ = std::sqrt(sq / n);
  if (!std::isfinite(residual_sd_))
    residual_sd_ = 0.0;
}

void linear_trend::clear() {
  points_.clear();
  slope_ = 0.0;
  mean_t_ = 0.0;
  mean_x_ = 0.0;
  residual_sd_ = 0.0;
}

double linear_trend::level(time_point now) const {
  if (points_.empty())
    return 0.0;
  auto t = seconds_of(now - points_.front().first);
  auto result = mean_x_ + slope_ * (t - mean_t_);
  return std::isfinite(result) ? result : mean_x_;
}

std::optional<caf::timespan> linear_trend::time_to_reach(double limit,
                                                         time_point now) const {
  if (points_.size() < 2 || slope_ == 0.0 || !std::isfinite(limit))
    return std::nullopt;
  auto gap = limit - level(now);
  if (gap == 0.0)
    return caf::timespan{0};
  if ((gap > 0.0) != (slope_ > 0.0))
    return std::nullopt; // moving away, or past the limit already
  auto secs = gap / slope_;
  if (!(secs >= 0.0) || secs > seconds_of(max_horizon))
    return std::nullopt;
  return from_seconds(secs);
}

} // namespace remedy
