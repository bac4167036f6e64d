#include "remedy/detection/ewma_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "detector_support.hpp"

namespace remedy {

namespace {

constexpr const char* kind = "ewma estimator";

// The valid settings nearest to `x` (see the constructor's contract).
ewma_settings sanitize(ewma_settings x) {
  ewma_settings defaults;
  if (std::isnan(x.alpha))
    x.alpha = defaults.alpha;
  x.alpha = std::clamp(x.alpha, std::numeric_limits<double>::min(), 1.0);
  x.warm_up = std::max<uint32_t>(x.warm_up, 1);
  if (std::isnan(x.min_deviation))
    x.min_deviation = defaults.min_deviation;
  x.min_deviation = std::clamp(x.min_deviation,
                               std::numeric_limits<double>::min(),
                               std::numeric_limits<double>::max());
  return x;
}

} // namespace

caf::error ewma_settings::validate() const {
  using detail::describe;
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting(kind, name, what);
  };
  if (name.empty())
    return detail::empty_name(kind);
  if (!detail::is_unit_rate(alpha))
    return fail("alpha must be in (0, 1], got " + describe(alpha));
  if (warm_up < 1)
    return fail("warm_up must be at least 1, got 0");
  if (!(min_deviation > 0.0) || std::isinf(min_deviation))
    return fail("min_deviation must be positive and finite, got "
                + describe(min_deviation));
  return caf::none;
}

ewma_estimator::ewma_estimator(ewma_settings settings)
  : settings_(sanitize(std::move(settings))) {
  // nop
}

bool ewma_estimator::add(double x) {
  if (!std::isfinite(x)) {
    ++rejected_;
    return false;
  }
  x = std::clamp(x, -max_sample, max_sample);
  if (count_ == 0) {
    mean_ = x;
    variance_ = 0.0;
  } else {
    // |diff| <= 2e150, so diff * incr <= 4e300 and the variance stays below
    // 8e300: all finite.
    auto alpha = settings_.alpha;
    auto diff = x - mean_;
    auto incr = alpha * diff;
    mean_ += incr;
    variance_ = (1.0 - alpha) * (variance_ + diff * incr);
  }
  ++count_;
  return true;
}

double ewma_estimator::std_deviation() const {
  return std::sqrt(variance_);
}

double ewma_estimator::score(double x) const {
  if (!warm() || std::isnan(x))
    return 0.0;
  x = std::clamp(x, -max_sample, max_sample);
  auto sd = std::max(std_deviation(), settings_.min_deviation);
  return detail::clamp_finite((x - mean_) / sd, max_score);
}

void ewma_estimator::reset() {
  count_ = 0;
  mean_ = 0.0;
  variance_ = 0.0;
}

} // namespace remedy
