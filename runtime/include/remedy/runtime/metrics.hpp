#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "remedy/runtime/metrics_settings.hpp"

namespace remedy {

/// Spawns the metrics actor: it subscribes to Remedy's event bus
/// ("supervision.", "route.", the route samples "sample.calls",
/// "sample.latency_ms", "sample.error_rate" and "sample.in_flight",
/// "detection.", "fault.", "classifier.snapshot", "healing.",
/// "scheduler."), asks the classifiers for their open faults
/// ("classifier.sync"), monitors `settings.root` if given, and answers the
/// requests of its typed face (metrics_actor.hpp):
/// - `(metrics_atom)` -> `std::string`: every metric in the Prometheus
///   text format 0.0.4 (docs/metrics.md lists them);
/// - `(health_atom)` -> `health_report`: healthy or not, and a JSON object
///   with the status, the reasons, the supervision tree (queried with
///   `which_children` from the root down, bounded by
///   `settings.tree_timeout` in all), the breakers, the open faults and the
///   healings in progress.
/// Returns `errc::invalid_argument` for invalid settings.
caf::expected<caf::actor> spawn_metrics(caf::actor_system& sys,
                                        metrics_settings settings = {});

} // namespace remedy
