#pragma once

#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/supervisor_flags.hpp"

namespace remedy {

/// Validates `flags` and `children` and spawns a supervisor that starts the
/// children in order and keeps them running by `flags.strategy`. Invalid
/// input returns an error naming what and where; nothing is spawned.
///
/// Behaviour (OTP's supervisor, plus backoff and endpoints):
/// - Children start in spec order and stop in reverse order, one at a time,
///   each by its `shutdown` (exit on CAF's high-priority path, then kill after
///   the grace period). A child of type supervisor starts its whole subtree
///   before its next sibling starts (the parent waits for its
///   `await_started` answer), as OTP's synchronous start does. If a start
///   fails, also deep inside a subtree, the children started so far are
///   stopped and the supervisor exits with `errc::start_failed`.
/// - When a child exits, its restart type decides whether it restarts; the
///   strategy decides which others restart with it. Every restart counts in
///   the restart intensity; exceeding it stops all children and exits with
///   `errc::max_restart_intensity`, so the parent's strategy applies. A start
///   that fails during a restart counts as another restart and is tried
///   again through a message to self (after the backoff delay, if any), so
///   the supervisor answers requests and stops between tries.
/// - A start function that returns `ignore_start()` starts nothing and does
///   not fail: the spec stays (`terminated`), or is dropped for a temporary
///   or pool child.
/// - A pool (simple_one_for_one) stops its children all at once, with one
///   shared deadline; other supervisors stop them one at a time.
/// - The supervisor stops (children in reverse order) on an exit message
///   from anyone with a reason other than `normal`, and exits with it.
/// - If the supervisor dies without stopping its children (killed), they are
///   killed with it.
///
/// Dynamic API (request/response; errors are `remedy::errc`):
/// - `(start_child_atom, child_spec)` -> `child_info` | already_started
///   (running), already_present (kept, not running: terminated or waiting
///   to restart), invalid_argument, start_failed, not_supported (pools).
/// - `(start_child_atom, caf::message args)` -> `child_info`: starts a pool
///   child (simple_one_for_one only) with `args`.
/// - `(terminate_child_atom, std::string id)` -> unit | unknown_child. Pool
///   children are deleted too, as in OTP. A child waiting to restart is
///   taken out of its restart; if its failure caused it, the siblings
///   waiting with it stay stopped too.
/// - `(terminate_child_atom, caf::actor child)` -> unit | unknown_child,
///   not_supported (not a pool): a pool child by its incarnation (or its
///   last one while it waits to restart).
/// - `(restart_child_atom, std::string id)` -> `child_info` | unknown_child,
///   running, restarting, start_failed.
/// - `(delete_child_atom, std::string id)` -> unit | unknown_child, running,
///   restarting.
/// - `(await_started_atom)` -> unit once the initial start (of the whole
///   subtree) completed | start_failed (why) | shutting_down. Use it to wait
///   until a tree is up.
/// - `(which_children_atom)` -> `std::vector<child_info>` in start order.
/// - `(count_children_atom)` -> `child_counts` (a pool's template counts as
///   its one spec).
/// - `(get_childspec_atom, std::string id)` -> the child's `child_spec` (a
///   pool child's is the template) | unknown_child.
/// - `(get_endpoint_atom, std::string id)` -> the child's endpoint (made on
///   first request) | unknown_child.
/// Any other message is answered with `errc::unexpected_message`.
caf::expected<caf::actor> spawn_supervisor(caf::actor_system& sys,
                                           supervisor_flags flags,
                                           std::vector<child_spec> children);

/// Validates `flags` and `children` as `spawn_supervisor` does.
caf::error validate(const supervisor_flags& flags,
                    const std::vector<child_spec>& children);

} // namespace remedy
