#pragma once

#include <caf/atom.hpp>

/// The scheduler's control atoms (the wire format behind the functions of
/// remedy/scheduling/scheduler.hpp). Every other request to a scheduler is
/// a task.
namespace remedy {

using sched_add_atom = caf::atom_constant<caf::atom("s_schadd")>;
using sched_remove_atom = caf::atom_constant<caf::atom("s_schrm")>;
using sched_isolate_atom = caf::atom_constant<caf::atom("s_schiso")>;
using sched_limit_atom = caf::atom_constant<caf::atom("s_schlim")>;
using sched_stats_atom = caf::atom_constant<caf::atom("s_schstat")>;
using sched_workers_atom = caf::atom_constant<caf::atom("s_schwrk")>;
using sched_follow_atom = caf::atom_constant<caf::atom("s_schfol")>;
using sched_tick_atom = caf::atom_constant<caf::atom("s_schtick")>;
/// Internal: the scheduler's own per-worker samples are due.
using sched_flush_atom = caf::atom_constant<caf::atom("s_schflsh")>;

} // namespace remedy
