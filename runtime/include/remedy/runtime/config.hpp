#pragma once

#include "remedy/core/core_config.hpp"

namespace remedy {

/// An actor system configuration that knows all of Remedy: registers every
/// part's message types (each part's type ID block) and the `remedy` error
/// category. Use it where you would use `caf::actor_system_config`:
///
///     remedy::config cfg;
///     caf::actor_system sys{cfg};
class config : public core_config {
public:
  config();
};

/// Registers every part's message types and the error category with `cfg`,
/// for programs that bring their own config class. Call it once per config.
/// (Such a program's event bus then has no topic registry: publishing costs
/// a group lookup even when nobody listens.)
void register_types(caf::actor_system_config& cfg);

} // namespace remedy
