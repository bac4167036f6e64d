#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/healing/healing_policy.hpp"

namespace remedy {

/// How the healing orchestrator works. Strategies are named here by the
/// names they were given to the orchestrator (see `spawn_orchestrator`).
struct healing_settings {
  /// Names the orchestrator in events, logs and errors.
  std::string name = "healing";
  /// The escalation ladder per fault class: the strategies to consider,
  /// cheap to drastic. A class without one uses `default_ladder`; a fault
  /// whose class has neither is skipped.
  std::map<fault_class, std::vector<std::string>> ladders;
  std::vector<std::string> default_ladder;
  /// How a strategy is picked among those that apply.
  healing_policy policy = healing_policy::learned;
  /// The prior's weight: how strongly the ladder's order counts while
  /// little is known (see `strategy_learner`).
  double prior_weight = 2.0;
  /// A healing succeeded only if its fault cleared within this window after
  /// the strategy acted.
  caf::timespan verify_window = std::chrono::seconds(10);
  /// A verified healing whose fault (same class, same target) comes back
  /// within this window after its clear relapsed: it counts as a failure.
  /// 0: no relapse tracking.
  caf::timespan relapse_window = std::chrono::seconds(60);
  /// No new healing of a target within this time after its last one ended.
  caf::timespan cooldown = std::chrono::seconds(5);
  /// How long a strategy may take to answer an assessment, an execution or
  /// an undo before it counts as failed.
  caf::timespan strategy_timeout = std::chrono::seconds(5);
  /// The longest the orchestrator's one timer waits (> 0, at most 1 s):
  /// deadlines are met exactly, and a stopped orchestrator delays its
  /// process's exit by at most this much (CAF 0.17 waits for pending
  /// timers).
  caf::timespan check_interval = std::chrono::milliseconds(100);
  /// Healings at once, over all targets.
  uint32_t max_concurrent = 8;
  /// The share of a group's targets that may be healed at once (at least
  /// one): the disruption budget.
  double max_disruption = 0.25;
  /// Decide and report (events with `dry_run`), but do not act.
  bool dry_run = false;
  /// Seeds the learner's draws.
  uint64_t seed = 0;
  /// The fencing token put on every order (`healing_order::term`): the
  /// leader's term when the orchestrator runs as a cluster singleton
  /// (`spawn_cluster_singleton` passes it to the start function), 0 on a
  /// single node. Strategies refuse orders of a term older than one they
  /// have executed; the orchestrator then abandons the healing (it has been
  /// deposed) without learning anything from it.
  uint64_t term = 0;
  /// Take faults from this node's event bus ("fault." and the classifier's
  /// snapshots). A cluster-wide orchestrator (`spawn_cluster_healing`) does
  /// not: every node's relay sends it that node's faults, the leader's own
  /// included, so that all arrive named alike.
  bool local_faults = true;
  /// If set, the learned table is loaded from this JSON file at start and
  /// saved to it after every outcome.
  std::string table_path;

  /// The ladder of `cls` (its own or the default).
  const std::vector<std::string>& ladder(fault_class cls) const;

  /// Checks every field, and that every ladder names only `known`
  /// strategies; the error names the field and the value.
  caf::error validate(const std::vector<std::string>& known) const;
};

} // namespace remedy
