// Starting children: the start job (a restart group in start order, a batch
// per handler run, each child supervisor's subtree before its next sibling),
// its failures, and dynamic starts (start_child).

#include <string>
#include <utility>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/type_ids.hpp"

#include "supervisor_state.hpp"

namespace remedy::detail {

namespace {

/// Reports a started child.
void on_child_up(supervisor_impl* self, child_record& rec) {
  if (!self->state.initial_start) {
    ++rec.restarts;
    emit(self, kind::child_restarted, &rec, caf::none, {}, rec.cause);
  } else {
    emit(self, kind::child_started, &rec);
  }
}

/// The child supervisor at `pos` answered `await_started` (or failed to).
void on_child_started(supervisor_impl* self, size_t pos,
                      const caf::actor_addr& addr, caf::error err) {
  auto& st = self->state;
  if (st.awaiting != pos || st.shutting_down)
    return; // handled already (down message) or abandoned
  auto& rec = st.children[pos];
  if (!rec.current || rec.current.address() != addr)
    return;
  st.awaiting = npos;
  // Only a Remedy supervisor answers `await_started`; any other actor of
  // type supervisor answers with an error that says nothing about its start.
  if (err && is(err, errc::start_failed)) {
    on_start_failure(self, pos, std::move(err));
    return;
  }
  on_child_up(self, rec);
  start_next(self);
}

} // namespace

caf::error launch(supervisor_impl* self, child_record& rec) {
  auto& st = self->state;
  auto result = rec.spec->launch(self->home_system(), rec.extra);
  if (!result)
    return std::move(result.error());
  rec.current = std::move(*result);
  rec.status = child_status::running;
  rec.group = 0;
  rec.started_at = now(self);
  self->monitor(rec.current);
  st.by_addr[rec.current.address()] = position(st, rec);
  if (rec.endpoint)
    self->send(rec.endpoint, endpoint_update_atom::value, rec.current);
  return caf::none;
}

void notify_started(supervisor_impl* self, const caf::error& err) {
  auto& st = self->state;
  if (!err)
    st.started = true;
  else
    st.start_error = err;
  for (auto& rp : st.start_waiters) {
    if (err)
      rp.deliver(err);
    else
      rp.deliver(caf::unit);
  }
  st.start_waiters.clear();
}

void on_start_ignored(supervisor_impl* self, child_record& rec) {
  forget_incarnation(self->state, rec);
  settle_stopped(self, rec, ignore_start());
}

void on_start_failure(supervisor_impl* self, size_t pos, caf::error err) {
  auto& st = self->state;
  auto& rec = st.children[pos];
  forget_incarnation(st, rec); // a child supervisor that failed its init
  rec.status = child_status::restarting;
  emit(self, kind::child_start_failed, &rec, err);
  if (st.initial_start) {
    // OTP: a supervisor whose child fails to start in init stops the
    // children started so far and fails to start itself.
    st.shutting_down = true;
    std::vector<size_t> started_ones;
    for (size_t i = 0; i < pos; ++i)
      if (!st.children[i].deleted && st.children[i].current)
        started_ones.push_back(i);
    auto reason = make_error(errc::start_failed,
                             "supervisor '" + st.flags.name + "': child '"
                               + rec.id + "' failed to start: "
                               + context_of(err));
    st.initial_start = false;
    notify_started(self, reason);
    stop_children(self, std::move(started_ones), "shutdown", [self, reason] {
      emit(self, kind::supervisor_shutdown, nullptr, reason);
      self->quit(reason);
    });
    return;
  }
  // A failed restart counts as another restart and is tried again (OTP's
  // try_again_restart), with the strategy applied to this child, through a
  // message to self: the supervisor stays responsive between tries.
  st.busy = false;
  if (!st.intensity.record(now(self))) {
    escalate(self, err);
    return;
  }
  schedule_restart(self, pos, true);
  if (!st.busy)
    finish_job(self);
}

/// Starts every child of restart group `group` in start order, a batch per
/// handler run. A child supervisor starts its whole subtree before its next
/// sibling starts, as in OTP.
void start_next(supervisor_impl* self) {
  auto& st = self->state;
  size_t started = 0;
  while (st.start_cursor < st.children.size()) {
    auto pos = st.start_cursor++;
    auto& rec = st.children[pos];
    if (rec.deleted || rec.status != child_status::restarting
        || rec.group != st.start_group)
      continue;
    if (auto err = launch(self, rec)) {
      if (is_ignore_start(err)) {
        on_start_ignored(self, rec);
        continue;
      }
      on_start_failure(self, pos, std::move(err));
      return;
    }
    if (rec.spec->type == child_type::supervisor) {
      st.awaiting = pos;
      auto addr = rec.current.address();
      self->request(rec.current, caf::infinite, await_started_atom::value)
        .then(
          [self, pos, addr] { on_child_started(self, pos, addr, caf::none); },
          [self, pos, addr](caf::error& err) {
            on_child_started(self, pos, addr, std::move(err));
          });
      return;
    }
    on_child_up(self, rec);
    if (++started == start_batch && st.start_cursor < st.children.size()) {
      // Continue through the clock, not a plain self-send: CAF 0.17 handles
      // a self-sent message in the same run (unbounded max-throughput), so
      // the spawned children would pile up in the worker's queue and the
      // idle worker's steals walk that whole queue (quadratic at 50k).
      self->delayed_send(self, caf::timespan{0}, continue_atom::value,
                         st.start_group);
      return;
    }
  }
  if (st.initial_start) {
    st.initial_start = false;
    notify_started(self, caf::none);
  }
  finish_job(self);
}

void start_group(supervisor_impl* self, uint64_t group, bool initial) {
  auto& st = self->state;
  st.busy = true;
  st.start_group = group;
  st.start_cursor = 0;
  st.initial_start = initial;
  start_next(self);
}

void start_new(supervisor_impl* self, caf::response_promise rp,
               std::shared_ptr<const child_spec> spec, std::string id,
               caf::message extra) {
  auto& st = self->state;
  auto& rec = append(st, std::move(spec), std::move(id), std::move(extra));
  if (auto err = launch(self, rec)) {
    if (is_ignore_start(err)) {
      // OTP's {ok, undefined}: a pool or temporary child is dropped.
      on_start_ignored(self, rec);
      rp.deliver(info_of(rec));
      return;
    }
    emit(self, kind::child_start_failed, &rec, err);
    auto& failed = st.children.back();
    remove_child(self, failed, err);
    rp.deliver(std::move(err));
    return;
  }
  emit(self, kind::child_started, &rec);
  rp.deliver(info_of(rec));
}

} // namespace remedy::detail
