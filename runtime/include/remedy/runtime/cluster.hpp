#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>

#include "remedy/runtime/cluster_event.hpp"
#include "remedy/runtime/cluster_member.hpp"
#include "remedy/runtime/cluster_settings.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace remedy {

/// `(cluster_members_atom) -> std::vector<cluster_member>`: the agent's view
/// (itself first), with states as gossip agreed.
using cluster_members_atom = caf::atom_constant<caf::atom("r_clmemb")>;

/// `(cluster_reachable_atom) -> std::vector<cluster_member>`: the members
/// that are up and reachable from this node (itself included).
using cluster_reachable_atom = caf::atom_constant<caf::atom("r_clreach")>;

/// `(cluster_peers_atom) -> (std::vector<cluster_member>,
/// std::vector<caf::actor>)`: the other members that are up and reachable
/// from this node, with their node agents (whose `node()` is where to
/// spawn on that member), in the same order.
using cluster_peers_atom = caf::atom_constant<caf::atom("r_clpeers")>;

/// `(cluster_leader_atom) -> (uint64_t term, std::string leader)`: the
/// leader as this node knows it (empty name: none).
using cluster_leader_atom = caf::atom_constant<caf::atom("r_clleader")>;

/// `(cluster_leave_atom) -> unit`: leave gracefully: tells every member,
/// then answers; the agent stops gossiping.
using cluster_leave_atom = caf::atom_constant<caf::atom("r_clleave")>;

/// `(cluster_hello_atom, std::vector<std::string> types) ->
/// std::vector<std::string>`: the first request an agent sends to another
/// (made of CAF's built-in types only, so any CAF 0.17 program can send and
/// read it): the Remedy message types the sender registered
/// (`registered_remedy_types`). The agent answers its own list if both
/// lists agree; otherwise it logs an error and answers
/// `errc::not_supported` naming the types each side lacks, and the asking
/// agent logs that error and does not join. (CAF 0.17 would otherwise
/// deliver a message holding a type the receiver lacks as an empty
/// message.)
using cluster_hello_atom = caf::atom_constant<caf::atom("r_clhello")>;

/// `(cluster_service_atom, std::string name, caf::actor x) -> unit`:
/// registers the local actor `x` under `name` at this agent, so that other
/// members can find it (replacing an earlier one of that name; a null `x`
/// removes it). `(cluster_service_atom, std::string name) -> caf::actor`:
/// the actor registered under `name`, or `errc::not_supported` naming the
/// service and the node. Ask another member's agent (`cluster_peers_atom`)
/// to reach its services, e.g. a cluster singleton's manager on the leader.
using cluster_service_atom = caf::atom_constant<caf::atom("r_clsvc")>;
/// The node agent: a cluster member's actor, published through CAF's
/// middleman at `settings.host:port` (the system must have loaded
/// `caf::io::middleman`). It joins through `settings.seeds`, spreads the
/// member list by gossip, heartbeats every connected member and judges each
/// by a phi-accrual detector, reconnects to lost members on a backoff
/// schedule, elects a leader with Raft's rules (see `election`; voters are
/// the member names ever seen and not left, so a minority never elects),
/// and publishes every change as a `cluster_event`. Returns the
/// agent and the port it listens on.
caf::expected<std::pair<caf::actor, uint16_t>>
spawn_cluster_agent(caf::actor_system& sys, cluster_settings settings);

} // namespace remedy
