// Stopping children: the stop job (reverse start order, one child at a time,
// or a pool's children all at once, each by its shutdown spec on CAF's
// high-priority path, killed after its grace period), and the supervisor's
// own shutdown.

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

/// Makes sure a stop timer fires no later than `deadline`.
void arm_stop_timer(supervisor_impl* self, time_point deadline) {
  auto& st = self->state;
  if (st.stop_timer_due && *st.stop_timer_due <= deadline)
    return;
  st.stop_timer_due = deadline;
  self->delayed_send(self, deadline - now(self), stop_timer_atom::value);
}

void send_kill(supervisor_impl* self, child_record& rec) {
  self->send<caf::message_priority::high>(
    rec.current, caf::exit_msg{self->address(), caf::exit_reason::kill});
}

/// Sends `rec` its stop signal on the high-priority path, by its spec.
void signal_stop(supervisor_impl* self, child_record& rec) {
  auto& st = self->state;
  rec.stop_sent = true;
  ++st.stops_in_flight;
  auto shutdown = rec.spec->shutdown.resolve(rec.spec->type);
  using mode = shutdown_spec::kind;
  if (shutdown.mode == mode::brutal_kill) {
    send_kill(self, rec);
    return;
  }
  self->send<caf::message_priority::high>(
    rec.current,
    caf::exit_msg{self->address(), caf::exit_reason::user_shutdown});
  if (shutdown.mode == mode::timeout) {
    rec.kill_at = now(self) + shutdown.grace;
    arm_stop_timer(self, *rec.kill_at);
  }
}

/// Signals the next child in the stop queue (or, all at once, every one),
/// or finishes the stop job once no child is left to wait for.
void stop_next(supervisor_impl* self) {
  auto& st = self->state;
  while (!st.stop_queue.empty()
         && (st.stop_all_at_once || st.stops_in_flight == 0)) {
    auto pos = st.stop_queue.front();
    st.stop_queue.pop_front();
    auto& rec = st.children[pos];
    rec.stop_queued = false;
    if (rec.deleted || !rec.current || rec.stop_sent)
      continue; // exited by itself meanwhile, or signalled already
    signal_stop(self, rec);
  }
  if (st.stops_in_flight > 0)
    return;
  auto then = std::move(st.after_stop);
  st.after_stop = nullptr;
  st.stop_all_at_once = false;
  st.busy = false;
  if (then)
    then();
  if (!st.busy)
    finish_job(self);
}

std::vector<size_t> live_positions(supervisor_state& st) {
  std::vector<size_t> result;
  for (size_t i = 0; i < st.children.size(); ++i)
    if (!st.children[i].deleted && st.children[i].current
        && !st.children[i].stop_sent)
      result.push_back(i);
  return result;
}

} // namespace

void stop_children(supervisor_impl* self, std::vector<size_t> positions,
                   std::string cause, std::function<void()> then,
                   bool all_at_once) {
  auto& st = self->state;
  st.busy = true;
  st.stop_cause = std::move(cause);
  st.stop_all_at_once = all_at_once;
  set_stop_queue(st, positions);
  st.after_stop = std::move(then);
  stop_next(self);
}

void on_stopped(supervisor_impl* self, child_record& rec,
                const caf::error& reason) {
  auto& st = self->state;
  emit(self, kind::child_terminated, &rec, reason, {}, st.stop_cause);
  forget_incarnation(st, rec);
  rec.stop_sent = false;
  rec.kill_at.reset();
  --st.stops_in_flight;
  stop_next(self);
}

void on_stop_timer(supervisor_impl* self) {
  auto& st = self->state;
  auto t = now(self);
  if (st.stop_timer_due && *st.stop_timer_due <= t)
    st.stop_timer_due.reset();
  if (st.stops_in_flight == 0)
    return;
  // Kill every child past its deadline; wait on for the others.
  std::optional<time_point> next;
  size_t killed = 0;
  const child_record* first = nullptr;
  for (auto& rec : st.children) {
    if (!rec.stop_sent || !rec.kill_at)
      continue;
    if (*rec.kill_at <= t) {
      rec.kill_at.reset();
      send_kill(self, rec);
      if (killed++ == 0)
        first = &rec;
    } else if (!next || *rec.kill_at < *next) {
      next = rec.kill_at;
    }
  }
  if (killed > 0)
    st.log->warn("supervisor '{}': {} child(ren) did not stop within the "
                 "shutdown timeout (first: '{}'), killing them",
                 st.flags.name, killed, first->id);
  if (next)
    arm_stop_timer(self, *next);
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
  // A pool's children are independent: stop them all at once with one
  // shared deadline, as OTP does for simple_one_for_one.
  auto all_at_once = st.pool_template != nullptr;
  auto live = live_positions(st);
  if (st.busy && st.stops_in_flight > 0) {
    // A stop is under way: wait for those children, stop the rest too.
    set_stop_queue(st, live);
    st.after_stop = std::move(then);
    st.stop_cause = "shutdown";
    st.stop_all_at_once = all_at_once;
    stop_next(self);
    return;
  }
  stop_children(self, std::move(live), "shutdown", std::move(then),
                all_at_once);
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
