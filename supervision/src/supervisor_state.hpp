#pragma once

// Private to the supervisor's implementation (supervision/src/supervisor*.cpp):
// the actor's state, its child table, and the functions its parts share.
//
// - supervisor_children.cpp: the child table (records, lookups, removal)
// - supervisor_events.cpp:   supervision events (log and event bus)
// - supervisor_start.cpp:    starting children (start jobs, dynamic starts)
// - supervisor_stop.cpp:     stopping children (stop jobs) and shutdown
// - supervisor_restart.cpp:  exits, restart strategy, intensity, escalation
// - supervisor.cpp:          spawn entry point, behavior, job dispatch

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/detail/topic_registry.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/restart_intensity.hpp"
#include "remedy/supervision/supervision_event.hpp"
#include "remedy/supervision/supervisor_flags.hpp"

namespace remedy::detail {

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
  /// Sent its stop signal; the stop job waits for its exit.
  bool stop_sent = false;
  /// When it gets killed if it has not exited (a shutdown timeout).
  std::optional<time_point> kill_at;
  /// The last incarnation, once it has exited (a pool child waiting to
  /// restart can still be named by it, as in OTP).
  caf::actor_addr last;
};

struct supervisor_state;

/// The supervisor actor's own type (not remedy::supervisor_actor, the typed
/// handle of its protocol).
using supervisor_impl = caf::stateful_actor<supervisor_state>;

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
  /// Stop job: positions left to stop, in stop order.
  std::deque<size_t> stop_queue;
  /// Children signalled and not yet gone (child_record::stop_sent).
  size_t stops_in_flight = 0;
  /// Whether the stop job signals every child at once (a pool's shutdown,
  /// as OTP stops simple_one_for_one children) or one at a time.
  bool stop_all_at_once = false;
  /// The earliest stop timer in flight. One timer serves a whole stop job
  /// (it is re-armed for the next child_record::kill_at): one per child
  /// would wake CAF's timer thread N times and bring N stale messages back.
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

inline time_point now(supervisor_impl* self) {
  return self->clock().now();
}

// -- the child table (supervisor_children.cpp) -------------------------------

child_record* find(supervisor_state& st, const std::string& id);

size_t position(supervisor_state& st, const child_record& rec);

/// Adds a child record at the end of the start order.
child_record& append(supervisor_state& st,
                     std::shared_ptr<const child_spec> spec, std::string id,
                     caf::message extra);

child_info info_of(const child_record& rec);

void forget_incarnation(supervisor_state& st, child_record& rec);

void tell_endpoint_down(supervisor_impl* self, child_record& rec,
                        const caf::error& reason);

void remove_child(supervisor_impl* self, child_record& rec,
                  const caf::error& reason);

void compact(supervisor_state& st);

/// Leaves `rec` without a process and out of any restart: a pool child or a
/// temporary one is removed, any other keeps its spec as `terminated` (its
/// endpoint told `reason`).
void settle_stopped(supervisor_impl* self, child_record& rec,
                    const caf::error& reason);

// -- events (supervisor_events.cpp) ------------------------------------------

void emit(supervisor_impl* self, kind k, const child_record* rec,
          caf::error reason = caf::none, caf::timespan delay = {},
          std::string cause = {});

// -- starting (supervisor_start.cpp) -----------------------------------------

/// Launches one child and records the new incarnation.
caf::error launch(supervisor_impl* self, child_record& rec);

/// Answers everyone waiting for the initial start: with unit once it
/// completed, or with `err`.
void notify_started(supervisor_impl* self, const caf::error& err);

/// Continues the start job in progress.
void start_next(supervisor_impl* self);

/// Starts the start job for restart group `group`.
void start_group(supervisor_impl* self, uint64_t group, bool initial);

/// The start function of `rec` returned `ignore_start()`: no process, no
/// failure (OTP's `ignore`).
void on_start_ignored(supervisor_impl* self, child_record& rec);

/// The child at `pos` failed to start with `err` during the start job.
void on_start_failure(supervisor_impl* self, size_t pos, caf::error err);

/// Starts a new child from `spec` (dynamic start_child) and replies.
void start_new(supervisor_impl* self, caf::response_promise rp,
               std::shared_ptr<const child_spec> spec, std::string id,
               caf::message extra);

// -- stopping (supervisor_stop.cpp) ------------------------------------------

/// Stops the children at `positions` (given in start order) in reverse
/// order, one at a time (or all at once), then calls `then`.
void stop_children(supervisor_impl* self, std::vector<size_t> positions,
                   std::string cause, std::function<void()> then,
                   bool all_at_once = false);

/// Called when a child that was sent its stop signal is gone.
void on_stopped(supervisor_impl* self, child_record& rec,
                const caf::error& reason);

/// The stop timer fired: kills the children being stopped whose shutdown
/// timeout has passed.
void on_stop_timer(supervisor_impl* self);

/// Stops all children in reverse start order, then exits with `reason`.
void shutdown_and_quit(supervisor_impl* self, caf::error reason,
                       bool escalation);

void begin_shutdown(supervisor_impl* self, caf::error reason);

void check_auto_shutdown(supervisor_impl* self);

// -- restarting (supervisor_restart.cpp) -------------------------------------

/// Restarts the child at `failed` and the others its strategy names; a
/// `retry` after a failed start goes through a message to self.
void schedule_restart(supervisor_impl* self, size_t failed,
                      bool retry = false);

/// A child exited by itself: apply its restart type and the strategy.
void handle_exit(supervisor_impl* self, size_t pos, caf::error reason);

void escalate(supervisor_impl* self, const caf::error& last_reason);

// -- jobs (supervisor.cpp) ---------------------------------------------------

/// Ends the job in progress and runs the work deferred meanwhile.
void finish_job(supervisor_impl* self);

void run_deferred(supervisor_impl* self);

} // namespace remedy::detail
