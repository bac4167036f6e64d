#pragma once

#include <caf/atom.hpp>

/// The detection part's wire atoms.
namespace remedy {

using detector_stats_atom = caf::atom_constant<caf::atom("r_dtstats")>;
using detector_tick_atom = caf::atom_constant<caf::atom("r_dttick")>;
using detector_log_atom = caf::atom_constant<caf::atom("r_dtlog")>;

} // namespace remedy
