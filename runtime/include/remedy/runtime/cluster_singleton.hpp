#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// Starts the singleton's actor on the leader; `term` is the leader's term,
/// the fencing token to put on the commands it issues (see `term_fence`).
using singleton_start
  = std::function<caf::expected<caf::actor>(caf::actor_system&, uint64_t term)>;

struct cluster_singleton_settings {
  /// The singleton's name (for logs and errors).
  std::string name = "singleton";
  /// How often the manager asks the node agent who leads, besides the
  /// agent's leader_changed events (a leader that steps down within its
  /// term is not announced).
  caf::timespan check_interval = std::chrono::milliseconds(200);
  /// Whether a manager on a node that does not lead passes messages on to
  /// the leader's manager (as Akka's ClusterSingletonProxy does), so that a
  /// client on any node talks to its local manager as if it were the
  /// singleton. Off: such a manager answers a request with `not_leader`.
  bool forward_to_leader = false;
  /// Messages a forwarding manager holds while it looks up the leader's
  /// manager; past it, a request is answered with `not_leader`.
  size_t max_pending = 1000;
};

/// Runs one actor for the whole cluster, on the leader: spawn a manager on
/// every node (with that node's agent, see `spawn_cluster_agent`); the
/// manager on the node that leads starts the actor with `start(sys, term)`,
/// and stops it as soon as its node no longer leads (a new leader of a
/// higher term announced, or the agent no longer naming this node). The
/// actor moves on failover: the next leader's manager starts a new one with
/// the new term. An actor that exits while its node still leads is started
/// again at the next check.
///
/// Messages sent to a manager go to the singleton if it runs on that node.
/// Otherwise, with `forward_to_leader`, they go on to the leader's manager
/// (found through the agents' service registry under
/// "singleton/<name>", with the original sender, so the singleton answers
/// the client directly) and from there to the singleton; a message that
/// finds no singleton there, or no leader known, is answered with
/// `not_leader` naming the leader as the manager knows it (never a second
/// hop). Without `forward_to_leader` such a request is answered with
/// `not_leader` at once. At most one actor per term runs (the election
/// guarantees one leader per term); two may overlap across terms for up to
/// a check interval while a deposed leader has not heard of its successor:
/// what the actor commands should therefore carry its term and be fenced.
caf::actor spawn_cluster_singleton(caf::actor_system& sys, caf::actor agent,
                                   singleton_start start,
                                   cluster_singleton_settings settings = {});

} // namespace remedy
