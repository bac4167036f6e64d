#include "remedy/supervision/restart_type.hpp"

#include <caf/exit_reason.hpp>

namespace remedy {

const char* to_string(restart_type x) {
  switch (x) {
    case restart_type::permanent:
      return "permanent";
    case restart_type::transient:
      return "transient";
    case restart_type::temporary:
      return "temporary";
  }
  return "<invalid restart_type>";
}

bool is_normal_exit(const caf::error& reason) {
  return !reason || reason == caf::exit_reason::normal
         || reason == caf::exit_reason::user_shutdown;
}

bool should_restart(restart_type x, const caf::error& reason) {
  switch (x) {
    case restart_type::permanent:
      return true;
    case restart_type::transient:
      return !is_normal_exit(reason);
    case restart_type::temporary:
      return false;
  }
  return false;
}

} // namespace remedy
