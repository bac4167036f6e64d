#include "remedy/supervision/shutdown_spec.hpp"

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
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(x.grace);
  return std::to_string(ms.count()) + "ms";
}

} // namespace remedy
