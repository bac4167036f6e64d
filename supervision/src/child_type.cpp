#include "remedy/supervision/child_type.hpp"

namespace remedy {

const char* to_string(child_type x) {
  return x == child_type::worker ? "worker" : "supervisor";
}

} // namespace remedy
