#include "remedy/supervision/shutdown_spec.hpp"

#include "remedy/core/format.hpp"

namespace remedy {

shutdown_spec shutdown_spec::resolve(child_type t) const {
  if (mode != kind::automatic)
    return *this;
  return t == child_type::worker ? timeout(default_worker_shutdown)
                                 : infinity();
}

std::string to_string(const shutdown_spec& x) {
  using kind = shutdown_spec::kind;
  switch (x.mode) {
    case kind::automatic:
      return "automatic";
    case kind::brutal_kill:
      return "brutal_kill";
    case kind::infinity:
      return "infinity";
    case kind::timeout:
      break;
  }
  return format_ms(x.grace);
}

} // namespace remedy
