#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/core/client.hpp"
#include "remedy/detection/atoms.hpp"
#include "remedy/detection/detector.hpp"

/// The typed face of a detector actor (one that `spawn_detector` or
/// `detector_start` made). See remedy/core/client.hpp for the two call forms.
/// No Remedy errors besides CAF's timeout and receiver-down.
namespace remedy {

/// The requests a detector actor answers.
using detector_actor = caf::typed_actor<
  caf::replies_to<detector_stats_atom>::with<detector_stats>>;

/// The detector's counters: inputs seen and ignored by kind, raised, cleared.
template <class Self>
auto detector_stats_of(Self* self, const caf::actor& detector,
                       caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<detector_actor>(detector), timeout,
                       detector_stats_atom::value);
}

inline caf::expected<detector_stats>
detector_stats_of(caf::scoped_actor& self, const caf::actor& detector,
                  caf::timespan timeout = default_timeout) {
  return detail::ask<detector_stats, detector_actor>(
    self, detector, timeout, detector_stats_atom::value);
}

} // namespace remedy
