#include "remedy/supervision/supervisor.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include "remedy/supervision/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/detail/topic_registry.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/endpoint.hpp"
#include "remedy/supervision/restart_intensity.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy {

namespace {

using time_point = caf::actor_clock::time_point;
using kind = supervision_event_kind;

/// How many children one handler run starts before yielding: spawning more
/// than ~10k actors from one handler goes quadratic under CAF 0.17's
/// work-stealing scheduler.
constexpr size_t start_batch = 256;

constexpr size_t npos = static_cast<size_t>(-1);

struct child_record {
  std::shared_ptr<const child_spec> spec;
  std::string id;
  caf::message extra;
  caf::actor current;
  caf::actor endpoint;
  child_status status = child_status::restarting;
  bool deleted = false;
  /// Consecutive restarts, for the backoff schedule.
  uint32_t attempt = 0;
  time_point started_at{};
  uint64_t restarts = 0;
  /// Restart group while `status == restarting`.
  uint64_t group = 0;
  /// The child whose exit put this one in its restart group.
  std::string cause;
  /// Waiting in the stop job's queue.
  bool stop_queued = false;
};

struct supervisor_state;

using supervisor_actor = caf::stateful_actor<supervisor_state>;

struct supervisor_state {
  supervisor_flags flags;
  restart_intensity intensity;
  /// The template of a simple_one_for_one pool.
  std::shared_ptr<const child_spec> pool_template;
  /// Children in start order; deleted ones stay as tombstones until compacted.
  std::vector<child_record> children;
  size_t tombstones = 0;
  std::unordered_map<std::string, size_t> by_id;
  std::unordered_map<caf::actor_addr, size_t> by_addr;
  std::mt19937_64 rng;
  uint64_t next_group = 1;
  uint64_t pool_counter = 0;
  std::shared_ptr<spdlog::logger> log;
  /// The event bus's subscriptions (null without a remedy::config).
  const detail::topic_registry* topics = nullptr;
  bool shutting_down = false;

  // -- the one job in progress (stopping or starting children) -------------
  bool busy = false;
  /// Stop job: positions left to stop, in stop order, and the one awaited.
  std::deque<size_t> stop_queue;
  size_t stopping = npos;
  /// When the child being stopped gets killed (if it has a grace period),
  /// and the earliest stop timer in flight. One timer serves a whole stop
  /// job: one per child would wake CAF's timer thread N times and bring N
  /// stale messages back.
  std::optional<time_point> stop_deadline;
  std::optional<time_point> stop_timer_due;
  std::function<void()> after_stop;
  /// Why the stop job runs (see supervision_event::cause).
  std::string stop_cause;
  /// Start job: the group being started and where we are.
  uint64_t start_group = 0;
  size_t start_cursor = 0;
  bool initial_start = false;
  /// The child supervisor whose own start the start job waits for.
  size_t awaiting = npos;
  /// Whether the initial start completed, and who waits for it.
  bool started = false;
  caf::error start_error;
  std::vector<caf::response_promise> start_waiters;
  /// Work that arrived while busy (exits, API calls), in arrival order.
  std::deque<std::function<void()>> deferred;

  static inline const char* name = "remedy.supervisor";

  ~supervisor_state() {
    // Reached with live children only if the supervisor was killed or
    // crashed: take them down with it, as OTP's links would.
    for (auto& rec : children)
      if (rec.current)
        caf::anon_send_exit(rec.current, caf::exit_reason::kill);
  }
};

// -- helpers ---------------------------------------------------------------

time_point now(supervisor_actor* self) {
  return self->clock().now();
}

child_record* find(supervisor_state& st, const std::string& id) {
  auto i = st.by_id.find(id);
  return i != st.by_id.end() ? &st.children[i->second] : nullptr;
}

size_t position(supervisor_state& st, const child_record& rec) {
  return static_cast<size_t>(&rec - st.children.data());
}

/// The log level of a supervisor report: progress at debug, exits at warn
/// (info when normal), failed starts and escalations at error.
spdlog::level::level_enum event_level(kind k, const caf::error& reason) {
  auto level = spdlog::level::info;
  switch (k) {
    case kind::child_started:
    case kind::child_restarting:
    case kind::child_restarted:
    case kind::child_terminated:
      // Progress reports: one per child, so 50k of them on a mass restart.
      level = spdlog::level::debug;
      break;
    case kind::child_exited:
      level = is_normal_exit(reason) ? spdlog::level::info
                                        : spdlog::level::warn;
      break;
    case kind::child_start_failed:
    case kind::escalated:
      level = spdlog::level::err;
      break;
    default:
      break;
  }
  return level;
}

void emit(supervisor_actor* self, kind k, const child_record* rec,
          caf::error reason = caf::none, caf::timespan delay = {},
          std::string cause = {}) {
  auto& st = self->state;
  auto level = event_level(k, reason);
  auto to_log = st.log->should_log(level);
  auto to_bus = st.topics == nullptr || !st.topics->empty();
  if (!to_log && !to_bus)
    return; // nobody listens: build nothing
  supervision_event ev;
  ev.kind = k;
  ev.supervisor = st.flags.name;
  if (rec != nullptr) {
    ev.child = rec->id;
    ev.actor = rec->current ? rec->current.id() : 0;
    ev.restarts = rec->restarts;
  }
  ev.reason = std::move(reason);
  ev.delay = delay;
  ev.cause = std::move(cause);
  ev.at = now(self).time_since_epoch();
  if (k == kind::escalated)
    ev.restarts = st.intensity.count(now(self));
  if (to_log)
    st.log->log(level, "{}", to_string(ev));
  if (to_bus) {
    auto t = topic(ev);
    publish(self, t, caf::make_message(std::move(ev)));
  }
}

child_info info_of(const child_record& rec) {
  child_info result;
  result.id = rec.id;
  result.current = rec.current;
  result.endpoint = rec.endpoint;
  result.type = rec.spec->type;
  result.restart = rec.spec->restart;
  result.status = rec.status;
  result.restarts = rec.restarts;
  return result;
}

void forget_incarnation(supervisor_state& st, child_record& rec) {
  if (rec.current) {
    st.by_addr.erase(rec.current.address());
    rec.current = nullptr;
  }
}

void tell_endpoint_down(supervisor_actor* self, child_record& rec,
                        const caf::error& reason) {
  if (rec.endpoint)
    self->send(rec.endpoint, endpoint_down_atom::value, reason);
}

void remove_child(supervisor_actor* self, child_record& rec,
                  const caf::error& reason) {
  auto& st = self->state;
  forget_incarnation(st, rec);
  tell_endpoint_down(self, rec, reason);
  st.by_id.erase(rec.id);
  rec.deleted = true;
  rec.endpoint = nullptr;
  rec.extra = caf::message{};
  ++st.tombstones;
}

void compact(supervisor_state& st) {
  if (st.busy || st.tombstones < 64 || st.tombstones * 2 < st.children.size())
    return;
  std::vector<child_record> live;
  live.reserve(st.children.size() - st.tombstones);
  for (auto& rec : st.children)
    if (!rec.deleted)
      live.push_back(std::move(rec));
  st.children = std::move(live);
  st.tombstones = 0;
  st.by_id.clear();
  st.by_addr.clear();
  for (size_t i = 0; i < st.children.size(); ++i) {
    st.by_id.emplace(st.children[i].id, i);
    if (st.children[i].current)
      st.by_addr.emplace(st.children[i].current.address(), i);
  }
}

/// Launches one child and records the new incarnation.
caf::error launch(supervisor_actor* self, child_record& rec) {
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

// -- jobs ------------------------------------------------------------------

void run_deferred(supervisor_actor* self);
void handle_exit(supervisor_actor* self, size_t pos, caf::error reason);
void schedule_restart(supervisor_actor* self, size_t failed);
void begin_shutdown(supervisor_actor* self, caf::error reason);
void escalate(supervisor_actor* self, const caf::error& last_reason);

void finish_job(supervisor_actor* self) {
  auto& st = self->state;
  st.busy = false;
  compact(st);
  run_deferred(self);
}

/// Queues the children at `positions` (start order) to stop in reverse.
void set_stop_queue(supervisor_state& st, const std::vector<size_t>& positions) {
  for (auto pos : st.stop_queue)
    st.children[pos].stop_queued = false;
  st.stop_queue.assign(positions.rbegin(), positions.rend());
  for (auto pos : positions)
    st.children[pos].stop_queued = true;
}

/// Makes sure a stop timer fires no later than the current stop deadline.
void arm_stop_timer(supervisor_actor* self) {
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
void stop_next(supervisor_actor* self) {
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

/// Stops the children at `positions` (given in start order) in reverse
/// order, one at a time, then calls `then`.
void stop_children(supervisor_actor* self, std::vector<size_t> positions,
                   std::string cause, std::function<void()> then) {
  auto& st = self->state;
  st.busy = true;
  st.stop_cause = std::move(cause);
  set_stop_queue(st, positions);
  st.after_stop = std::move(then);
  stop_next(self);
}

/// Called when the child being stopped is gone.
void on_stopped(supervisor_actor* self, child_record& rec,
                const caf::error& reason) {
  auto& st = self->state;
  emit(self, kind::child_terminated, &rec, reason, {}, st.stop_cause);
  forget_incarnation(st, rec);
  st.stopping = npos;
  st.stop_deadline.reset();
  stop_next(self);
}

/// Answers everyone waiting for the initial start: with unit once it
/// completed, or with `err`.
void notify_started(supervisor_actor* self, const caf::error& err) {
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

void start_next(supervisor_actor* self);

/// The child at `pos` failed to start with `err` during the start job.
void on_start_failure(supervisor_actor* self, size_t pos, caf::error err) {
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
  // try_again_restart), with the strategy applied to this child.
  st.busy = false;
  if (!st.intensity.record(now(self))) {
    escalate(self, err);
    return;
  }
  schedule_restart(self, pos);
  if (!st.busy)
    finish_job(self);
}

/// Reports a started child.
void on_child_up(supervisor_actor* self, child_record& rec) {
  if (!self->state.initial_start) {
    ++rec.restarts;
    emit(self, kind::child_restarted, &rec, caf::none, {}, rec.cause);
  } else {
    emit(self, kind::child_started, &rec);
  }
}

/// The child supervisor at `pos` answered `await_started` (or failed to).
void on_child_started(supervisor_actor* self, size_t pos,
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

/// Starts every child of restart group `group` in start order, a batch per
/// handler run. A child supervisor starts its whole subtree before its next
/// sibling starts, as in OTP.
void start_next(supervisor_actor* self) {
  auto& st = self->state;
  size_t started = 0;
  while (st.start_cursor < st.children.size()) {
    auto pos = st.start_cursor++;
    auto& rec = st.children[pos];
    if (rec.deleted || rec.status != child_status::restarting
        || rec.group != st.start_group)
      continue;
    if (auto err = launch(self, rec)) {
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

void start_group(supervisor_actor* self, uint64_t group, bool initial) {
  auto& st = self->state;
  st.busy = true;
  st.start_group = group;
  st.start_cursor = 0;
  st.initial_start = initial;
  start_next(self);
}

// -- strategy --------------------------------------------------------------

/// Restarts the child at `failed` (which is not running) and the others its
/// strategy names: stops the running ones in reverse order, waits for the
/// backoff delay, starts them all in order.
void schedule_restart(supervisor_actor* self, size_t failed) {
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
  auto after = [self, group, set, delay, failed] {
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
    if (delay.count() == 0)
      start_group(self, group, false);
    else
      self->delayed_send(self, delay, restart_timer_atom::value, group);
  };
  if (to_stop.empty()) {
    after();
    return;
  }
  stop_children(self, std::move(to_stop), rec.id, std::move(after));
}

void check_auto_shutdown(supervisor_actor* self) {
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

/// A child exited by itself: apply its restart type and the strategy.
void handle_exit(supervisor_actor* self, size_t pos, caf::error reason) {
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

std::vector<size_t> live_positions(supervisor_state& st) {
  std::vector<size_t> result;
  for (size_t i = 0; i < st.children.size(); ++i)
    if (!st.children[i].deleted && st.children[i].current)
      result.push_back(i);
  return result;
}

/// Stops all children in reverse start order, then exits with `reason`.
void shutdown_and_quit(supervisor_actor* self, caf::error reason,
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

void begin_shutdown(supervisor_actor* self, caf::error reason) {
  shutdown_and_quit(self, std::move(reason), false);
}

void escalate(supervisor_actor* self, const caf::error& last_reason) {
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

void run_deferred(supervisor_actor* self) {
  auto& st = self->state;
  while (!st.busy && !st.deferred.empty()) {
    auto f = std::move(st.deferred.front());
    st.deferred.pop_front();
    f();
  }
}

/// Runs `f` now, or after the job in progress.
void when_idle(supervisor_actor* self, std::function<void()> f) {
  auto& st = self->state;
  if (st.busy)
    st.deferred.push_back(std::move(f));
  else
    f();
}

// -- message handlers ------------------------------------------------------

void on_down(supervisor_actor* self, caf::down_msg& msg) {
  auto& st = self->state;
  auto i = st.by_addr.find(msg.source);
  if (i == st.by_addr.end())
    return; // an incarnation we already forgot
  auto pos = i->second;
  auto& rec = st.children[pos];
  if (pos == st.stopping) {
    on_stopped(self, rec, msg.reason);
    return;
  }
  if (pos == st.awaiting && !st.shutting_down) {
    // A child supervisor died before reporting its start.
    st.awaiting = npos;
    on_start_failure(self, pos,
                     make_error(errc::start_failed,
                                "child '" + rec.id
                                  + "' exited during its start: "
                                  + render(msg.reason)));
    return;
  }
  if (st.shutting_down) {
    // Exited by itself while the supervisor stops: report, do not restart.
    emit(self, kind::child_exited, &rec, msg.reason);
    forget_incarnation(st, rec);
    return;
  }
  if (!st.busy) {
    handle_exit(self, pos, std::move(msg.reason));
    return;
  }
  // Busy: a child that was queued to be stopped is simply gone; any other
  // exit is handled after the job, unless the job replaced the incarnation.
  bool queued = rec.stop_queued;
  auto addr = msg.source;
  if (queued) {
    // Exited by itself just before its turn to be stopped.
    emit(self, kind::child_exited, &rec, msg.reason);
    forget_incarnation(st, rec);
    return;
  }
  // Look the child up again when running: positions move on compaction.
  st.deferred.push_back([self, addr, reason = std::move(msg.reason)] {
    auto& st = self->state;
    auto i = st.by_addr.find(addr);
    if (st.shutting_down || i == st.by_addr.end())
      return;
    handle_exit(self, i->second, reason);
  });
}

caf::error reject_if_shutting_down(supervisor_state& st) {
  if (st.shutting_down)
    return make_error(errc::shutting_down,
                      "supervisor '" + st.flags.name + "' is shutting down");
  return caf::none;
}

caf::error unknown(supervisor_state& st, const std::string& id) {
  return make_error(errc::unknown_child, "supervisor '" + st.flags.name
                                           + "': no child '" + id + "'");
}

caf::error in_state(supervisor_state& st, errc code, const std::string& id) {
  return make_error(code, "supervisor '" + st.flags.name + "': child '" + id
                            + "' is " + to_string(code));
}

/// Finds the stopped (terminated) child `id` for `op` (restart_child or
/// delete_child), or answers `rp` with the reason it cannot and returns null.
child_record* stopped_child(supervisor_actor* self, caf::response_promise& rp,
                            const std::string& id, const char* op) {
  auto& st = self->state;
  caf::error err;
  child_record* rec = nullptr;
  if ((err = reject_if_shutting_down(st))) {
    // answered below
  } else if (st.pool_template) {
    err = make_error(errc::not_supported, "supervisor '" + st.flags.name
                                            + "': " + op
                                            + " is not supported by "
                                              "simple_one_for_one");
  } else if ((rec = find(st, id)) == nullptr) {
    err = unknown(st, id);
  } else if (rec->status == child_status::running) {
    err = in_state(st, errc::running, id);
  } else if (rec->status == child_status::restarting) {
    err = in_state(st, errc::restarting, id);
  }
  if (err) {
    rp.deliver(std::move(err));
    return nullptr;
  }
  return rec;
}

child_record& append(supervisor_state& st,
                     std::shared_ptr<const child_spec> spec, std::string id,
                     caf::message extra) {
  child_record rec;
  rec.spec = std::move(spec);
  rec.id = std::move(id);
  rec.extra = std::move(extra);
  if (!st.pool_template) // pool children get endpoints on demand only
    rec.endpoint = rec.spec->endpoint;
  st.by_id.emplace(rec.id, st.children.size());
  st.children.push_back(std::move(rec));
  return st.children.back();
}

/// Starts a new child from `spec` (dynamic start_child) and replies.
void start_new(supervisor_actor* self, caf::response_promise rp,
               std::shared_ptr<const child_spec> spec, std::string id,
               caf::message extra) {
  auto& st = self->state;
  auto& rec = append(st, std::move(spec), std::move(id), std::move(extra));
  if (auto err = launch(self, rec)) {
    emit(self, kind::child_start_failed, &rec, err);
    auto& failed = st.children.back();
    remove_child(self, failed, err);
    rp.deliver(std::move(err));
    return;
  }
  emit(self, kind::child_started, &rec);
  rp.deliver(info_of(rec));
}

caf::actor endpoint_for(supervisor_actor* self, child_record& rec) {
  if (!rec.endpoint) {
    rec.endpoint = spawn_endpoint(self->home_system(), rec.id,
                                  rec.spec->stash);
    self->send(rec.endpoint, endpoint_owner_atom::value,
               caf::actor_cast<caf::actor>(self));
    if (rec.current)
      self->send(rec.endpoint, endpoint_update_atom::value, rec.current);
    else if (rec.status == child_status::terminated)
      self->send(rec.endpoint, endpoint_down_atom::value,
                 caf::error{caf::exit_reason::user_shutdown});
  }
  return rec.endpoint;
}

caf::behavior supervisor_fun(supervisor_actor* self, supervisor_flags flags,
                             std::vector<child_spec> specs) {
  auto& st = self->state;
  st.flags = std::move(flags);
  st.intensity = restart_intensity{st.flags.intensity, st.flags.period};
  st.log = logger("remedy.supervisor");
  st.topics = detail::topics_of(self->home_system());
  st.rng.seed(st.flags.seed != 0 ? st.flags.seed : std::random_device{}());
  if (st.flags.strategy == strategy::simple_one_for_one) {
    st.pool_template = std::make_shared<const child_spec>(std::move(specs[0]));
    st.started = true;
  } else {
    st.children.reserve(specs.size());
    auto group = st.next_group++;
    for (auto& spec : specs) {
      auto id = spec.id;
      auto& rec = append(st, std::make_shared<const child_spec>(std::move(spec)),
                         std::move(id), caf::message{});
      rec.status = child_status::restarting;
      rec.group = group;
    }
    start_group(self, group, true);
  }
  self->set_down_handler(
    [self](caf::scheduled_actor*, caf::down_msg& msg) { on_down(self, msg); });
  self->set_exit_handler([self](caf::scheduled_actor*, caf::exit_msg& msg) {
    // No links to children: every exit message is a stop request.
    if (msg.reason == caf::exit_reason::normal || self->state.shutting_down)
      return;
    begin_shutdown(self, std::move(msg.reason));
  });
  self->set_default_handler(
    [](caf::scheduled_actor* ptr,
       caf::message_view& x) -> caf::result<caf::message> {
      auto self = static_cast<supervisor_actor*>(ptr);
      auto msg = x.copy_content_to_message();
      auto text = caf::to_string(msg);
      self->state.log->warn("supervisor '{}': unexpected message {}",
                            self->state.flags.name, text);
      return make_error(errc::unexpected_message,
                        "supervisor '" + self->state.flags.name
                          + "' does not understand " + text);
    });
  return {
    [self](continue_atom, uint64_t group) {
      auto& st = self->state;
      if (st.busy && st.start_group == group && !st.shutting_down)
        start_next(self);
    },
    [self](restart_timer_atom, uint64_t group) {
      when_idle(self, [self, group] {
        auto& st = self->state;
        if (!st.shutting_down)
          start_group(self, group, false);
      });
    },
    [self](stop_timer_atom) {
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
    },
    [self](start_child_atom, child_spec& spec) -> caf::result<child_info> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, spec = std::move(spec)]() mutable {
        auto& st = self->state;
        if (auto err = reject_if_shutting_down(st))
          return rp.deliver(err);
        if (st.flags.strategy == strategy::simple_one_for_one)
          return rp.deliver(make_error(
            errc::not_supported, "supervisor '" + st.flags.name
                                   + "' is a simple_one_for_one pool: "
                                     "start_child takes the arguments"));
        if (auto err = spec.validate())
          return rp.deliver(err);
        if (spec.significant && st.flags.auto_shutdown == auto_shutdown::never)
          return rp.deliver(make_error(
            errc::invalid_argument,
            "child spec '" + spec.id
              + "': significant needs auto_shutdown other than never"));
        if (auto rec = find(st, spec.id))
          return rp.deliver(in_state(st,
                                     rec->status == child_status::terminated
                                       ? errc::already_present
                                       : errc::already_started,
                                     spec.id));
        auto id = spec.id;
        start_new(self, rp,
                  std::make_shared<const child_spec>(std::move(spec)),
                  std::move(id), caf::message{});
      });
      return rp;
    },
    [self](start_child_atom, caf::message& args) -> caf::result<child_info> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, args = std::move(args)]() mutable {
        auto& st = self->state;
        if (auto err = reject_if_shutting_down(st))
          return rp.deliver(err);
        if (!st.pool_template)
          return rp.deliver(make_error(
            errc::not_supported,
            "supervisor '" + st.flags.name
              + "' is not a simple_one_for_one pool: start_child takes a "
                "child_spec"));
        auto id = st.pool_template->id + "#"
                  + std::to_string(++st.pool_counter);
        start_new(self, rp, st.pool_template, std::move(id), std::move(args));
      });
      return rp;
    },
    [self](terminate_child_atom, std::string& id) -> caf::result<void> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, id = std::move(id)]() mutable {
        auto& st = self->state;
        if (auto err = reject_if_shutting_down(st))
          return rp.deliver(err);
        auto rec = find(st, id);
        if (rec == nullptr)
          return rp.deliver(unknown(st, id));
        auto pos = position(st, *rec);
        auto done = [self, rp, pos]() mutable {
          auto& st = self->state;
          auto& rec = st.children[pos];
          caf::error reason = caf::exit_reason::user_shutdown;
          if (st.pool_template
              || rec.spec->restart == restart_type::temporary) {
            remove_child(self, rec, reason);
          } else {
            rec.status = child_status::terminated;
            rec.group = 0;
            tell_endpoint_down(self, rec, reason);
          }
          rp.deliver(caf::unit);
        };
        if (rec->current)
          stop_children(self, {pos}, "api", std::move(done));
        else
          done();
      });
      return rp;
    },
    [self](restart_child_atom, std::string& id) -> caf::result<child_info> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, id = std::move(id)]() mutable {
        auto rec = stopped_child(self, rp, id, "restart_child");
        if (rec == nullptr)
          return;
        if (auto err = launch(self, *rec)) {
          rec->status = child_status::terminated;
          emit(self, kind::child_start_failed, rec, err);
          return rp.deliver(err);
        }
        emit(self, kind::child_started, rec);
        rp.deliver(info_of(*rec));
      });
      return rp;
    },
    [self](delete_child_atom, std::string& id) -> caf::result<void> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, id = std::move(id)]() mutable {
        auto rec = stopped_child(self, rp, id, "delete_child");
        if (rec == nullptr)
          return;
        remove_child(self, *rec, make_error(errc::target_down, "deleted"));
        compact(self->state);
        rp.deliver(caf::unit);
      });
      return rp;
    },
    [self](await_started_atom) -> caf::result<void> {
      auto& st = self->state;
      if (st.started)
        return caf::unit;
      if (st.start_error)
        return st.start_error;
      if (st.shutting_down)
        return make_error(errc::shutting_down,
                          "supervisor '" + st.flags.name + "' is stopping");
      auto rp = self->make_response_promise();
      st.start_waiters.push_back(rp);
      return rp;
    },
    [self](which_children_atom) {
      std::vector<child_info> result;
      for (auto& rec : self->state.children)
        if (!rec.deleted)
          result.push_back(info_of(rec));
      return result;
    },
    [self](count_children_atom) {
      child_counts result;
      for (auto& rec : self->state.children) {
        if (rec.deleted)
          continue;
        ++result.specs;
        if (rec.current)
          ++result.active;
        if (rec.spec->type == child_type::supervisor)
          ++result.supervisors;
        else
          ++result.workers;
      }
      return result;
    },
    [self](get_endpoint_atom, const std::string& id) -> caf::result<caf::actor> {
      auto& st = self->state;
      auto rec = find(st, id);
      if (rec == nullptr)
        return unknown(st, id);
      return endpoint_for(self, *rec);
    },
  };
}

} // namespace

caf::error validate(const supervisor_flags& flags,
                    const std::vector<child_spec>& children) {
  if (auto err = flags.validate())
    return err;
  auto where = "supervisor '" + flags.name + "': ";
  if (flags.strategy == strategy::simple_one_for_one && children.size() != 1)
    return make_error(errc::invalid_argument,
                      where
                        + "simple_one_for_one needs exactly one child spec "
                          "(the template), got "
                        + std::to_string(children.size()));
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < children.size(); ++i) {
    auto& spec = children[i];
    if (auto err = spec.validate())
      return make_error(errc::invalid_argument,
                        where + "child #" + std::to_string(i + 1) + ": "
                          + context_of(err));
    auto [it, added] = seen.emplace(spec.id, i);
    if (!added)
      return make_error(errc::invalid_argument,
                        where + "duplicate child id '" + spec.id
                          + "' (children #" + std::to_string(it->second + 1)
                          + " and #" + std::to_string(i + 1) + ")");
    if (spec.significant && flags.auto_shutdown == auto_shutdown::never)
      return make_error(errc::invalid_argument,
                        where + "child '" + spec.id
                          + "' is significant, which needs auto_shutdown "
                            "any_significant or all_significant");
  }
  return caf::none;
}

caf::expected<caf::actor> spawn_supervisor(caf::actor_system& sys,
                                           supervisor_flags flags,
                                           std::vector<child_spec> children) {
  if (auto err = validate(flags, children))
    return err;
  return sys.spawn(supervisor_fun, std::move(flags), std::move(children));
}

} // namespace remedy
