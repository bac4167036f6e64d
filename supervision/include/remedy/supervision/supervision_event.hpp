#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// What happened in a supervision tree.
enum class supervision_event_kind : uint8_t {
  /// A child started (first start or restart); `actor` is its new id.
  child_started,
  /// A child exited by itself; `reason` says why.
  child_exited,
  /// A restart is scheduled after `delay` (backoff; 0 without).
  child_restarting,
  /// A child was started again; `restarts` is its restart count.
  child_restarted,
  /// A child's start function failed; `reason` says why.
  child_start_failed,
  /// The supervisor stopped a child (strategy, API or shutdown); `reason`
  /// is the exit reason, `exit_reason::kill` after a shutdown timeout.
  child_terminated,
  /// The supervisor exceeded its restart intensity and will exit with
  /// `errc::max_restart_intensity` (after stopping its children);
  /// `restarts` counts the window.
  escalated,
  /// The supervisor stopped all its children and exits with `reason` (also
  /// after `escalated`).
  supervisor_shutdown,
};

/// Returns the kind's name, e.g. "child_restarted".
const char* to_string(supervision_event_kind x);

/// One event of a supervision tree, published on the event bus under the
/// topic "supervision.<kind>" (see `topic`) and logged as an OTP-style
/// supervisor report.
struct supervision_event {
  supervision_event_kind kind = supervision_event_kind::child_started;
  /// The supervisor's name.
  std::string supervisor;
  /// The child's id; empty for events of the supervisor itself.
  std::string child;
  /// CAF's id of the child's incarnation (0 if none).
  uint64_t actor = 0;
  /// Exit or failure reason, if any.
  caf::error reason;
  /// Backoff delay of a scheduled restart.
  caf::timespan delay{0};
  /// The child's restart count; for `escalated`, the restarts in the window.
  uint64_t restarts = 0;
  /// Why the supervisor acted: for `child_terminated`, `child_restarting` and
  /// `child_restarted`, the id of the child whose exit made the strategy act
  /// (the child itself under one_for_one); "shutdown" when the supervisor
  /// stops; "api" for terminate_child; empty otherwise.
  std::string cause;
  /// When it happened, on CAF's actor clock (virtual time under test).
  caf::timespan at{0};
};

/// Returns "supervision.<kind>", the event's bus topic.
std::string topic(const supervision_event& x);

/// Renders the event as a one-line OTP-style supervisor report.
std::string to_string(const supervision_event& x);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, supervision_event& x) {
  return f(caf::meta::type_name("remedy.supervision_event"), x.kind,
           x.supervisor, x.child, x.actor, x.reason, x.delay, x.restarts,
           x.cause, x.at);
}

} // namespace remedy
