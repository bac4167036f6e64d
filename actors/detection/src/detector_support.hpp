// Private helpers shared by the detectors' value types (phi_accrual,
// ewma_estimator, robust_estimator, holt_forecast, threshold_rule,
// crash_loop_window): saturating time arithmetic, finite clamps, and the
// wording of their settings errors. Not installed.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/time_units.hpp"

namespace remedy::detail {

using time_point = caf::actor_clock::time_point;

/// `to - from` without overflow: saturates at the limits of `caf::timespan`.
inline caf::timespan elapsed(time_point from, time_point to) {
  auto a = from.time_since_epoch().count();
  auto b = to.time_since_epoch().count();
  using rep = caf::timespan::rep;
  constexpr auto max = std::numeric_limits<rep>::max();
  // The difference modulo 2^64 is exact when read as unsigned.
  if (b >= a) {
    auto d = static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
    return caf::timespan{d > static_cast<uint64_t>(max) ? max
                                                        : static_cast<rep>(d)};
  }
  auto d = static_cast<uint64_t>(a) - static_cast<uint64_t>(b);
  return caf::timespan{d > static_cast<uint64_t>(max) ? -max
                                                      : -static_cast<rep>(d)};
}

/// `t + d` without overflow: saturates at the limits of `time_point`.
inline time_point add_saturated(time_point t, caf::timespan d) {
  using rep = caf::timespan::rep;
  constexpr auto max = std::numeric_limits<rep>::max();
  constexpr auto min = std::numeric_limits<rep>::min();
  auto a = t.time_since_epoch().count();
  auto b = d.count();
  rep sum;
  if (b > 0 && a > max - b)
    sum = max;
  else if (b < 0 && a < min - b)
    sum = min;
  else
    sum = a + b;
  return time_point{} + caf::timespan{sum};
}

using remedy::ms_of;
using remedy::seconds_of;

/// `x` clamped to [-limit, limit]; NaN becomes `nan_value`.
inline double clamp_finite(double x, double limit, double nan_value = 0.0) {
  if (std::isnan(x))
    return nan_value;
  return std::clamp(x, -limit, limit);
}

/// A duration in the largest unit that shows it exactly: "3s", "1500ms",
/// "250us", "-1ns".
inline std::string describe(caf::timespan x) {
  auto n = x.count();
  if (n != 0 && n % 1'000'000'000 == 0)
    return std::to_string(n / 1'000'000'000) + "s";
  if (n != 0 && n % 1'000'000 == 0)
    return std::to_string(n / 1'000'000) + "ms";
  if (n != 0 && n % 1'000 == 0)
    return std::to_string(n / 1'000) + "us";
  return std::to_string(n) + "ns";
}

/// A number as in reports ("0.5", "nan", "inf", "1e+300").
inline std::string describe(double x) {
  return format_number(x);
}

/// The error of a settings struct: "<kind> '<name>': <what>".
inline caf::error invalid_setting(const char* kind, const std::string& name,
                                  const std::string& what) {
  return make_error(errc::invalid_argument,
                    std::string{kind} + " '" + name + "': " + what);
}

/// The error of a settings struct without a name: "<kind>: empty name".
inline caf::error empty_name(const char* kind) {
  return make_error(errc::invalid_argument, std::string{kind} + ": empty name");
}

/// Whether `x` is a finite number in (0, 1].
inline bool is_unit_rate(double x) {
  return x > 0.0 && x <= 1.0;
}

} // namespace remedy::detail
