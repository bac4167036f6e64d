#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "remedy/healing/healing_settings.hpp"
#include "remedy/strategies/heal_target.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// The strategies an orchestrator may use, by the names its ladders use:
/// strategy actors (`spawn_strategy`, a built-in, or your own actor speaking
/// remedy/strategies/strategy_actor.hpp), or their endpoints if supervised.
using strategy_set = std::map<std::string, caf::actor>;

/// What survives an orchestrator's restart in one process: the learned
/// table and the journal of healings in flight. A restarted orchestrator
/// reports every healing its previous incarnation left in flight (undone
/// where the strategy can undo it, abandoned otherwise).
class healing_memory;

std::shared_ptr<healing_memory> make_healing_memory();

/// The healing orchestrator: subscribes to the classifier's faults
/// ("fault."), picks a strategy from the fault class's ladder, has it act,
/// verifies that the fault clears, escalates up the ladder when it does
/// not, and learns which strategy works for which fault class. One healing
/// per target at a time, a cooldown per target, a cap on healings at once
/// and a disruption budget per group. Publishes a `healing_event` for every
/// decision, action and outcome under "healing.<kind>".
///
/// `targets` maps fault targets to the actors behind them; more can be
/// added at run time (`add_heal_target`). Fails with `invalid_argument` if
/// `settings` are invalid, a ladder names a strategy not in `strategies`,
/// a strategy handle is invalid, or the table at `table_path` is unreadable.
caf::expected<caf::actor>
spawn_orchestrator(caf::actor_system& sys, healing_settings settings,
                   strategy_set strategies,
                   std::vector<heal_target> targets = {},
                   std::shared_ptr<healing_memory> memory = nullptr);

/// A start function for a supervised orchestrator: every incarnation shares
/// `memory`, so a restart keeps the learned table and reports what its
/// predecessor left half done.
start_fn orchestrator_start(healing_settings settings, strategy_set strategies,
                            std::vector<heal_target> targets = {},
                            std::shared_ptr<healing_memory> memory
                            = make_healing_memory());

} // namespace remedy
