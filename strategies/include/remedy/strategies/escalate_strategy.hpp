#pragma once

#include <chrono>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/strategies/healing_alert.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// How the built-in strategy "escalate" works (see docs/strategies.md).
struct escalate_strategy_settings {
  /// The fault classes it takes (empty, the default: every class).
  std::vector<fault_class> classes;
  /// What its offers say it costs (drastic: well above the others).
  double cost = 10.0;
  /// How long it waits for the supervisor's answer and then for its exit
  /// (each). The supervisor stops its children first, each by its shutdown
  /// spec, before it exits.
  caf::timespan exit_timeout = std::chrono::seconds(4);

  /// Returns an error naming the strategy and the bad field, or none.
  caf::error validate() const;
};

/// Spawns the strategy "escalate" (drastic: its offers say `drastic`, so the
/// learner never explores it). It publishes a `healing_alert` on the event
/// bus under "healing.alert" and, when the target has a supervisor, hands
/// the fault to the parent scope: it makes that supervisor exit with
/// `errc::heal_failed` ("escalated by healing: ..."), so the supervisor
/// stops its children and its own parent applies its restart strategy. It
/// answers once the supervisor has exited. A target without a supervisor
/// only gets the alert. Careful: a root supervisor has no parent, so
/// escalating to it stops its whole tree for good. Not undoable.
caf::expected<caf::actor>
spawn_escalate_strategy(caf::actor_system& sys,
                        escalate_strategy_settings settings = {});

/// A start function that spawns the strategy "escalate" with `settings` at
/// every (re)start.
start_fn escalate_strategy_start(escalate_strategy_settings settings = {});

} // namespace remedy
