#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include "remedy/runtime/node_config.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace remedy {

/// What a node shows its host while it runs.
struct node_hooks {
  /// Set from any thread (a signal handler's thread, a test) to stop the
  /// node; checked every `poll_interval`.
  const std::atomic<bool>* stop = nullptr;
  caf::timespan poll_interval = std::chrono::milliseconds(20);
  /// Called with the node's services (name -> the actor a client talks to:
  /// the service's route) each time the tree has started, e.g. to hand them
  /// to an HTTP gateway.
  std::function<void(const std::map<std::string, caf::actor>&)> on_services;
  /// Called with the service tree's root each time the tree has started.
  std::function<void(const caf::actor&)> on_tree;
  /// Called once with the node's metrics actor (see `spawn_metrics`: it
  /// answers metrics and health, and follows the tree across restarts).
  std::function<void(const caf::actor&)> on_metrics;
  /// Called when the node begins to stop (asked to, or giving up), before
  /// it stops anything: e.g. to close an HTTP gateway first.
  std::function<void()> on_stopping;
};

/// Runs the node `cfg` describes in `sys` until `hooks.stop` is set (then
/// stops it cleanly: chaos, routes and schedulers, the tree in reverse start
/// order, detection and healing) or its tree goes down for good.
///
/// The node: Remedy's detection tree and healing orchestrator (unless the
/// file turns them off) in a tree of their own, the service tree, its pools
/// filled, a route (and for a pool a fault-aware scheduler) per service,
/// every static worker a heal target, and the chaos monkey if asked for.
/// When the service tree's root gives up (restart intensity exceeded), the
/// node starts the service layer again after a backoff, with a node_event
/// and a log line each time, at most `cfg.restart.max_restarts` times in a
/// row (a tree that ran `reset_after` forgets earlier ones).
///
/// Returns no error after a requested stop; else why the node ended
/// (`errc::max_restart_intensity` when the tree gave up for good,
/// `errc::start_failed` when the node could not start).
caf::error run_node(caf::actor_system& sys, const node_config& cfg,
                    const node_hooks& hooks);

} // namespace remedy
