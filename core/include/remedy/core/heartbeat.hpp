#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_addr.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// "I am alive": sent by a monitored actor (or answered for it, see the
/// heartbeat detector's probing) to the heartbeat detector, published on
/// the bus under "heartbeat".
struct heartbeat {
  /// The target's name (a supervision path such as "root/db").
  std::string target;
  /// Counts up from 1 per sender; a gap means lost heartbeats.
  uint64_t seq = 0;
  /// When it was sent, on CAF's actor clock.
  caf::timespan at{0};
  /// The sending actor, if any: lets the detector tell a hang (the actor
  /// lives but is silent) from a crash (the actor is gone).
  caf::actor_addr source;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat& x) {
  return f(caf::meta::type_name("remedy.heartbeat"), x.target, x.seq, x.at,
           x.source);
}

} // namespace remedy
