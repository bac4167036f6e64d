#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

namespace remedy {

/// Returns the event bus of `sys`, spawning it on first use. The bus is a
/// hidden actor registered in the system's registry, so it never keeps the
/// system from shutting down.
///
/// Protocol:
/// - `(subscribe_atom, std::string prefix)`: the sender receives every event
///   whose topic starts with `prefix` ("" for all), as the event value
///   itself (e.g. a `supervision_event`). Replies `caf::unit`.
/// - `(unsubscribe_atom, std::string prefix)`: undoes one subscribe.
/// - `(publish_atom, std::string topic, caf::message event)`: delivers
///   `event` to every matching subscriber.
///
/// Subscribers that exit are removed.
caf::actor event_bus(caf::actor_system& sys);

/// Publishes `event` under `topic` on the bus of `self`'s system, if the
/// system has one (nobody can have subscribed otherwise).
void publish(caf::local_actor* self, std::string topic, caf::message event);

} // namespace remedy
