#pragma once

#include <memory>

#include <caf/actor_system_config.hpp>

namespace remedy {

namespace detail {
class topic_registry;
} // namespace detail

/// The part of an actor system configuration that the core needs: the core's
/// message types, Remedy's error category, and the event bus's record of
/// subscribed topics. Use `remedy::config` (remedy/runtime/config.hpp), which
/// derives from it and registers every part; derive from this class yourself
/// only to build a system from some parts (then call their `add_<part>_types`).
class core_config : public caf::actor_system_config {
public:
  core_config();
  ~core_config() override;

  /// The event bus's record of subscription prefixes, so that publishing an
  /// event nobody subscribed to costs nothing. Internal.
  detail::topic_registry& topics() const {
    return *topics_;
  }

private:
  std::unique_ptr<detail::topic_registry> topics_;
};

} // namespace remedy
