#include "demo_format.hpp"

#include "remedy/core/format.hpp"
#include "remedy/core/time_units.hpp"

namespace remedy::node {

std::string fmt_duration(caf::timespan d) {
  auto ns = static_cast<double>(d.count());
  if (ns < 0)
    return "-" + fmt_duration(-d);
  if (ns < 1e3)
    return format_fixed(ns, 0) + " ns";
  if (ns < 1e6)
    return format_fixed(ns / 1e3, 1) + " us";
  if (ns < 1e9)
    return format_fixed(ns / 1e6, 2) + " ms";
  return format_fixed(ns / 1e9, 2) + " s";
}

std::string fmt_seconds(caf::timespan d) {
  return format_fixed(seconds_of(d), 2) + " s";
}

std::string pad(std::string x, size_t width) {
  if (x.size() < width)
    x.append(width - x.size(), ' ');
  return x;
}

std::string rpad(const std::string& x, size_t width) {
  return x.size() < width ? std::string(width - x.size(), ' ') + x : x;
}

std::string num(uint64_t x) {
  return std::to_string(x);
}

} // namespace remedy::node
