#pragma once

#include <chrono>
#include <cmath>

#include <caf/timespan.hpp>

namespace remedy {

/// A duration in seconds.
inline double seconds_of(caf::timespan x) {
  return std::chrono::duration<double>{x}.count();
}

/// A duration in milliseconds.
inline double ms_of(caf::timespan x) {
  return std::chrono::duration<double, std::milli>{x}.count();
}

/// `s` seconds, rounded to whole nanoseconds (`s` must be finite and within
/// the range of `caf::timespan`).
inline caf::timespan from_seconds(double s) {
  return caf::timespan{static_cast<caf::timespan::rep>(std::llround(s * 1e9))};
}

} // namespace remedy
