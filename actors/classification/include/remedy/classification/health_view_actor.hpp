#pragma once

#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/classification/atoms.hpp"
#include "remedy/classification/health_view.hpp"
#include "remedy/core/client.hpp"

/// The typed face of a health view. See remedy/core/client.hpp for the two
/// call forms. No Remedy errors besides CAF's timeout and receiver-down: an
/// unknown target is healthy.
namespace remedy {

/// The requests a health view answers.
using health_view_actor = caf::typed_actor<
  caf::replies_to<health_atom, std::string>::with<target_health>,
  caf::replies_to<health_atom>::with<std::vector<target_health>>,
  caf::replies_to<quarantine_atom, std::string>::with<target_health>,
  caf::replies_to<release_atom, std::string>::with<target_health>>;

/// The health of `target` (healthy when the view knows nothing of it).
template <class Self>
auto health_of(Self* self, const caf::actor& view, std::string target,
               caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<health_view_actor>(view), timeout,
                       health_atom::value, std::move(target));
}

/// The health of every target the view knows.
template <class Self>
auto all_health(Self* self, const caf::actor& view,
                caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<health_view_actor>(view), timeout,
                       health_atom::value);
}

/// Quarantines `target` (an operator's decision; faults do not lift it).
template <class Self>
auto quarantine(Self* self, const caf::actor& view, std::string target,
                caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<health_view_actor>(view), timeout,
                       quarantine_atom::value, std::move(target));
}

/// Lifts the quarantine of `target`.
template <class Self>
auto release(Self* self, const caf::actor& view, std::string target,
             caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<health_view_actor>(view), timeout,
                       release_atom::value, std::move(target));
}

inline caf::expected<target_health>
health_of(caf::scoped_actor& self, const caf::actor& view, std::string target,
          caf::timespan timeout = default_timeout) {
  return detail::ask<target_health, health_view_actor>(
    self, view, timeout, health_atom::value, std::move(target));
}

inline caf::expected<std::vector<target_health>>
all_health(caf::scoped_actor& self, const caf::actor& view,
           caf::timespan timeout = default_timeout) {
  return detail::ask<std::vector<target_health>, health_view_actor>(
    self, view, timeout, health_atom::value);
}

inline caf::expected<target_health>
quarantine(caf::scoped_actor& self, const caf::actor& view,
           std::string target, caf::timespan timeout = default_timeout) {
  return detail::ask<target_health, health_view_actor>(
    self, view, timeout, quarantine_atom::value, std::move(target));
}

inline caf::expected<target_health>
release(caf::scoped_actor& self, const caf::actor& view, std::string target,
        caf::timespan timeout = default_timeout) {
  return detail::ask<target_health, health_view_actor>(
    self, view, timeout, release_atom::value, std::move(target));
}

} // namespace remedy
