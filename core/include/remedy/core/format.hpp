#pragma once

#include <string>

#include <caf/timespan.hpp>

namespace remedy {

/// The shortest readable form of a number, as in reports and `to_string`s:
/// "2", "0.2", "1.5", "1e+06" (six significant digits).
std::string format_number(double x);

/// `x` with exactly `decimals` digits after the point, e.g.
/// format_fixed(0.5, 3) == "0.500" (for tables); "nan" and "inf" as such.
std::string format_fixed(double x, int decimals);

/// A duration in whole milliseconds, e.g. "1500ms" (truncated).
std::string format_ms(caf::timespan x);

} // namespace remedy
