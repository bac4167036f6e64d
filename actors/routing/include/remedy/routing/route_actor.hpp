#pragma once

#include <cstdint>
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/core/client.hpp"
#include "remedy/routing/atoms.hpp"
#include "remedy/routing/route_stats.hpp"

/// The typed face of a route's control requests (every other message is a
/// request for the target). See remedy/core/client.hpp for the two call
/// forms.
///
/// | function             | reply       | Remedy errors |
/// | -------------------- | ----------- | ------------- |
/// | route_stats_of       | route_stats | |
/// | resize_bulkhead      | (none)      | invalid_argument (no such pool, bad size), not_supported (no bulkhead) |
/// | force_open_breaker   | (none)      | not_supported (route has no breaker) |
/// | disable_breaker      | (none)      | not_supported (route has no breaker) |
/// | breaker_metrics_only | (none)      | not_supported (route has no breaker) |
/// | reset_breaker        | (none)      | not_supported (route has no breaker) |
/// | open_breaker         | (none)      | not_supported (route has no breaker) |
/// | half_open_breaker    | (none)      | not_supported (route has no breaker) |
/// | close_breaker        | (none)      | not_supported (route has no breaker) |
/// | set_bulkhead_max_wait | (none)     | invalid_argument (no such pool, wait <= 0), not_supported (no bulkhead) |
///
/// "(none)": the route answers an empty message. The typed functions turn it
/// into `caf::expected<void>` (blocking) or a `.then([] {})` handler (in an
/// actor); an untyped request needs a handler without arguments. A
/// `caf::unit_t` handler never matches it.
namespace remedy {

/// The control requests a route answers itself.
using route_actor = caf::typed_actor<
  caf::replies_to<route_stats_atom>::with<route_stats>,
  caf::reacts_to<bulkhead_resize_atom, uint32_t, uint32_t>,
  caf::reacts_to<bulkhead_resize_atom, std::string, uint32_t, uint32_t>,
  caf::reacts_to<bulkhead_max_wait_atom, caf::timespan>,
  caf::reacts_to<bulkhead_max_wait_atom, std::string, caf::timespan>,
  caf::reacts_to<breaker_force_open_atom>, caf::reacts_to<breaker_disable_atom>,
  caf::reacts_to<breaker_metrics_only_atom>, caf::reacts_to<breaker_reset_atom>,
  caf::reacts_to<breaker_open_atom>, caf::reacts_to<breaker_half_open_atom>,
  caf::reacts_to<breaker_close_atom>>;

/// The route's counters, breaker state and bulkhead pools.
template <class Self>
auto route_stats_of(Self* self, const caf::actor& route,
                    caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       route_stats_atom::value);
}

/// Resizes the route's default bulkhead pool.
template <class Self>
auto resize_bulkhead(Self* self, const caf::actor& route,
                     uint32_t max_concurrent, uint32_t max_queue,
                     caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       bulkhead_resize_atom::value, max_concurrent, max_queue);
}

/// Resizes the route's bulkhead pool named `pool`.
template <class Self>
auto resize_bulkhead(Self* self, const caf::actor& route, std::string pool,
                     uint32_t max_concurrent, uint32_t max_queue,
                     caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       bulkhead_resize_atom::value, std::move(pool),
                       max_concurrent, max_queue);
}

/// Sets how long a request may wait in the route's default bulkhead pool,
/// for requests waiting now too.
template <class Self>
auto set_bulkhead_max_wait(Self* self, const caf::actor& route,
                           caf::timespan max_wait,
                           caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       bulkhead_max_wait_atom::value, max_wait);
}

/// Sets the max wait of the route's bulkhead pool named `pool`.
template <class Self>
auto set_bulkhead_max_wait(Self* self, const caf::actor& route,
                           std::string pool, caf::timespan max_wait,
                           caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       bulkhead_max_wait_atom::value, std::move(pool),
                       max_wait);
}

/// Opens the breaker for its open duration, then half-open as after a trip.
template <class Self>
auto open_breaker(Self* self, const caf::actor& route,
                  caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       breaker_open_atom::value);
}

/// Starts a probe round now.
template <class Self>
auto half_open_breaker(Self* self, const caf::actor& route,
                       caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       breaker_half_open_atom::value);
}

/// Closes the breaker with an empty window (no-op when closed).
template <class Self>
auto close_breaker(Self* self, const caf::actor& route,
                   caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       breaker_close_atom::value);
}

/// Holds the breaker open until reset: every request fails fast.
template <class Self>
auto force_open_breaker(Self* self, const caf::actor& route,
                        caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       breaker_force_open_atom::value);
}

/// Turns the breaker off until reset: every request passes, nothing counts.
template <class Self>
auto disable_breaker(Self* self, const caf::actor& route,
                     caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       breaker_disable_atom::value);
}

/// Lets every request pass while the breaker keeps counting and reports
/// when it would have opened.
template <class Self>
auto breaker_metrics_only(Self* self, const caf::actor& route,
                          caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       breaker_metrics_only_atom::value);
}

/// Closes the breaker and clears its windows.
template <class Self>
auto reset_breaker(Self* self, const caf::actor& route,
                   caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<route_actor>(route), timeout,
                       breaker_reset_atom::value);
}

inline caf::expected<route_stats>
route_stats_of(caf::scoped_actor& self, const caf::actor& route,
               caf::timespan timeout = default_timeout) {
  return detail::ask<route_stats, route_actor>(self, route, timeout,
                                               route_stats_atom::value);
}

inline caf::expected<void>
resize_bulkhead(caf::scoped_actor& self, const caf::actor& route,
                uint32_t max_concurrent, uint32_t max_queue,
                caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        bulkhead_resize_atom::value,
                                        max_concurrent, max_queue);
}

inline caf::expected<void>
resize_bulkhead(caf::scoped_actor& self, const caf::actor& route,
                std::string pool, uint32_t max_concurrent, uint32_t max_queue,
                caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        bulkhead_resize_atom::value,
                                        std::move(pool), max_concurrent,
                                        max_queue);
}

inline caf::expected<void>
force_open_breaker(caf::scoped_actor& self, const caf::actor& route,
                   caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        breaker_force_open_atom::value);
}

inline caf::expected<void>
disable_breaker(caf::scoped_actor& self, const caf::actor& route,
                caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        breaker_disable_atom::value);
}

inline caf::expected<void>
breaker_metrics_only(caf::scoped_actor& self, const caf::actor& route,
                     caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        breaker_metrics_only_atom::value);
}

inline caf::expected<void>
reset_breaker(caf::scoped_actor& self, const caf::actor& route,
              caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        breaker_reset_atom::value);
}

inline caf::expected<void>
set_bulkhead_max_wait(caf::scoped_actor& self, const caf::actor& route,
                      caf::timespan max_wait,
                      caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        bulkhead_max_wait_atom::value,
                                        max_wait);
}

inline caf::expected<void>
set_bulkhead_max_wait(caf::scoped_actor& self, const caf::actor& route,
                      std::string pool, caf::timespan max_wait,
                      caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        bulkhead_max_wait_atom::value,
                                        std::move(pool), max_wait);
}

inline caf::expected<void>
open_breaker(caf::scoped_actor& self, const caf::actor& route,
             caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        breaker_open_atom::value);
}

inline caf::expected<void>
half_open_breaker(caf::scoped_actor& self, const caf::actor& route,
                  caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        breaker_half_open_atom::value);
}

inline caf::expected<void>
close_breaker(caf::scoped_actor& self, const caf::actor& route,
              caf::timespan timeout = default_timeout) {
  return detail::ask<void, route_actor>(self, route, timeout,
                                        breaker_close_atom::value);
}

} // namespace remedy
