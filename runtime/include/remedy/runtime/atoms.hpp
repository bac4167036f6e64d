#pragma once

#include <caf/atom.hpp>

/// Atom constants that tag Remedy's messages. CAF 0.17 limits atoms to ten
/// characters, so the names are short; the alias names are the documentation.
namespace remedy {

// -- supervisor API --------------------------------------------------------
using start_child_atom = caf::atom_constant<caf::atom("r_startch")>;
using terminate_child_atom = caf::atom_constant<caf::atom("r_termch")>;
using restart_child_atom = caf::atom_constant<caf::atom("r_restch")>;
using delete_child_atom = caf::atom_constant<caf::atom("r_delch")>;
using which_children_atom = caf::atom_constant<caf::atom("r_whichch")>;
using count_children_atom = caf::atom_constant<caf::atom("r_countch")>;
using get_endpoint_atom = caf::atom_constant<caf::atom("r_getep")>;
using await_started_atom = caf::atom_constant<caf::atom("r_awaitst")>;

// -- supervisor internals --------------------------------------------------
using restart_timer_atom = caf::atom_constant<caf::atom("r_restmr")>;
using stop_timer_atom = caf::atom_constant<caf::atom("r_stoptmr")>;
using continue_atom = caf::atom_constant<caf::atom("r_cont")>;

// -- endpoint control (sent by supervisors; reserved) ----------------------
using endpoint_update_atom = caf::atom_constant<caf::atom("r_epupd")>;
using endpoint_down_atom = caf::atom_constant<caf::atom("r_epdown")>;
using endpoint_owner_atom = caf::atom_constant<caf::atom("r_epowner")>;
using endpoint_stats_atom = caf::atom_constant<caf::atom("r_epstats")>;
using endpoint_sweep_atom = caf::atom_constant<caf::atom("r_epsweep")>;

// -- routes (reserved: consumed by the route) ------------------------------
using route_stats_atom = caf::atom_constant<caf::atom("r_rtstats")>;
using route_sweep_atom = caf::atom_constant<caf::atom("r_rtsweep")>;
using route_tick_atom = caf::atom_constant<caf::atom("r_rttick")>;
using route_retry_atom = caf::atom_constant<caf::atom("r_rtretry")>;
using bulkhead_resize_atom = caf::atom_constant<caf::atom("r_bhresize")>;
using breaker_force_open_atom = caf::atom_constant<caf::atom("r_bkforce")>;
using breaker_disable_atom = caf::atom_constant<caf::atom("r_bkdisabl")>;
using breaker_metrics_only_atom = caf::atom_constant<caf::atom("r_bkmetric")>;
using breaker_reset_atom = caf::atom_constant<caf::atom("r_bkreset")>;

// Detection, classification, health.
using detector_stats_atom = caf::atom_constant<caf::atom("r_dtstats")>;
using detector_tick_atom = caf::atom_constant<caf::atom("r_dttick")>;
using heartbeat_tick_atom = caf::atom_constant<caf::atom("r_hbtick")>;
using classifier_tick_atom = caf::atom_constant<caf::atom("r_cltick")>;
using active_faults_atom = caf::atom_constant<caf::atom("r_faults")>;
using health_atom = caf::atom_constant<caf::atom("r_health")>;
using quarantine_atom = caf::atom_constant<caf::atom("r_quar")>;
using release_atom = caf::atom_constant<caf::atom("r_release")>;
using route_flush_atom = caf::atom_constant<caf::atom("r_rtflush")>;

} // namespace remedy
