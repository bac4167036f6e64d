#pragma once

// remedy-node's supervision demo: the text helpers of its report, on top of
// remedy/core/format.hpp.

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/timespan.hpp>

namespace remedy::node {

/// A duration in the unit that suits it: "750 ns", "12.3 us", "4.56 ms",
/// "1.23 s" (negative ones with a leading "-").
std::string fmt_duration(caf::timespan d);

/// A duration in seconds with two decimals, e.g. "3.00 s".
std::string fmt_seconds(caf::timespan d);

/// `x` padded with spaces on the right to `width` characters.
std::string pad(std::string x, size_t width);

/// `x` padded with spaces on the left to `width` characters.
std::string rpad(const std::string& x, size_t width);

/// A count in decimal, e.g. "379958".
std::string num(uint64_t x);

} // namespace remedy::node
