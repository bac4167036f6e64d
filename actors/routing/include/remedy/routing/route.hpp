#pragma once

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "remedy/routing/route_settings.hpp"

namespace remedy {

/// Spawns a route to `target` (a plain actor or a supervised endpoint):
/// an actor that a client talks to exactly as it would talk to the target.
/// Invalid settings return an error naming the route and the field.
///
/// A request through the route gets the target's reply, or one clear error:
/// `errc::breaker_open` (the breaker rejects it), `errc::timeout` (no reply
/// by the deadline), `errc::target_down` (the target exited). Never silence,
/// never two answers: the route correlates every reply itself (one hop, no
/// CAF request timer), so it can time out a request, count its outcome once,
/// and drop a reply that comes too late.
///
/// Plain messages (not requests) pass through to the target unobserved.
///
/// Control (reserved atoms, consumed by the route):
/// - `(route_stats_atom)` -> `route_stats`.
/// - `(breaker_force_open_atom)`, `(breaker_disable_atom)`,
///   `(breaker_metrics_only_atom)`, `(breaker_reset_atom)` -> unit: the
///   breaker's operator overrides (`not_supported` without a breaker).
///
/// Every breaker transition is a `route_event` on the event bus and a log
/// line on the "remedy.route" logger; rejections are counted in the stats.
caf::expected<caf::actor> spawn_route(caf::actor_system& sys, caf::actor target,
                                      route_settings settings);

} // namespace remedy
