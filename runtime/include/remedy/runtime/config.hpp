#pragma once

#include <memory>

#include <caf/actor_system_config.hpp>

namespace remedy {

namespace detail {
class topic_registry;
} // namespace detail

/// An actor system configuration that knows Remedy: registers every Remedy
/// message type (the `remedy` type ID block) and the `remedy` error category.
/// Use it where you would use `caf::actor_system_config`:
///
///     remedy::config cfg;
///     caf::actor_system sys{cfg};
class config : public caf::actor_system_config {
public:
  config();
  ~config() override;

  /// The event bus's record of subscription prefixes, so that publishing an
  /// event nobody subscribed to costs nothing. Internal.
  detail::topic_registry& topics() const {
    return *topics_;
  }

private:
  std::unique_ptr<detail::topic_registry> topics_;
};

/// Registers Remedy's message types and error category with `cfg`, for
/// programs that bring their own config class. Call it once per config.
void register_types(caf::actor_system_config& cfg);

} // namespace remedy
