#include "remedy/supervision/endpoint_stats.hpp"

namespace remedy {

const char* to_string(endpoint_state x) {
  switch (x) {
    case endpoint_state::waiting:
      return "waiting";
    case endpoint_state::up:
      return "up";
    case endpoint_state::down:
      return "down";
  }
  return "<invalid endpoint_state>";
}

} // namespace remedy
