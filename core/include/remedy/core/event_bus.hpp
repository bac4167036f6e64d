#pragma once

#include <string>

#include <caf/actor_system.hpp>
#include <caf/group.hpp>
#include <caf/group_manager.hpp>
#include <caf/message.hpp>

namespace remedy {

/// Remedy's event bus: publish/subscribe by topic, with no actor of its own.
/// With a `remedy::config` (any `core_config`), the system's subscriber
/// registry delivers each event straight into the mailbox of every matching
/// subscriber: one message per subscription, nothing when nobody subscribed
/// (a lock-free check). Subscribers that exit are forgotten. On a plain
/// `caf::actor_system_config` the bus falls back to CAF's local groups (one
/// per prefix; CAF also hands every event to each group's broker actor).
///
/// Topics are dotted names such as "supervision.child_exited". An event
/// published under "a.b.c" reaches the subscribers of "", "a.", "a.b." and
/// "a.b.c": subscribe to "" for everything, to a family ending in '.'
/// ("supervision.") or to one exact topic. Subscribers receive the event value
/// itself (e.g. a `supervision_event`), sent by the publisher. An actor
/// subscribed to two matching prefixes receives the event twice.

/// Returns the CAF group that carries the events for subscription `prefix`
/// on a system without a `remedy::config` (the fallback).
caf::group event_group(caf::actor_system& sys, const std::string& prefix);

namespace detail {

/// Subscribes `self` through the registry of `sys`; false when `sys` has
/// none (no `remedy::config`).
bool subscribe_direct(caf::abstract_actor* self, caf::actor_system& sys,
                      const std::string& prefix);

/// Ends that subscription; false when `sys` has no registry.
bool unsubscribe_direct(caf::abstract_actor* self, caf::actor_system& sys,
                        const std::string& prefix);

} // namespace detail

/// Subscribes `self` (any CAF actor, including a `caf::scoped_actor`) to the
/// events whose topic matches `prefix`. The subscription ends when `self`
/// exits or calls `unsubscribe`.
template <class Self>
void subscribe(Self* self, const std::string& prefix) {
  if (!detail::subscribe_direct(self, self->home_system(), prefix))
    self->join(event_group(self->home_system(), prefix));
}

/// Ends a subscription made with `subscribe`.
template <class Self>
void unsubscribe(Self* self, const std::string& prefix) {
  if (!detail::unsubscribe_direct(self, self->home_system(), prefix))
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
