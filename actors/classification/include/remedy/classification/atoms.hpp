#pragma once

#include <caf/atom.hpp>

/// The classification part's wire atoms.
namespace remedy {

using classifier_tick_atom = caf::atom_constant<caf::atom("r_cltick")>;
using active_faults_atom = caf::atom_constant<caf::atom("r_faults")>;
using health_atom = caf::atom_constant<caf::atom("r_health")>;
using quarantine_atom = caf::atom_constant<caf::atom("r_quar")>;
using release_atom = caf::atom_constant<caf::atom("r_release")>;
/// Published under "classifier.sync": every classifier answers with a
/// `fault_snapshot` under "classifier.snapshot".
using fault_sync_atom = caf::atom_constant<caf::atom("r_fsync")>;

} // namespace remedy
