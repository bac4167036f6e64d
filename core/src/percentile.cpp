#include "remedy/core/percentile.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace remedy {

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return std::numeric_limits<double>::quiet_NaN();
  std::sort(xs.begin(), xs.end());
  auto rank = std::clamp(p, 0.0, 100.0) / 100.0
              * static_cast<double>(xs.size() - 1);
  auto lo = static_cast<size_t>(std::floor(rank));
  auto hi = static_cast<size_t>(std::ceil(rank));
  auto frac = rank - static_cast<double>(lo);
  return xs[lo] + (xs[hi] - xs[lo]) * frac;
}

double median(std::vector<double> xs) {
  return percentile(std::move(xs), 50.0);
}

} // namespace remedy
