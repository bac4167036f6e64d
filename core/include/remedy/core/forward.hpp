#pragma once

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

} // namespace remedy
