#pragma once

#include <string>

#include <caf/actor_system.hpp>
#include <caf/group.hpp>
#include <caf/group_manager.hpp>
#include <caf/message.hpp>

namespace remedy {

/// Remedy's event bus: publish/subscribe by topic, built on CAF's local
/// groups, so it needs no actor of its own, forgets subscribers that exit,
/// and shuts down with the actor system. With a `remedy::config`, an event
/// whose topic no one subscribed to (by any matching prefix) costs a lock-free
/// check and sends nothing; otherwise each matching subscribed prefix costs
/// one group send (CAF's local group also hands each to its broker).
///
/// Topics are dotted names such as "supervision.child_exited". An event
/// published under "a.b.c" reaches the subscribers of "", "a.", "a.b." and
/// "a.b.c": subscribe to "" for everything, to a family ending in '.'
/// ("supervision.") or to one exact topic. Subscribers receive the event value
/// itself (e.g. a `supervision_event`), sent by the publisher. An actor
/// subscribed to two matching prefixes receives the event twice.

/// Returns the CAF group that carries the events for subscription `prefix`
/// (and notes that `prefix` has subscribers from now on).
caf::group event_group(caf::actor_system& sys, const std::string& prefix);

/// Subscribes `self` (any CAF actor, including a `caf::scoped_actor`) to the
/// events whose topic matches `prefix`. The subscription ends when `self`
/// exits or calls `unsubscribe`.
template <class Self>
void subscribe(Self* self, const std::string& prefix) {
  self->join(event_group(self->home_system(), prefix));
}

/// Ends a subscription made with `subscribe`.
template <class Self>
void unsubscribe(Self* self, const std::string& prefix) {
  self->leave(event_group(self->home_system(), prefix));
}

/// Publishes `event` under `topic` to every matching subscriber of the bus of
/// `self`'s system; `self` is the sender.
void publish(caf::local_actor* self, const std::string& topic,
             const caf::message& event);

/// Publishes `event` under `topic` without a sender (from outside actors).
void publish(caf::actor_system& sys, const std::string& topic,
             const caf::message& event);

} // namespace remedy
