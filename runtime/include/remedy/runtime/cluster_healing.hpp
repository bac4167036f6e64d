#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "remedy/healing/healing_settings.hpp"
#include "remedy/healing/orchestrator.hpp"
#include "remedy/strategies/heal_target.hpp"

namespace remedy {

/// `(healing_offer_atom, healing_offer) -> (uint64_t term, caf::actor_id)`:
/// a node's relay offers its targets and strategies to the cluster's
/// orchestrator, which answers its term and the id of the instance that
/// took the offer (a new id: the relay sends the node's open faults again).
/// `(healing_offer_atom) -> (uint64_t term, caf::actor_id)`: the same
/// answer without an offer; a relay checks with it that the instance that
/// has its offer still runs, and offers again only to a new one.
using healing_offer_atom = caf::atom_constant<caf::atom("r_hoffer")>;

/// How the cluster's healing runs.
struct cluster_healing_settings {
  /// The orchestrator's settings: ladders, policy, windows, limits. Its
  /// `term` is set to the leader's term on every start and `local_faults`
  /// to false; the strategies its ladders name are looked up on the node of
  /// each target.
  healing_settings healing;
  /// The name the singleton's manager is registered under at each node
  /// agent (`cluster_service_atom`).
  std::string service = "healing";
  /// How often a node's relay asks its agent who leads and checks that the
  /// leader's orchestrator holds its offer (a new leader gets the targets
  /// within this time).
  caf::timespan check_interval = std::chrono::milliseconds(200);
  /// Bound on each request of the relay (to agents and to the leader).
  caf::timespan request_timeout = std::chrono::seconds(1);
};

/// Cluster-wide healing, started on every node with that node's agent (see
/// `spawn_cluster_agent`), the node's own heal targets and the node's own
/// strategy actors:
///
/// - one healing orchestrator runs for the whole cluster, as a cluster
///   singleton on the leader, with the leader's term as its fencing token;
///   it moves to the next leader on failover;
/// - each node's relay (the actor returned) offers the leader's orchestrator
///   the node's targets and strategies, and sends it the faults of the
///   node's classifier ("fault." on the node's bus), and all of them again
///   when the orchestrator is a new one (a new leader, or a restart);
/// - an order for a target goes to the strategy of that name on the
///   target's node, so the strategy's term fence sits where the order is
///   carried out: once an order of the new leader's term has run there, a
///   deposed leader's orders are refused with `stale_term`.
///
/// In the orchestrator, a target and its faults are named
/// "<node>:<name on the node>" (and its group "<node>:<group>"), so that
/// nodes may use the same names. Fault ids are made distinct per node by
/// mixing in the node's incarnation.
///
/// Requests sent to the relay (`healing_status_atom`, `healing_table_atom`)
/// go to the orchestrator on the leader; `errc::not_leader` while no leader
/// is known. Stopping the relay stops this node's part (and the
/// orchestrator, if it runs here). Fails with `invalid_argument` if the
/// settings are invalid or a ladder names a strategy not in `strategies`.
caf::expected<caf::actor>
spawn_cluster_healing(caf::actor_system& sys, caf::actor agent,
                      cluster_healing_settings settings,
                      std::vector<heal_target> targets,
                      strategy_set strategies);

} // namespace remedy
