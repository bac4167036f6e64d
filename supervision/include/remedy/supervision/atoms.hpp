#pragma once

#include <caf/atom.hpp>

/// The supervision part's wire atoms. Clients call the functions in
/// remedy/supervision/supervisor_api.hpp rather than sending these.
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
using get_childspec_atom = caf::atom_constant<caf::atom("r_getcs")>;

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

} // namespace remedy
