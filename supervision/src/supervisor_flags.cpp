#include "remedy/supervision/supervisor_flags.hpp"

#include "remedy/core/error.hpp"
#include "remedy/supervision/restart_intensity.hpp"

namespace remedy {

const char* to_string(auto_shutdown x) {
  switch (x) {
    case auto_shutdown::never:
      return "never";
    case auto_shutdown::any_significant:
      return "any_significant";
    case auto_shutdown::all_significant:
      return "all_significant";
  }
  return "<invalid auto_shutdown>";
}

caf::error supervisor_flags::validate() const {
  auto where = "supervisor '" + name + "': ";
  if (name.empty())
    return make_error(errc::invalid_argument, "supervisor: name is empty");
  if (static_cast<uint8_t>(strategy)
      > static_cast<uint8_t>(strategy::simple_one_for_one))
    return make_error(errc::invalid_argument,
                      where + "strategy: not a valid strategy");
  if (period.count() <= 0)
    return make_error(errc::invalid_argument,
                      where + "period: must be positive");
  if (intensity > 1'000'000)
    return make_error(errc::invalid_argument,
                      where + "intensity: must be at most 1000000, got "
                        + std::to_string(intensity));
  if (auto err = backoff.validate())
    return make_error(errc::invalid_argument, where + context_of(err));
  if (static_cast<uint8_t>(auto_shutdown)
      > static_cast<uint8_t>(auto_shutdown::all_significant))
    return make_error(errc::invalid_argument,
                      where + "auto_shutdown: not a valid value");
  return caf::none;
}

} // namespace remedy
