#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/runtime/leader_lease.hpp"

namespace remedy {

/// How a node takes part in a cluster.
struct cluster_settings {
  /// This node's name in the cluster (unique among members).
  std::string name = "node";
  /// Where this node's agent is published (127.0.0.1 by default).
  std::string host = "127.0.0.1";
  /// 0: a free port, chosen by the system.
  uint16_t port = 0;
  /// Nodes to join through (host, port). Empty: this node starts a cluster.
  std::vector<std::pair<std::string, uint16_t>> seeds;
  /// Heartbeats to every connected member, and the agent's tick.
  caf::timespan heartbeat_interval = std::chrono::milliseconds(100);
  /// A member whose phi exceeds this is unreachable.
  double phi_threshold = 8.0;
  /// Heartbeat pauses up to this long are normal (GC, scheduling jitter).
  caf::timespan acceptable_pause = std::chrono::milliseconds(100);
  /// A member unreachable this long is down.
  caf::timespan down_after = std::chrono::seconds(3);
  /// Gossip to one random member this often.
  caf::timespan gossip_interval = std::chrono::milliseconds(200);
  /// Reconnect (and seed contact) backoff.
  caf::timespan reconnect_min = std::chrono::milliseconds(100);
  caf::timespan reconnect_max = std::chrono::seconds(2);
  /// How long a connect attempt may take (a paused peer accepts TCP but
  /// never completes CAF's handshake).
  caf::timespan connect_timeout = std::chrono::seconds(1);
  /// The split-brain rule (keep majority): a node that reaches fewer than a
  /// majority of the voters for `down_after` downs itself (on an exact half,
  /// the half with the lowest name stays), instead of running on beside a
  /// majority that has written it off.
  bool keep_majority = true;
  /// Leader election (heartbeats at `heartbeat_interval`).
  caf::timespan election_timeout = std::chrono::milliseconds(1000);
  uint64_t seed = 0; // 0: random
  /// What decides the leader: the Raft election above (default) or an etcd
  /// lease. With etcd, the split-brain rule is the lease holder's side
  /// stays: a member that cannot reach the holder for max(down_after,
  /// 2 * lease.ttl) downs itself (`keep_majority` does not apply).
  lease_settings lease;
  /// For tests that run several nodes in one actor system (and so in
  /// virtual time under CAF's test coordinator): an actor that answers
  /// `(caf::connect_atom, std::string host, uint16_t port)` as CAF's
  /// middleman actor does, with `(caf::node_id, caf::strong_actor_ptr,
  /// std::set<std::string>)`. The agent connects through it instead of the
  /// middleman and is not published on a port; `port` then names it (it
  /// must not be 0). Unset (the default): the middleman.
  caf::actor connector;

  /// Names the first bad field.
  caf::error validate() const;
};

} // namespace remedy
