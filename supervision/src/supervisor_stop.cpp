// Stopping children: the stop job (reverse start order, one child at a time,
// each by its shutdown spec on CAF's high-priority path, killed after its
// grace period), and the supervisor's own shutdown.

#include <string>
#include <utility>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/type_ids.hpp"

#include "supervisor_state.hpp"

namespace remedy::detail {

namespace {

/// Queues the children at `positions` (start order) to stop in reverse.
void set_stop_queue(supervisor_state& st,
                    const std::vector<size_t>& positions) {
  for (auto pos : st.stop_queue)
    st.children[pos].stop_queued = false;
  st.stop_queue.assign(positions.rbegin(), positions.rend());
  for (auto pos : positions)
    st.children[pos].stop_queued = true;
}

/// Makes sure a stop timer fires no later than the current stop deadline.
void arm_stop_timer(supervisor_impl* self) {
  auto& st = self->state;
  if (!st.stop_deadline)
    return;
  if (st.stop_timer_due && *st.stop_timer_due <= *st.stop_deadline)
    return;
  st.stop_timer_due = *st.stop_deadline;
  self->delayed_send(self, *st.stop_deadline - now(self),
                     stop_timer_atom::value);
}

/// Sends the stop signal to the next child in the stop queue, or finishes.
void stop_next(supervisor_impl* self) {
  auto& st = self->state;
  while (!st.stop_queue.empty()) {
    auto pos = st.stop_queue.front();
    st.stop_queue.pop_front();
    auto& rec = st.children[pos];
    rec.stop_queued = false;
    if (rec.deleted || !rec.current)
      continue; // exited by itself meanwhile
    st.stopping = pos;
    st.stop_deadline.reset();
    auto shutdown = rec.spec->shutdown.resolve(rec.spec->type);
    using mode = shutdown_spec::kind;
    if (shutdown.mode == mode::brutal_kill) {
      self->send<caf::message_priority::high>(
        rec.current, caf::exit_msg{self->address(), caf::exit_reason::kill});
      return;
    }
    self->send<caf::message_priority::high>(
      rec.current,
      caf::exit_msg{self->address(), caf::exit_reason::user_shutdown});
    if (shutdown.mode == mode::timeout) {
      st.stop_deadline = now(self) + shutdown.grace;
      arm_stop_timer(self);
    }
    return;
  }
  st.stopping = npos;
  auto then = std::move(st.after_stop);
  st.after_stop = nullptr;
  st.busy = false;
  if (then)
    then();
  if (!st.busy)
    finish_job(self);
}

std::vector<size_t> live_positions(supervisor_state& st) {
  std::vector<size_t> result;
  for (size_t i = 0; i < st.children.size(); ++i)
    if (!st.children[i].deleted && st.children[i].current)
      result.push_back(i);
  return result;
}

} // namespace

void stop_children(supervisor_impl* self, std::vector<size_t> positions,
                   std::string cause, std::function<void()> then) {
  auto& st = self->state;
  st.busy = true;
  st.stop_cause = std::move(cause);
  set_stop_queue(st, positions);
  st.after_stop = std::move(then);
  stop_next(self);
}

void on_stopped(supervisor_impl* self, child_record& rec,
                const caf::error& reason) {
  auto& st = self->state;
  emit(self, kind::child_terminated, &rec, reason, {}, st.stop_cause);
  forget_incarnation(st, rec);
  st.stopping = npos;
  st.stop_deadline.reset();
  stop_next(self);
}

void on_stop_timer(supervisor_impl* self) {
  auto& st = self->state;
  auto t = now(self);
  if (st.stop_timer_due && *st.stop_timer_due <= t)
    st.stop_timer_due.reset();
  if (st.stopping == npos || !st.stop_deadline)
    return;
  if (t < *st.stop_deadline) {
    arm_stop_timer(self); // fired for an earlier child; wait on
    return;
  }
  st.stop_deadline.reset();
  auto& rec = st.children[st.stopping];
  st.log->warn("supervisor '{}': child '{}' did not stop within its "
               "shutdown timeout, killing it",
               st.flags.name, rec.id);
  self->send<caf::message_priority::high>(
    rec.current, caf::exit_msg{self->address(), caf::exit_reason::kill});
}

void shutdown_and_quit(supervisor_impl* self, caf::error reason,
                       bool escalation) {
  auto& st = self->state;
  st.shutting_down = true;
  // Abandon a start job; restart timers are ignored from now on.
  st.start_cursor = st.children.size();
  st.awaiting = npos;
  auto then = [self, reason, escalation] {
    auto& st = self->state;
    // Answer everything that waited, so no request goes unanswered.
    if (!st.started)
      notify_started(self, make_error(errc::shutting_down,
                                      "supervisor '" + st.flags.name
                                        + "' stopped before it started"));
    run_deferred(self);
    if (!escalation)
      for (auto& rec : st.children)
        if (!rec.deleted)
          tell_endpoint_down(self, rec, reason);
    emit(self, kind::supervisor_shutdown, nullptr, reason);
    self->quit(reason);
  };
  auto live = live_positions(st);
  if (st.busy && st.stopping != npos) {
    // A stop is under way: keep waiting for that child, then stop the rest.
    std::vector<size_t> rest;
    for (auto pos : live)
      if (pos != st.stopping)
        rest.push_back(pos);
    set_stop_queue(st, rest);
    st.after_stop = std::move(then);
    st.stop_cause = "shutdown";
    return;
  }
  stop_children(self, std::move(live), "shutdown", std::move(then));
}

void begin_shutdown(supervisor_impl* self, caf::error reason) {
  shutdown_and_quit(self, std::move(reason), false);
}

void check_auto_shutdown(supervisor_impl* self) {
  auto& st = self->state;
  if (st.flags.auto_shutdown == auto_shutdown::never || st.shutting_down)
    return;
  if (st.flags.auto_shutdown == auto_shutdown::all_significant) {
    for (auto& rec : st.children)
      if (!rec.deleted && rec.spec->significant
          && rec.status != child_status::terminated)
        return;
  }
  st.log->info("supervisor '{}': auto_shutdown ({}) after significant "
               "children ended",
               st.flags.name, to_string(st.flags.auto_shutdown));
  begin_shutdown(self, caf::exit_reason::user_shutdown);
}

} // namespace remedy::detail
