#pragma once

#include <caf/atom.hpp>

/// Atoms of the core. Atoms are Remedy's wire format, not its API: each part
/// declares its own in `remedy/<part>/atoms.hpp`, and clients use the named
/// request functions of each actor role instead. CAF 0.17 limits atoms to ten
/// characters, so the names are short; the alias names are the documentation.
namespace remedy {

/// Self-sent by an actor that beats (`with_heartbeats`).
using heartbeat_tick_atom = caf::atom_constant<caf::atom("r_hbtick")>;

/// Sent by CAF's clock to a system's ticker when an instant that actors
/// asked for with `send_on_tick` is due.
using tick_fire_atom = caf::atom_constant<caf::atom("r_tickfire")>;

} // namespace remedy
