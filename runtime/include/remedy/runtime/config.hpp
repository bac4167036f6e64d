#pragma once

#include <caf/actor_system_config.hpp>

namespace remedy {

/// An actor system configuration that knows Remedy: registers every Remedy
/// message type (the `remedy` type ID block) and the `remedy` error category.
/// Use it where you would use `caf::actor_system_config`:
///
///     remedy::config cfg;
///     caf::actor_system sys{cfg};
class config : public caf::actor_system_config {
public:
  config();
};

/// Registers Remedy's message types and error category with `cfg`, for
/// programs that bring their own config class. Call it once per config.
void register_types(caf::actor_system_config& cfg);

} // namespace remedy
