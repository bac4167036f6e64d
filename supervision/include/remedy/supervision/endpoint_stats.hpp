#pragma once

#include <cstdint>

#include <caf/meta/type_name.hpp>

namespace remedy {

/// Where an endpoint's target is.
enum class endpoint_state : uint8_t {
  /// No incarnation yet, or it exited and a restart may come: stash.
  waiting,
  /// Forwarding to the current incarnation.
  up,
  /// The child is gone for now: answer `errc::target_down`.
  down,
};

/// Returns "waiting", "up" or "down".
const char* to_string(endpoint_state x);

/// Counters of an endpoint; the reply to `endpoint_stats_atom`.
/// Every message the endpoint took is in exactly one of: forwarded
/// (directly), replayed (after a stash), rejected, dropped, expired, or still
/// stashed.
struct endpoint_stats {
  endpoint_state state = endpoint_state::waiting;
  /// Messages passed straight to the current incarnation.
  uint64_t forwarded = 0;
  /// Messages ever put in the stash.
  uint64_t stashed = 0;
  /// Stashed messages delivered to a new incarnation.
  uint64_t replayed = 0;
  /// Messages refused: stash full (reject_new) or target down.
  uint64_t rejected = 0;
  /// Stashed messages dropped to make room (drop_oldest).
  uint64_t dropped = 0;
  /// Stashed messages that waited longer than the stash's max wait.
  uint64_t expired = 0;
  /// Messages in the stash now.
  uint64_t pending = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, endpoint_stats& x) {
  return f(caf::meta::type_name("remedy.endpoint_stats"), x.state,
           x.forwarded, x.stashed, x.replayed, x.rejected, x.dropped,
           x.expired, x.pending);
}

} // namespace remedy
