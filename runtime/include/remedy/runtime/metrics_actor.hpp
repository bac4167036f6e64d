#pragma once

#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/core/client.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/health_report.hpp"

/// The typed face of the metrics actor (see `spawn_metrics`). See
/// remedy/core/client.hpp for the two call forms. No Remedy errors besides
/// CAF's timeout and receiver-down.
namespace remedy {

/// The requests the metrics actor answers.
using metrics_actor
  = caf::typed_actor<caf::replies_to<metrics_atom>::with<std::string>,
                     caf::replies_to<health_atom>::with<health_report>>;

/// The node's metrics in the Prometheus text format 0.0.4.
template <class Self>
auto metrics_text(Self* self, const caf::actor& metrics,
                  caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<metrics_actor>(metrics), timeout,
                       metrics_atom::value);
}

/// The node's health: healthy or not, and the JSON document that says why.
template <class Self>
auto node_health(Self* self, const caf::actor& metrics,
                 caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<metrics_actor>(metrics), timeout,
                       health_atom::value);
}

inline caf::expected<std::string>
metrics_text(caf::scoped_actor& self, const caf::actor& metrics,
             caf::timespan timeout = default_timeout) {
  return detail::ask<std::string, metrics_actor>(self, metrics, timeout,
                                                 metrics_atom::value);
}

inline caf::expected<health_report>
node_health(caf::scoped_actor& self, const caf::actor& metrics,
            caf::timespan timeout = default_timeout) {
  return detail::ask<health_report, metrics_actor>(self, metrics, timeout,
                                                   health_atom::value);
}

} // namespace remedy
