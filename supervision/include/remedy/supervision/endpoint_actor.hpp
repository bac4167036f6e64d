#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/core/client.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/endpoint_stats.hpp"

/// The typed face of an endpoint's own requests (every other message goes on
/// to the child it stands for). See remedy/core/client.hpp for the two call
/// forms. No Remedy errors besides CAF's timeout and receiver-down.
namespace remedy {

/// The requests an endpoint answers itself.
using endpoint_actor = caf::typed_actor<
  caf::replies_to<endpoint_stats_atom>::with<endpoint_stats>>;

/// The endpoint's counters: forwarded, stashed, rejected, incarnations.
template <class Self>
auto endpoint_stats_of(Self* self, const caf::actor& ep,
                       caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<endpoint_actor>(ep), timeout,
                       endpoint_stats_atom::value);
}

inline caf::expected<endpoint_stats>
endpoint_stats_of(caf::scoped_actor& self, const caf::actor& ep,
                  caf::timespan timeout = default_timeout) {
  return detail::ask<endpoint_stats, endpoint_actor>(
    self, ep, timeout, endpoint_stats_atom::value);
}

} // namespace remedy
