#pragma once

#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/classification/atoms.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/core/client.hpp"

/// The typed face of a classifier. See remedy/core/client.hpp for the two
/// call forms. No Remedy errors besides CAF's timeout and receiver-down.
namespace remedy {

/// The requests a classifier answers.
using classifier_actor = caf::typed_actor<
  caf::replies_to<active_faults_atom>::with<std::vector<fault>>>;

/// The faults the classifier holds active now, with their evidence.
template <class Self>
auto active_faults(Self* self, const caf::actor& classifier,
                   caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<classifier_actor>(classifier), timeout,
                       active_faults_atom::value);
}

inline caf::expected<std::vector<fault>>
active_faults(caf::scoped_actor& self, const caf::actor& classifier,
              caf::timespan timeout = default_timeout) {
  return detail::ask<std::vector<fault>, classifier_actor>(
    self, classifier, timeout, active_faults_atom::value);
}

} // namespace remedy
