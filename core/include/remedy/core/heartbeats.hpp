#pragma once

#include <memory>
#include <string>
#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/message_handler.hpp>
#include <caf/timespan.hpp>

#include "remedy/core/atoms.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/heartbeat.hpp"

namespace remedy {

/// Makes `self` publish a `heartbeat` for `target` on the bus (topic
/// "heartbeat") every `interval`, from its own mailbox: a heartbeat is a
/// message the actor handles between its others, so an actor that hangs in
/// a handler, or falls far behind its mailbox, stops beating, which is what
/// a heartbeat detector should see. Returns `handlers` extended by the
/// heartbeat's own handler; use it as the actor's behavior:
///
///     caf::behavior db(caf::event_based_actor* self) {
///       return remedy::with_heartbeats(self, "root/db", 1s, {
///         [](get_atom, int key) { ... },
///       });
///     }
inline caf::message_handler with_heartbeats(caf::event_based_actor* self,
                                            std::string target,
                                            caf::timespan interval,
                                            caf::message_handler handlers) {
  auto seq = std::make_shared<uint64_t>(0);
  auto beat = [self, target, seq] {
    heartbeat hb{target, ++*seq, self->clock().now().time_since_epoch(),
                 self->address()};
    publish(self, "heartbeat", caf::make_message(std::move(hb)));
  };
  beat();
  self->delayed_send(self, interval, heartbeat_tick_atom::value);
  return handlers.or_else(
    [self, interval, beat](heartbeat_tick_atom) {
      beat();
      self->delayed_send(self, interval, heartbeat_tick_atom::value);
    });
}

} // namespace remedy
