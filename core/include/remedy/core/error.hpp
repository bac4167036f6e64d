#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

namespace remedy {

/// Error codes of the Remedy runtime. Registered with CAF as the error
/// category `remedy`, so they travel between nodes and render readably.
enum class errc : uint8_t {
  /// Placeholder for "no error"; never produced.
  none = 0,
  /// A configuration value or child specification is invalid.
  invalid_argument,
  /// No child with the given id exists under this supervisor.
  unknown_child,
  /// A child spec with this id exists already (and is not running).
  already_present,
  /// A child with this id exists already and is running.
  already_started,
  /// The child is running; the operation needs it stopped.
  running,
  /// The child is waiting for or in the middle of a restart.
  restarting,
  /// A child's start function failed.
  start_failed,
  /// The supervisor exceeded its restart intensity and gave up.
  max_restart_intensity,
  /// The operation does not apply to this supervisor's strategy.
  not_supported,
  /// The supervisor is shutting down.
  shutting_down,
  /// A handler threw; the actor exits with this reason.
  unhandled_exception,
  /// The endpoint's target is gone and will not come back.
  target_down,
  /// The endpoint's stash is full and the message was rejected.
  stash_full,
  /// The endpoint dropped this message to make room (drop_oldest policy).
  stash_dropped,
  /// A stashed message waited longer than the stash's max wait.
  stash_timeout,
  /// The actor received a message it does not understand.
  unexpected_message,
  // Append only: codes travel between nodes.
  /// A route's circuit breaker rejected the request (open or half-open
  /// without a free probe slot, or forced open).
  breaker_open,
  /// A bulkhead's permits and wait queue are all taken.
  bulkhead_full,
  /// A request waited in a bulkhead's queue longer than its max wait.
  bulkhead_timeout,
  /// No reply within the route's deadline.
  timeout,
  /// A healing strategy tried to act and could not (its context says why).
  heal_failed,
  /// A scheduler could not take a task: queue full, shed for a higher
  /// priority, stopping (the context says which).
  task_rejected,
  /// A task's deadline passed before it was answered.
  task_expired,
  /// A task's last attempt failed (the context carries the last error).
  task_failed,
  /// The node that hosts the target is unreachable (its heartbeats stopped
  /// or its connection dropped): the request failed at once instead of
  /// waiting out its timeout.
  node_unreachable,
  /// The node that hosted the target is down.
  node_down,
  /// A cluster singleton does not run on this node (its context names the
  /// leader it runs on, if known).
  not_leader,
  /// A command carried an older term (fencing token) than one already
  /// admitted: it came from a leader that has been replaced.
  stale_term,
};

/// The atom naming Remedy's error category.
constexpr caf::atom_value error_category = caf::atom("remedy");

/// Returns the name of `x`, e.g. "unknown_child".
const char* to_string(errc x);

/// Converts `x` into a CAF error in the `remedy` category.
caf::error make_error(errc x);

/// Converts `x` into a CAF error with a context message naming what and where.
caf::error make_error(errc x, std::string context);

/// Returns whether `err` belongs to Remedy's category and has code `x`.
bool is(const caf::error& err, errc x);

/// Returns the context text of `err` (the string Remedy put there), or its
/// rendering if it has no string context. Used to nest error messages.
std::string context_of(const caf::error& err);

/// Renders any CAF error (Remedy's, CAF's `system` and `exit` categories)
/// without needing an actor system, e.g. "remedy.unknown_child: no child 'db'".
std::string render(const caf::error& err);

} // namespace remedy
