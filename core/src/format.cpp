#include "remedy/core/format.hpp"

#include <chrono>
#include <iomanip>
#include <sstream>

namespace remedy {

std::string format_number(double x) {
  std::ostringstream out;
  out << x; // default stream formatting is printf's %g
  return out.str();
}

std::string format_fixed(double x, int decimals) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(decimals) << x;
  return out.str();
}

std::string format_ms(caf::timespan x) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(x).count())
         + "ms";
}

} // namespace remedy
