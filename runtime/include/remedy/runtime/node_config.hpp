#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/detection_tree.hpp"
#include "remedy/healing/healing_settings.hpp"
#include "remedy/runtime/cluster_settings.hpp"
#include "remedy/runtime/node_registry.hpp"
#include "remedy/routing/route_settings.hpp"
#include "remedy/scheduling/scheduler_settings.hpp"
#include "remedy/supervision/backoff.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

namespace remedy {

/// One supervisor of a node's tree, as its config file describes it.
struct tree_config {
  /// The builder with every child (workers, pools, subtrees) added.
  supervisor_builder builder{"service"};
  /// Paths (from the root, "a/b") of every static worker, for healing and
  /// routes; pools by the pool's path.
  std::vector<std::string> workers;
  std::vector<std::string> pools;
  /// How many children each pool starts with, by pool path.
  std::map<std::string, uint32_t> pool_sizes;
};

/// A service the node exposes: a route (timeout, retry, breaker, bulkhead)
/// in front of a worker, or a scheduler over a pool's workers with a route
/// in front of it.
struct service_config {
  std::string name;
  /// A worker's or a pool's path in the tree.
  std::string target;
  bool is_pool = false;
  route_settings route;
  scheduler_settings scheduler;
};

/// What to do when the root supervisor gives up (its restart intensity is
/// exceeded): start the tree again, up to `max_restarts` times, waiting by
/// `backoff`; then the node exits with status 1.
struct tree_restart_config {
  uint32_t max_restarts = 3;
  caf::timespan min_delay = std::chrono::seconds(1);
  caf::timespan max_delay = std::chrono::seconds(30);
  /// A tree that ran this long without giving up forgets earlier restarts.
  caf::timespan reset_after = std::chrono::minutes(5);
};

/// Chaos on a node: crashes (an exit with an error) of random workers at a
/// seeded random rate. Off unless the file turns it on.
struct chaos_config {
  bool enabled = false;
  double crash_rate = 0.0; // crashes per second, Poisson
  uint64_t seed = 1;
  /// Worker paths to pick from (default: every static worker).
  std::vector<std::string> targets;
};

/// A whole node, as `load_node_config` reads it.
struct node_config {
  std::string file;
  std::string name = "node";
  /// CAF scheduler threads (0: CAF's default, the number of cores).
  uint32_t threads = 0;
  std::string log_level; // empty: $REMEDY_LOG_LEVEL or "info"
  /// The HTTP gateway's port (none: no gateway unless --http is given).
  std::optional<uint16_t> http_port;
  std::string http_address = "127.0.0.1";
  tree_config tree;
  std::vector<service_config> services;
  bool detection = true;
  detection_tree_settings detection_settings;
  bool healing = true;
  healing_settings healing_settings_;
  /// `$.healing.scope` "cluster": one orchestrator for the whole cluster,
  /// on the leader (see `spawn_cluster_healing`); this node offers it its
  /// targets, strategies and faults. Needs `cluster`.
  bool cluster_healing = false;
  /// Strategies the orchestrator may use, by registered name.
  std::vector<std::string> strategies;
  /// How to spawn each of `strategies` (from the registry).
  std::map<std::string, node_registry::strategy_factory> strategy_makers;
  chaos_config chaos;
  tree_restart_config restart;
  /// Membership in a cluster (none: a node of its own).
  std::optional<cluster_settings> cluster;
};

/// Reads `text` (the contents of `file`) strictly: unknown keys, duplicate
/// keys, wrong types and numbers out of range are errors, all of them
/// reported at once as `file:line: $.path: what was expected`
/// (`errc::invalid_argument`). Worker types and strategies are looked up in
/// `reg`; each worker type reads its own `args`.
caf::expected<node_config> parse_node_config(const std::string& text,
                                             const std::string& file,
                                             const node_registry& reg);

/// Reads the file at `path` as `parse_node_config` does.
caf::expected<node_config> load_node_config(const std::string& path,
                                            const node_registry& reg);

} // namespace remedy
