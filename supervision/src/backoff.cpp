#include "remedy/supervision/backoff.hpp"

#include <cmath>
#include <limits>

#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"

namespace remedy {

caf::timespan backoff::base_delay(uint32_t attempt) const {
  if (is_none())
    return caf::timespan{0};
  // Compute in double and clamp before converting back, so large attempt
  // numbers saturate at max instead of overflowing.
  auto base = static_cast<double>(min_.count())
              * std::pow(multiplier_, static_cast<double>(attempt));
  auto cap = static_cast<double>(max_.count());
  if (!(base < cap)) // also catches inf and NaN
    return max_;
  return caf::timespan{static_cast<caf::timespan::rep>(base)};
}

caf::timespan backoff::delay(uint32_t attempt, double random) const {
  auto base = base_delay(attempt);
  if (!(jitter_ > 0.0) || base.count() == 0) // also catches a NaN jitter
    return base;
  if (!(random >= 0.0))
    random = 0.0;
  if (random >= 1.0)
    random = std::nextafter(1.0, 0.0);
  auto extra = static_cast<double>(base.count()) * jitter_ * random;
  // Saturate: near timespan::max(), base * (1 + jitter) does not fit.
  auto room = static_cast<double>(caf::timespan::max().count() - base.count());
  if (!(extra < room))
    return caf::timespan::max();
  return base + caf::timespan{static_cast<caf::timespan::rep>(extra)};
}

caf::error backoff::validate() const {
  auto fail = [](std::string what) {
    return make_error(errc::invalid_argument, "backoff." + std::move(what));
  };
  if (min_.count() < 0)
    return fail("min: must not be negative");
  if (max_.count() < 0)
    return fail("max: must not be negative");
  if (min_ > max_)
    return fail("min: must not exceed max");
  if (!(jitter_ >= 0.0 && jitter_ <= 1.0))
    return fail("jitter: must be in [0, 1], got " + format_number(jitter_));
  if (!(multiplier_ >= 1.0) || std::isinf(multiplier_))
    return fail("multiplier: must be finite and >= 1, got "
                + format_number(multiplier_));
  if (reset_after_.count() < 0)
    return fail("reset_after: must not be negative");
  if (!is_none() && min_.count() == 0)
    return fail("min: must be positive for a backoff with a max");
  return caf::none;
}

std::string to_string(const backoff& x) {
  if (x.is_none())
    return "none";
  std::string result = "exponential(";
  result += format_ms(x.min());
  result += "..";
  result += format_ms(x.max());
  result += ", x";
  result += format_number(x.multiplier());
  result += ", jitter ";
  result += format_number(x.jitter());
  result += ", reset ";
  result += format_ms(x.reset_after());
  result += ')';
  return result;
}

} // namespace remedy
