#pragma once

#include <caf/atom.hpp>

/// The routing part's wire atoms (reserved: a route consumes them itself).
/// Clients call the functions in remedy/routing/route_api.hpp instead.
namespace remedy {

using route_stats_atom = caf::atom_constant<caf::atom("r_rtstats")>;
using route_sweep_atom = caf::atom_constant<caf::atom("r_rtsweep")>;
using route_tick_atom = caf::atom_constant<caf::atom("r_rttick")>;
using route_retry_atom = caf::atom_constant<caf::atom("r_rtretry")>;
using route_flush_atom = caf::atom_constant<caf::atom("r_rtflush")>;
using bulkhead_resize_atom = caf::atom_constant<caf::atom("r_bhresize")>;
using breaker_force_open_atom = caf::atom_constant<caf::atom("r_bkforce")>;
using breaker_disable_atom = caf::atom_constant<caf::atom("r_bkdisabl")>;
using breaker_metrics_only_atom = caf::atom_constant<caf::atom("r_bkmetric")>;
using breaker_reset_atom = caf::atom_constant<caf::atom("r_bkreset")>;
using breaker_open_atom = caf::atom_constant<caf::atom("r_bkopen")>;
using breaker_half_open_atom = caf::atom_constant<caf::atom("r_bkhalf")>;
using breaker_close_atom = caf::atom_constant<caf::atom("r_bkclose")>;
using bulkhead_max_wait_atom = caf::atom_constant<caf::atom("r_bhwait")>;

} // namespace remedy
