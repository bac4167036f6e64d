// Restarting children: a child's exit against its restart type, the
// strategy's restart set with its backoff delay, the restart intensity and
// escalation when it is exceeded.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/type_ids.hpp"

#include "supervisor_state.hpp"

namespace remedy::detail {

/// Restarts the child at `failed` (which is not running) and the others its
/// strategy names: stops the running ones in reverse order, waits for the
/// backoff delay, starts them all in order. A `retry` (after a failed start)
/// always starts through a message to self, even without a delay, so the
/// supervisor answers requests and stop signals between tries and a long
/// run of failures never nests in one handler.
void schedule_restart(supervisor_impl* self, size_t failed, bool retry) {
  auto& st = self->state;
  auto group = st.next_group++;
  auto set = restart_set(st.flags.strategy, failed, st.children.size());
  std::vector<size_t> to_stop;
  for (auto pos : set) {
    auto& rec = st.children[pos];
    if (rec.deleted)
      continue;
    if (pos == failed) {
      rec.status = child_status::restarting;
      rec.group = group;
      rec.cause = rec.id;
      continue;
    }
    if (rec.status == child_status::terminated)
      continue; // stopped on purpose; stays stopped
    if (rec.status == child_status::restarting) {
      rec.group = group; // joins this restart
      rec.cause = st.children[failed].id;
      continue;
    }
    to_stop.push_back(pos);
  }
  auto& rec = st.children[failed];
  auto t = now(self);
  if (t - rec.started_at >= st.flags.backoff.reset_after())
    rec.attempt = 0;
  std::uniform_real_distribution<double> uniform{0.0, 1.0};
  auto delay = st.flags.backoff.delay(rec.attempt, uniform(st.rng));
  ++rec.attempt;
  auto after = [self, group, set, delay, failed, retry] {
    auto& st = self->state;
    if (st.shutting_down)
      return;
    // Children stopped for this restart: temporary ones are gone for good,
    // the others join the group.
    for (auto pos : set) {
      auto& other = st.children[pos];
      if (other.deleted || pos == failed || other.current
          || other.status != child_status::running)
        continue;
      if (other.spec->restart == restart_type::temporary) {
        remove_child(self, other, caf::exit_reason::user_shutdown);
      } else {
        other.status = child_status::restarting;
        other.group = group;
        other.cause = st.children[failed].id;
      }
    }
    auto& rec = st.children[failed];
    emit(self, kind::child_restarting, &rec, caf::none, delay, rec.id);
    if (delay.count() == 0 && !retry)
      start_group(self, group, false);
    else
      // Through the clock even at zero delay: CAF 0.17 would handle a plain
      // self-send within the same run, before the worker drains its queue.
      self->delayed_send(self, delay, restart_timer_atom::value, group);
  };
  if (to_stop.empty()) {
    after();
    return;
  }
  stop_children(self, std::move(to_stop), rec.id, std::move(after));
}

void handle_exit(supervisor_impl* self, size_t pos, caf::error reason) {
  auto& st = self->state;
  auto& rec = st.children[pos];
  emit(self, kind::child_exited, &rec, reason);
  forget_incarnation(st, rec);
  if (!should_restart(rec.spec->restart, reason)) {
    auto significant = rec.spec->significant;
    if (rec.spec->restart == restart_type::temporary) {
      remove_child(self, rec, reason);
    } else {
      rec.status = child_status::terminated;
      tell_endpoint_down(self, rec, reason);
    }
    if (significant)
      check_auto_shutdown(self);
    return;
  }
  if (!st.intensity.record(now(self))) {
    escalate(self, reason);
    return;
  }
  schedule_restart(self, pos);
}

void escalate(supervisor_impl* self, const caf::error& last_reason) {
  auto& st = self->state;
  auto reason = make_error(
    errc::max_restart_intensity,
    "supervisor '" + st.flags.name + "': more than "
      + std::to_string(st.flags.intensity) + " restarts in "
      + std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(st.flags.period)
          .count())
      + "ms; last exit: " + render(last_reason));
  emit(self, kind::escalated, nullptr, reason);
  shutdown_and_quit(self, std::move(reason), true);
}

} // namespace remedy::detail
