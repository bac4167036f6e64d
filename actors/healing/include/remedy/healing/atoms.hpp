#pragma once

#include <caf/atom.hpp>

/// The healing part's wire atoms.
namespace remedy {

/// (healing_table_atom) -> std::vector<strategy_record>: what was learned.
using healing_table_atom = caf::atom_constant<caf::atom("r_htable")>;
/// (heal_target_atom, heal_target) -> void: adds or replaces a target.
using heal_target_atom = caf::atom_constant<caf::atom("r_htarget")>;
/// (healing_status_atom) -> healing_status: what is going on now.
using healing_status_atom = caf::atom_constant<caf::atom("r_hstatus")>;
/// (healing_forget_atom, std::string prefix, std::string why) -> void: ends
/// every healing in flight, and drops every waiting fault, whose target
/// starts with `prefix`, as abandoned with `why`: nothing is learned from
/// them (e.g. the node they ran on restarted or is down).
using healing_forget_atom = caf::atom_constant<caf::atom("r_hforget")>;
/// The orchestrator's timer (verification windows, cooldowns).
using healing_tick_atom = caf::atom_constant<caf::atom("r_htick")>;

} // namespace remedy
