#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

enum class node_event_kind : uint8_t {
  /// The node's tree is up (first start or after a restart).
  tree_started,
  /// The root supervisor gave up (its restart intensity was exceeded).
  tree_down,
  /// The node starts the tree again after `delay`; `attempt` counts from 1.
  tree_restarting,
  /// The tree went down more often than allowed: the node exits.
  giving_up,
  /// A signal or a caller asked the node to stop.
  stopping,
};

const char* to_string(node_event_kind x);

/// One event of a node's life, published on the event bus under
/// "node.<kind>" and logged on the "remedy.node" logger.
struct node_event {
  node_event_kind kind = node_event_kind::tree_started;
  std::string node;
  /// The reason (why the tree went down, which signal).
  std::string detail;
  uint32_t attempt = 0;
  caf::timespan delay{0};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_event& x) {
  return f(caf::meta::type_name("remedy.node_event"), x.kind, x.node,
           x.detail, x.attempt, x.delay);
}

/// "node.<kind>".
std::string topic(const node_event& x);

} // namespace remedy
