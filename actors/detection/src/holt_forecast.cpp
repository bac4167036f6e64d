#include "remedy/detection/holt_forecast.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "detector_support.hpp"

namespace remedy {

namespace {

constexpr const char* kind = "holt forecast";

// The valid settings nearest to `x` (see the constructor's contract).
holt_settings sanitize(holt_settings x) {
  holt_settings defaults;
  auto rate = [](double value, double fallback) {
    if (std::isnan(value))
      return fallback;
    return std::clamp(value, std::numeric_limits<double>::min(), 1.0);
  };
  x.alpha = rate(x.alpha, defaults.alpha);
  x.beta = rate(x.beta, defaults.beta);
  x.warm_up = std::max<uint32_t>(x.warm_up, 2);
  return x;
}

} // namespace

caf::error holt_settings::validate() const {
  using detail::describe;
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting(kind, name, what);
  };
  if (name.empty())
    return detail::empty_name(kind);
  if (!detail::is_unit_rate(alpha))
    return fail("alpha must be in (0, 1], got " + describe(alpha));
  if (!detail::is_unit_rate(beta))
    return fail("beta must be in (0, 1], got " + describe(beta));
  if (warm_up < 2)
    return fail("warm_up must be at least 2 (a trend needs two samples), got "
                + std::to_string(warm_up));
  return caf::none;
}

holt_forecast::holt_forecast(holt_settings settings)
  : settings_(sanitize(std::move(settings))) {
  // nop
}

bool holt_forecast::add(double x, time_point now) {
  if (!std::isfinite(x) || (last_ && now < *last_)) {
    ++rejected_;
    return false;
  }
  x = std::clamp(x, -max_sample, max_sample);
  if (!last_) {
    level_ = x;
    trend_ = 0.0;
    has_trend_ = false;
  } else {
    auto alpha = settings_.alpha;
    auto beta = settings_.beta;
    // dt is 0 or at least 1e-9 s; every quotient below stays under 1e220.
    auto dt = detail::seconds_of(detail::elapsed(*last_, now));
    if (dt == 0.0) {
      level_ = alpha * x + (1.0 - alpha) * level_;
    } else if (!has_trend_) {
      trend_ = (x - level_) / dt;
      level_ = x;
      has_trend_ = true;
    } else {
      auto predicted = level_ + trend_ * dt;
      auto level = alpha * x + (1.0 - alpha) * predicted;
      trend_ = beta * (level - level_) / dt + (1.0 - beta) * trend_;
      level_ = level;
    }
    level_ = detail::clamp_finite(level_, max_state);
    trend_ = detail::clamp_finite(trend_, max_state);
  }
  last_ = now;
  ++count_;
  return true;
}

double holt_forecast::forecast(caf::timespan ahead) const {
  if (count_ == 0)
    return 0.0;
  return level_ + trend_ * detail::seconds_of(ahead);
}

std::optional<caf::timespan>
holt_forecast::time_to_reach(double limit, time_point now) const {
  if (!warm() || !last_ || !std::isfinite(limit) || trend_ == 0.0)
    return std::nullopt;
  auto since = std::max(detail::elapsed(*last_, now), caf::timespan{0});
  auto current = level_ + trend_ * detail::seconds_of(since);
  auto gap = limit - current;
  if (gap == 0.0)
    return caf::timespan{0};
  if ((gap > 0.0) != (trend_ > 0.0))
    return std::nullopt;       // moving away from the limit, or past it
  auto seconds = gap / trend_; // positive, possibly infinite
  if (seconds > detail::seconds_of(max_horizon))
    return std::nullopt;
  auto ns = std::ceil(seconds * 1e9);
  return std::min(caf::timespan{static_cast<caf::timespan::rep>(ns)},
                  max_horizon);
}

void holt_forecast::reset() {
  count_ = 0;
  level_ = 0.0;
  trend_ = 0.0;
  has_trend_ = false;
  last_.reset();
}

} // namespace remedy
