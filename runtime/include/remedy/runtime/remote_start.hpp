#pragma once

#include <chrono>
#include <string>

#include <caf/actor.hpp>
#include <caf/message.hpp>
#include <caf/timespan.hpp>

#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// How `remote_start` places a child.
struct remote_start_settings {
  /// Bound on asking the node agent for healthy members and on CAF's remote
  /// spawn: a start that takes longer fails (and the supervisor's restart
  /// intensity and backoff apply as for any failed start).
  caf::timespan timeout = std::chrono::seconds(2);
};

/// A start function for a supervisor child that runs on another cluster
/// node: at each (re)start it asks the node agent `agent` (see
/// `spawn_cluster_agent`) for the members that are up and reachable, picks
/// the one with the fewest live children from this start function (avoiding
/// the node the previous incarnation ran on when there is a choice), and
/// spawns `type` there with CAF's remote spawn (`type` must be an actor type
/// that node registered with `add_actor_type`; remedy-node registers every
/// worker type of its registry, started with default arguments).
///
/// What the supervisor holds is a local guard for the remote actor: messages
/// sent to it (or to the child's endpoint) travel on to the remote actor and
/// its answers go straight back to the sender. The guard fails, so that the
/// supervisor restarts the child per its strategy on a healthy node, when the
/// remote actor exits (its reason, `node_down` when its connection dropped)
/// or when the node agent declares its node down or left. While the agent
/// holds the node unreachable, requests fail at once with
/// `errc::node_unreachable` instead of waiting out their timeouts. When the
/// supervisor stops the child, the guard stops the remote actor too.
///
/// The start runs in the supervisor's thread and blocks it for up to twice
/// `settings.timeout` (CAF 0.17's remote spawn is synchronous); it needs a
/// real actor system with the middleman loaded, not the test coordinator.
start_fn remote_start(caf::actor agent, std::string type,
                      caf::message args = caf::message{},
                      remote_start_settings settings = {});

} // namespace remedy
