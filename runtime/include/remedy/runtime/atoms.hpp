#pragma once

#include <caf/atom.hpp>

/// The runtime's atoms.
namespace remedy {

/// `(metrics_atom) -> std::string`: the Prometheus text exposition of a
/// node's metrics (see `spawn_metrics`).
using metrics_atom = caf::atom_constant<caf::atom("r_metrics")>;

/// `(health_atom) -> health_report`: a node's health (see `spawn_metrics`).
using health_atom = caf::atom_constant<caf::atom("r_health")>;

} // namespace remedy
