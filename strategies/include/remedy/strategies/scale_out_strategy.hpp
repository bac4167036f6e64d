#pragma once

#include <chrono>
#include <cstdint>
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

/// How the built-in strategy "scale_out" works (see docs/strategies.md).
struct scale_out_strategy_settings {
  /// The fault classes it takes (empty: every class).
  std::vector<fault_class> classes{fault_class::slow,
                                   fault_class::resource_exhaustion_predicted};
  /// What its offers say it costs.
  double cost = 0.7;
  /// How many children it adds to the pool (fewer if `max_children` is
  /// closer), at least 1.
  uint32_t add = 1;
  /// The arguments of each child it starts (`start_pool_child`): what the
  /// pool's start function expects for one child. Empty by default.
  caf::message args;
  /// The pool never grows beyond this many children (as `count_children`
  /// counts them: workers and supervisors), at least 1.
  uint32_t max_children = 16;
  /// How long the added children stay before the strategy looks again.
  caf::timespan hold = std::chrono::seconds(60);
  /// The health view to ask whether the target still has an active fault
  /// when a hold ends (then it holds again). Optional: without it the added
  /// children go when the first hold ends.
  caf::actor health_view;
  /// How long it waits for each answer of the supervisor and health view.
  caf::timespan request_timeout = std::chrono::seconds(4);

  /// Returns an error naming the strategy and the bad field, or none.
  caf::error validate() const;
};

/// Spawns the strategy "scale_out": starts `add` more children in the
/// target supervisor's simple_one_for_one pool (`start_pool_child` with
/// `args`), never beyond `max_children`, and after `hold`, once the health
/// view shows no active fault for the target (else after another hold),
/// terminates exactly the children it added (by their ids, which stay the
/// same across restarts of those children) and no other. If one of the
/// starts fails, the children added so far are terminated again and the
/// execution fails. Applies to a target with a supervisor; one that is not
/// a pool is `not_supported`. Undoable: undo terminates the added children
/// at once.
caf::expected<caf::actor>
spawn_scale_out_strategy(caf::actor_system& sys,
                         scale_out_strategy_settings settings = {});

/// A start function that spawns the strategy "scale_out" with `settings` at
/// every (re)start. Children added by an incarnation that is gone stay in
/// the pool.
start_fn scale_out_strategy_start(scale_out_strategy_settings settings = {});

} // namespace remedy
