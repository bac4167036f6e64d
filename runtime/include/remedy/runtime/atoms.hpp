#pragma once

#include <caf/atom.hpp>

/// The runtime's atoms.
namespace remedy {

/// `(metrics_atom) -> std::string`: the Prometheus text exposition of a
/// node's metrics (see `spawn_metrics`).
using metrics_atom = caf::atom_constant<caf::atom("r_metrics")>;

/// `(health_atom) -> health_report`: a node's health (see `spawn_metrics`).
using health_atom = caf::atom_constant<caf::atom("r_health")>;

/// `(metrics_root_atom, caf::actor root)`: the metrics actor watches a new
/// root supervisor (a node restarted its tree).
using metrics_root_atom = caf::atom_constant<caf::atom("r_mroot")>;

} // namespace remedy
