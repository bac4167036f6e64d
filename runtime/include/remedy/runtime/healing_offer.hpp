#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include "remedy/strategies/heal_target.hpp"

namespace remedy {

/// What one node offers the cluster's healing orchestrator (see
/// `spawn_cluster_healing`): the targets it can heal, named as on that node,
/// and its strategy actors, which carry out the orders on that node.
struct healing_offer {
  /// The node's name in the cluster.
  std::string node;
  /// The node's incarnation (`cluster_member::uid`).
  uint64_t uid = 0;
  std::vector<heal_target> targets;
  /// The strategies by name: `strategies[i]` is named `strategy_names[i]`.
  std::vector<std::string> strategy_names;
  std::vector<caf::actor> strategies;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, healing_offer& x) {
  return f(caf::meta::type_name("remedy.healing_offer"), x.node, x.uid,
           x.targets, x.strategy_names, x.strategies);
}

} // namespace remedy
