#pragma once

#include <caf/mailbox_element.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/fwd.hpp>

namespace remedy {

/// Sends the message `self` is handling (`x`, from its default handler) on
/// to `dest` as if it had been sent there: same sender, message ID and
/// forwarding stages, so that `dest` answers the original sender directly.
/// The caller returns `caf::delegated<caf::message>{}`. Used by every actor
/// that stands in front of another one (endpoints, remote-child guards,
/// singleton managers).
void forward_current(caf::scheduled_actor* self, caf::message_view& x,
                     const caf::actor& dest);

/// A message taken out of an actor's hands to travel on later, as if it had
/// been sent to where it goes: sender, message ID, forwarding stages and
/// content (endpoints hold them while a child restarts, singleton managers
/// while they look up the leader).
struct held_message {
  caf::strong_actor_ptr sender;
  caf::message_id mid;
  caf::mailbox_element::forwarding_stack stages;
  caf::message content;
};

/// Takes the message `self` is handling (`x`, from its default handler).
held_message hold_current(caf::scheduled_actor* self, caf::message_view& x);

/// Sends `x` on to `dest` (moving its parts), so that `dest` answers the
/// original sender directly.
void deliver(held_message& x, const caf::actor& dest,
             caf::execution_unit* context);

/// Answers `sender`'s request `mid` with `err` from `self`; nothing if `mid`
/// is no request (or answered already) or there is no sender.
void refuse_request(caf::local_actor* self, const caf::strong_actor_ptr& sender,
                    caf::message_id mid, caf::error err);

} // namespace remedy
