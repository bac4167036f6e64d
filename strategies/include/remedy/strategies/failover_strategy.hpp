#pragma once

#include <chrono>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// How the built-in strategy "failover" works (see docs/strategies.md).
struct failover_strategy_settings {
  /// The fault classes it takes (empty: every class).
  std::vector<fault_class> classes{fault_class::slow, fault_class::hang,
                                   fault_class::error_spike};
  /// What its offers say it costs.
  double cost = 0.8;
  /// How long the endpoint stays on the standby before the strategy looks
  /// again.
  caf::timespan stable_period = std::chrono::seconds(30);
  /// The health view to ask whether the target is healthy again when a
  /// stable period ends (else it waits another period). Optional: without
  /// it the endpoint fails back when the first period ends.
  caf::actor health_view;
  /// How long it waits for each answer of the endpoint, supervisor and
  /// health view.
  caf::timespan request_timeout = std::chrono::seconds(4);

  /// Returns an error naming the strategy and the bad field, or none.
  caf::error validate() const;
};

/// Spawns the strategy "failover": points the target's endpoint at its
/// standby, as a supervisor points it at a new incarnation, so every
/// message to the endpoint reaches the standby. After `stable_period`, once
/// the health view shows the target healthy (else after another period), it
/// fails back: points the endpoint at the current incarnation of the
/// primary child (`which_children` of its supervisor). It fails back at
/// once when the standby exits. Applies to a target with an endpoint, a
/// standby, and a supervisor and child id (to find the primary again).
/// Undoable: undo fails back now.
///
/// The supervisor points the endpoint at each new incarnation of the child
/// it starts: a restart of the primary during a failover wins (the
/// endpoint goes back to the primary, and the failback later changes
/// nothing), and a `terminate_child` of the primary marks the endpoint down.
caf::expected<caf::actor>
spawn_failover_strategy(caf::actor_system& sys,
                        failover_strategy_settings settings = {});

/// A start function that spawns the strategy "failover" with `settings` at
/// every (re)start. A failover in progress ends with the incarnation that
/// made it: the endpoint stays on the standby until the primary restarts.
start_fn failover_strategy_start(failover_strategy_settings settings = {});

} // namespace remedy
