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
namespace remedy {

/// The control requests a route answers itself.
using route_actor = caf::typed_actor<
  caf::replies_to<route_stats_atom>::with<route_stats>,
  caf::reacts_to<bulkhead_resize_atom, uint32_t, uint32_t>,
  caf::reacts_to<bulkhead_resize_atom, std::string, uint32_t, uint32_t>,
  caf::reacts_to<breaker_force_open_atom>, caf::reacts_to<breaker_disable_atom>,
  caf::reacts_to<breaker_metrics_only_atom>, caf::reacts_to<breaker_reset_atom>>;

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

} // namespace remedy
