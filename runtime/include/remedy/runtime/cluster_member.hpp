#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace remedy {

/// A member's place in the cluster, as every node agrees on it by gossip.
/// States only move forward for one incarnation (`uid`): joining -> up ->
/// leaving -> left, and any of them -> down. Reachability is not a state
/// here: each node judges it for itself (see `cluster_event_kind`).
enum class member_state : uint8_t { joining, up, leaving, left, down };

const char* to_string(member_state x);

/// One incarnation of a node in the cluster.
struct cluster_member {
  /// The node's name (from its config).
  std::string name;
  /// Where its node agent is published.
  std::string host;
  uint16_t port = 0;
  /// Random per incarnation: a node restarted at the same address is a new
  /// member that replaces the old one.
  uint64_t uid = 0;
  member_state state = member_state::joining;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_member& x) {
  return f(caf::meta::type_name("remedy.cluster_member"), x.name, x.host,
           x.port, x.uid, x.state);
}

/// "name@host:port#uid" for logs.
std::string to_string(const cluster_member& x);

} // namespace remedy
