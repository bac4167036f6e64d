#include "remedy/detection/robust_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "detector_support.hpp"

namespace remedy {

namespace {

constexpr const char* kind = "robust estimator";

constexpr uint32_t max_window = 65536;

// The valid settings nearest to `x` (see the constructor's contract).
robust_settings sanitize(robust_settings x) {
  robust_settings defaults;
  x.window = std::clamp<uint32_t>(x.window, 1, max_window);
  x.warm_up = std::clamp<uint32_t>(x.warm_up, 1, x.window);
  if (std::isnan(x.min_mad))
    x.min_mad = defaults.min_mad;
  x.min_mad = std::clamp(x.min_mad, std::numeric_limits<double>::min(),
                         std::numeric_limits<double>::max());
  return x;
}

// The median of xs[0..n) (n > 0), reordering them: the middle element, or
// the mean of the two middle ones for an even n.
double median_of(double* xs, size_t n) {
  auto mid = xs + n / 2;
  std::nth_element(xs, mid, xs + n);
  auto upper = *mid;
  if (n % 2 == 1)
    return upper;
  // nth_element left the lower half in [xs, mid): its maximum is the other
  // middle element. Halves first: (a + b) / 2 could overflow.
  auto lower = *std::max_element(xs, mid);
  return lower / 2 + upper / 2;
}

} // namespace

caf::error robust_settings::validate() const {
  using detail::describe;
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting(kind, name, what);
  };
  if (name.empty())
    return detail::empty_name(kind);
  if (window < 1 || window > max_window)
    return fail("window must be in [1, " + std::to_string(max_window)
                + "], got " + std::to_string(window));
  if (warm_up < 1 || warm_up > window)
    return fail("warm_up must be in [1, window = " + std::to_string(window)
                + "], got " + std::to_string(warm_up));
  if (!(min_mad > 0.0) || std::isinf(min_mad))
    return fail("min_mad must be positive and finite, got "
                + describe(min_mad));
  return caf::none;
}

robust_estimator::robust_estimator(robust_settings settings)
  : settings_(sanitize(std::move(settings))) {
  ring_.resize(settings_.window);
  scratch_.resize(settings_.window);
}

bool robust_estimator::add(double x) {
  if (!std::isfinite(x)) {
    ++rejected_;
    return false;
  }
  ring_[next_] = std::clamp(x, -max_sample, max_sample);
  next_ = (next_ + 1) % ring_.size();
  size_ = std::min(size_ + 1, ring_.size());
  ++count_;
  recompute();
  return true;
}

void robust_estimator::recompute() {
  // The window's samples are ring_[0..size_) in some order; order does not
  // matter for a median.
  auto n = size_;
  auto* xs = scratch_.data();
  std::copy_n(ring_.begin(), n, xs);
  median_ = median_of(xs, n);
  // |x - median| <= 2e150: finite.
  for (size_t i = 0; i < n; ++i)
    xs[i] = std::fabs(ring_[i] - median_);
  mad_ = median_of(xs, n);
}

double robust_estimator::score(double x) const {
  if (!warm() || std::isnan(x))
    return 0.0;
  x = std::clamp(x, -max_sample, max_sample);
  auto mad = std::max(mad_, settings_.min_mad);
  return detail::clamp_finite(consistency * (x - median_) / mad, max_score);
}

void robust_estimator::reset() {
  next_ = 0;
  size_ = 0;
  count_ = 0;
  median_ = 0.0;
  mad_ = 0.0;
}

} // namespace remedy
