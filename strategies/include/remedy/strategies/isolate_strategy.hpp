#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// How the built-in strategy "isolate" works (see docs/strategies.md).
struct isolate_strategy_settings {
  /// The fault classes it takes (empty: every class).
  std::vector<fault_class> classes{fault_class::error_spike, fault_class::slow,
                                   fault_class::hang};
  /// What its offers say it costs.
  double cost = 0.5;
  /// The health view to quarantine targets in, and to ask whether a target
  /// still has an active fault when a probation ends. Optional: without it
  /// only the route's breaker isolates, and the probation's end releases.
  caf::actor health_view;
  /// How long a target stays isolated before the strategy looks again.
  caf::timespan probation = std::chrono::seconds(30);
  /// How often a probation is extended while the target still has an
  /// active fault; after that the target stays isolated until `undo`.
  uint32_t max_probations = 3;
  /// How long it waits for each answer of the route and the health view.
  caf::timespan request_timeout = std::chrono::seconds(4);

  /// Returns an error naming the strategy and the bad field, or none.
  caf::error validate() const;
};

/// Spawns the strategy "isolate": takes a target out of service by forcing
/// its route's breaker open (every request through the route fails fast
/// with `breaker_open`) and quarantining it in the health view. After
/// `probation` it asks the health view: no active fault for the target ->
/// it releases it (resets the breaker, lifts the quarantine); otherwise it
/// extends the probation, up to `max_probations` times, then leaves the
/// target isolated and logs it. A breaker forced open or a quarantine that
/// was there before the strategy acted is left alone (not taken over, not
/// lifted). Applies to a target with a route, or to any target when the
/// settings name a health view. Undoable: undo releases at once.
caf::expected<caf::actor>
spawn_isolate_strategy(caf::actor_system& sys,
                       isolate_strategy_settings settings = {});

/// A start function that spawns the strategy "isolate" with `settings` at
/// every (re)start. Isolations in progress end with the incarnation that
/// made them: they stay isolated (see docs/strategies.md).
start_fn isolate_strategy_start(isolate_strategy_settings settings = {});

} // namespace remedy
