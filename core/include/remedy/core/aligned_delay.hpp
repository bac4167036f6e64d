#pragma once

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// The delay from `now` to the next multiple of `interval` on the actor
/// clock (a whole interval when `now` is on one). Periodic checks that use
/// it for their timers fire together: CAF's clock thread then wakes a
/// sleeping scheduler thread once for all actors with the same interval
/// instead of once per actor (every wake-up is a context switch; on a mostly
/// idle node they were most of Remedy's cost). A non-positive interval is
/// returned as it is.
inline caf::timespan aligned_delay(caf::actor_clock::time_point now,
                                   caf::timespan interval) {
  if (interval.count() <= 0)
    return interval;
  return interval - now.time_since_epoch() % interval;
}

} // namespace remedy
