#pragma once

#include <caf/atom.hpp>

/// The strategies part's wire atoms: the strategy protocol.
namespace remedy {

/// (strategy_assess_atom, healing_order) -> strategy_offer
using strategy_assess_atom = caf::atom_constant<caf::atom("r_sassess")>;
/// (strategy_execute_atom, healing_order) -> healing_action
using strategy_execute_atom = caf::atom_constant<caf::atom("r_sexec")>;
/// (strategy_undo_atom, healing_action) -> healing_action
using strategy_undo_atom = caf::atom_constant<caf::atom("r_sundo")>;

// -- built-in strategies' timers (internal: each sends them to itself) ------
/// isolate: a probation ended, (atom, order id).
using isolate_probe_atom = caf::atom_constant<caf::atom("r_isprobe")>;
/// throttle: the next restoring step is due, (atom, order id).
using throttle_step_atom = caf::atom_constant<caf::atom("r_thstep")>;
/// scale_out: a hold ended, (atom, order id).
using scale_in_atom = caf::atom_constant<caf::atom("r_soin")>;
/// failover: a stable period ended, (atom, order id).
using failback_atom = caf::atom_constant<caf::atom("r_foback")>;
/// escalate: the wait for a supervisor's exit ended, (atom, order id).
using escalate_wait_atom = caf::atom_constant<caf::atom("r_escwait")>;

} // namespace remedy
