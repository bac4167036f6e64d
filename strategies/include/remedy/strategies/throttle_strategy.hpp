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

/// How the built-in strategy "throttle" works (see docs/strategies.md).
struct throttle_strategy_settings {
  /// The fault classes it takes (empty: every class).
  std::vector<fault_class> classes{fault_class::slow,
                                   fault_class::resource_exhaustion_predicted,
                                   fault_class::error_spike};
  /// What its offers say it costs.
  double cost = 0.3;
  /// The share of its permits the bulkhead keeps, in (0, 1); at least one
  /// permit stays.
  double factor = 0.5;
  /// How often the bulkhead doubles on its way back to its original size.
  caf::timespan step_interval = std::chrono::seconds(10);
  /// How long it waits for each answer of the route.
  caf::timespan request_timeout = std::chrono::seconds(4);

  /// Returns an error naming the strategy and the bad field, or none.
  caf::error validate() const;
};

/// Spawns the strategy "throttle": shrinks the default bulkhead pool of the
/// target's route to `factor` of its current permits (at least one, the
/// queue bound unchanged), so fewer requests reach the target at once, then
/// doubles it every `step_interval` until it is back at its original size.
/// It reads the current size from `route_stats::bulkhead_max_concurrent`.
/// Applies to a target with a route; a route without a bulkhead, or with a
/// single permit, is `not_supported`. Undoable: undo restores the original
/// size at once.
caf::expected<caf::actor>
spawn_throttle_strategy(caf::actor_system& sys,
                        throttle_strategy_settings settings = {});

/// A start function that spawns the strategy "throttle" with `settings` at
/// every (re)start. A throttling in progress ends with the incarnation that
/// made it: the bulkhead keeps the size it had then.
start_fn throttle_strategy_start(throttle_strategy_settings settings = {});

} // namespace remedy
