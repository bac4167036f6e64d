#pragma once

#include <memory>

#include <caf/actor_system_config.hpp>

namespace remedy {

namespace detail {
class tick_registry;
class topic_registry;
} // namespace detail

/// The part of an actor system configuration that the core needs: the core's
/// message types, Remedy's error category, and the event bus's
/// subscribers and the shared clock ticks. Use `remedy::config` (remedy/runtime/config.hpp), which
/// derives from it and registers every part; derive from this class yourself
/// only to build a system from some parts (then call their `add_<part>_types`).
class core_config : public caf::actor_system_config {
public:
  core_config();
  ~core_config() override;

  /// The event bus's subscribers. Internal.
  const std::shared_ptr<detail::topic_registry>& topics() const {
    return topics_;
  }

  /// The ticks that actors asked for with `send_on_tick`. Internal.
  const std::shared_ptr<detail::tick_registry>& ticks() const {
    return ticks_;
  }

private:
  std::shared_ptr<detail::topic_registry> topics_;
  std::shared_ptr<detail::tick_registry> ticks_;
};

} // namespace remedy
