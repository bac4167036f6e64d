#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

namespace remedy {

/// What a healing can act on for one target: the name faults use for it (a
/// child's supervision path such as "root/db", or a route's name) and the
/// actors behind that name. Every handle is optional; a strategy that needs
/// one the target lacks does not apply.
struct heal_target {
  /// The name faults carry (`fault::target`).
  std::string name;
  /// The supervisor that owns the target's child, and the child's id there
  /// (restart; scale out adds children to this supervisor's pool).
  caf::actor supervisor;
  std::string child;
  /// The route in front of the target (isolate forces its breaker open,
  /// throttle shrinks its bulkhead).
  caf::actor route;
  /// The target's endpoint and a standby it can point at instead (failover).
  caf::actor endpoint;
  caf::actor standby;
  /// The disruption-budget group (e.g. the pool the target belongs to) and
  /// how many targets it has: the orchestrator never heals more than its
  /// share of a group at once. Empty: the target is its own group.
  std::string group;
  uint32_t group_size = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heal_target& x) {
  return f(caf::meta::type_name("remedy.heal_target"), x.name, x.supervisor,
           x.child, x.route, x.endpoint, x.standby, x.group, x.group_size);
}

} // namespace remedy
