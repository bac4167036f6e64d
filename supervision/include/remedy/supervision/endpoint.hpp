#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "remedy/supervision/stash_policy.hpp"

namespace remedy {

/// Spawns a stable endpoint for the child `id`: an actor that forwards every
/// message to the child's current incarnation, so clients never hold a stale
/// handle. The original sender and request id travel with the message, so
/// the child answers the client directly.
///
/// While the child is restarting (after its exit, during backoff) the
/// endpoint holds messages in a stash bounded by `policy` and delivers them
/// in order to the next incarnation. A message that does not fit, waits too
/// long, or arrives while the child is down for good is counted, and if it
/// is a request, answered with an error (`errc::stash_full`,
/// `errc::stash_dropped`, `errc::stash_timeout`, `errc::target_down`): a
/// request through an endpoint gets the child's reply or an error, never
/// silence. A request that the old incarnation had already taken when it
/// died gets CAF's error for that (`sec::request_receiver_down` or the
/// child's exit reason).
///
/// Control messages, sent by Remedy's supervisors: `(endpoint_update_atom,
/// caf::actor)` points it at a new incarnation and replays the stash;
/// `(endpoint_down_atom, caf::error)` marks the child gone.
/// `(endpoint_stats_atom)` replies an `endpoint_stats`. These atoms are
/// reserved: the endpoint consumes them, so a child cannot receive them
/// through its endpoint. (The endpoint does not check who sends them.)
///
/// `(endpoint_owner_atom, caf::actor owner)` (first one wins) ties the
/// endpoint's life to `owner`: when the owner terminates, stashed requests
/// get `errc::target_down` and the endpoint exits, so stopping a tree leaves
/// no endpoint behind. The builder makes the tree's root the owner of every
/// endpoint it makes (they survive restarts of any supervisor below the
/// root); a supervisor owns the endpoints it makes on demand.
caf::actor spawn_endpoint(caf::actor_system& sys, std::string id,
                          stash_policy policy);

} // namespace remedy
