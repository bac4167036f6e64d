#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

#include "remedy/runtime/cluster_member.hpp"

namespace remedy {

enum class cluster_event_kind : uint8_t {
  /// A member is up (joined, as this node learned).
  node_up,
  /// This node lost a member: its connection dropped or its heartbeats
  /// stopped (phi above the threshold).
  node_unreachable,
  /// An unreachable member is reachable again (heartbeats resumed).
  node_reachable,
  /// A member is down: unreachable for `down_after`, replaced by a new
  /// incarnation, or downed by another node. Final for its incarnation.
  node_down,
  /// A known node (same name and address) is back as a new incarnation.
  node_rejoined,
  /// A member left gracefully.
  node_left,
  /// The cluster's leader (as this node knows it) changed: `member` is the
  /// new leader (empty name: none known), `term` its term.
  leader_changed,
};

const char* to_string(cluster_event_kind x);

/// A change in the cluster as one node sees it, published on the event bus
/// under "cluster.<kind>" and logged on the "remedy.cluster" logger.
struct cluster_event {
  cluster_event_kind kind = cluster_event_kind::node_up;
  /// The node that observed it.
  std::string observer;
  cluster_member member;
  /// The phi value, for node_unreachable from heartbeats; else 0.
  double phi = 0;
  /// The election term, for leader_changed; else 0.
  uint64_t term = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_event& x) {
  return f(caf::meta::type_name("remedy.cluster_event"), x.kind, x.observer,
           x.member, x.phi, x.term);
}

/// "cluster.<kind>".
std::string topic(const cluster_event& x);

} // namespace remedy
