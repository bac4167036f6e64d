#pragma once

#include <chrono>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// How the built-in strategy "restart" works (see docs/strategies.md).
struct restart_strategy_settings {
  /// The fault classes it takes (empty: every class).
  std::vector<fault_class> classes{fault_class::hang,
                                   fault_class::slow,
                                   fault_class::error_spike,
                                   fault_class::crash_loop,
                                   fault_class::resource_exhaustion_predicted,
                                   fault_class::resource_exhaustion};
  /// What its offers say it costs.
  double cost = 1.0;
  /// How long it waits for each answer of the supervisor. Keep it below the
  /// orchestrator's `strategy_timeout` (5 s by default), so a supervisor
  /// that does not answer makes a `heal_failed` the orchestrator still sees.
  caf::timespan request_timeout = std::chrono::seconds(4);
  /// The arguments of the replacement started for a child of a
  /// simple_one_for_one pool (a pool cannot restart a child by id): what
  /// `start_pool_child` gets. Empty by default.
  caf::message pool_args;

  /// Returns an error naming the strategy and the bad field, or none.
  caf::error validate() const;
};

/// Spawns the strategy "restart": for a target with a supervisor and a child
/// id, `terminate_child` then `restart_child` on that supervisor, so a new
/// incarnation starts from its spec. This is the cure for a hung actor, which
/// its supervisor does not notice (it has not exited). A child of a
/// simple_one_for_one pool cannot be restarted by id (`restart_child` is
/// `not_supported` there, and `terminate_child` deletes a pool child): it is
/// replaced by a new pool child started with `settings.pool_args`, and the
/// action says which. Not undoable. Invalid settings: `invalid_argument`,
/// nothing spawned.
caf::expected<caf::actor>
spawn_restart_strategy(caf::actor_system& sys,
                       restart_strategy_settings settings = {});

/// A start function that spawns the strategy "restart" with `settings` at
/// every (re)start, for a strategy supervised in a tree.
start_fn restart_strategy_start(restart_strategy_settings settings = {});

} // namespace remedy
