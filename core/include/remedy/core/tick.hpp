#pragma once

#include <utility>

#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// Sends `msg` to `self` at the next multiple of `interval` on the actor
/// clock (a whole interval away when the clock is on one): what a
/// `delayed_send(self, ...)` to that instant does, except
/// that all actors of a `remedy::config` system that ask for the same instant
/// share one timer of CAF's clock. Every timer costs a wake-up of CAF's clock
/// thread when it is set and another of a scheduler thread when it fires; a
/// node's routes, detectors, classifier and scheduler check at the same few
/// intervals, so with this they cost one of each per instant instead of one
/// per actor. Unlike `delayed_send`, a pending tick does not keep `self`
/// alive: an actor that is gone by then gets nothing. Without a
/// `remedy::config` (or with a non-positive interval) it is that
/// `delayed_send`.
void send_on_tick(caf::local_actor* self, caf::timespan interval,
                  caf::message msg);

template <class T, class... Ts>
void send_on_tick(caf::local_actor* self, caf::timespan interval, T&& x,
                  Ts&&... xs) {
  send_on_tick(self, interval,
               caf::make_message(std::forward<T>(x), std::forward<Ts>(xs)...));
}

} // namespace remedy
