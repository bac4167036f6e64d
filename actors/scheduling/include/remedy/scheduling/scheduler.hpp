#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/core/client.hpp"
#include "remedy/scheduling/atoms.hpp"
#include "remedy/scheduling/scheduler_settings.hpp"
#include "remedy/scheduling/scheduler_stats.hpp"
#include "remedy/scheduling/task.hpp"

namespace remedy {

/// Spawns a fault-aware scheduler: an actor that takes tasks from clients
/// and places each on a healthy worker. Invalid settings return an error
/// naming the scheduler and the field.
///
/// A task is any request (the scheduler's default terms) or a `task`
/// (explicit priority, deadline, attempts, idempotence). Each gets exactly
/// one answer: the reply of the worker that ran it, or one error:
/// `errc::task_rejected` (queue full, shed for a higher priority, the
/// scheduler stopping; the context says which), `errc::task_expired` (its
/// deadline passed before an answer), `errc::task_failed` (its last attempt
/// failed; the context carries the last error).
///
/// Placement: filter (never a worker that is ejected, isolated, at its
/// limit, or faulty or quarantined by the health view), then the policy
/// (`placement_policy`). A worker that dies, times out or is ejected while
/// holding a task gives it back: the task runs again elsewhere within its
/// attempts and deadline (at-least-once); a reply that comes after its
/// attempt was given up is dropped, so the client never gets two answers.
/// Idempotent tasks may be hedged (`hedge_budget`). Ejections and returns
/// are `scheduler_event`s on the bus and log lines on "remedy.scheduler".
caf::expected<caf::actor> spawn_scheduler(caf::actor_system& sys,
                                          scheduler_settings settings);

/// The control requests a scheduler answers itself. See
/// remedy/core/client.hpp for the two call forms.
///
/// | function            | reply                     | Remedy errors |
/// | ------------------- | ------------------------- | ------------- |
/// | add_worker          | (none)                    | already_present (name taken), invalid_argument (no actor, empty name) |
/// | remove_worker       | (none)                    | unknown_child (no such worker) |
/// | isolate_worker      | (none)                    | unknown_child |
/// | limit_worker        | (none)                    | unknown_child, invalid_argument (limit 0) |
/// | follow_pool         | (none)                    | invalid_argument (no actor, empty name) |
/// | scheduler_stats_of  | scheduler_stats           | |
/// | workers_of          | std::vector<worker_info>  | |
using scheduler_actor = caf::typed_actor<
  caf::reacts_to<sched_add_atom, caf::actor, std::string>,
  caf::reacts_to<sched_remove_atom, std::string>,
  caf::reacts_to<sched_isolate_atom, std::string, bool>,
  caf::reacts_to<sched_limit_atom, std::string, uint32_t>,
  caf::reacts_to<sched_follow_atom, caf::actor, std::string>,
  caf::replies_to<sched_stats_atom>::with<scheduler_stats>,
  caf::replies_to<sched_workers_atom>::with<std::vector<worker_info>>>;

/// Adds `worker` under `name` (for the health view: the worker's target
/// name, e.g. its supervision path). The scheduler monitors it; a worker
/// that exits is removed and its tasks run elsewhere.
template <class Self>
auto add_worker(Self* self, const caf::actor& scheduler, caf::actor worker,
                std::string name, caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<scheduler_actor>(scheduler), timeout,
                       sched_add_atom::value, std::move(worker),
                       std::move(name));
}

/// Removes a worker: it gets no new task; tasks it holds run elsewhere.
template <class Self>
auto remove_worker(Self* self, const caf::actor& scheduler, std::string name,
                   caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<scheduler_actor>(scheduler), timeout,
                       sched_remove_atom::value, std::move(name));
}

/// Takes a worker out of service (`on`) or puts it back: what an isolating
/// healer does. Tasks it holds finish there.
template <class Self>
auto isolate_worker(Self* self, const caf::actor& scheduler, std::string name,
                    bool on, caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<scheduler_actor>(scheduler), timeout,
                       sched_isolate_atom::value, std::move(name), on);
}

/// Sets how many tasks a worker may hold at once: what a throttling healer
/// does.
template <class Self>
auto limit_worker(Self* self, const caf::actor& scheduler, std::string name,
                  uint32_t limit, caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<scheduler_actor>(scheduler), timeout,
                       sched_limit_atom::value, std::move(name), limit);
}

/// Makes the children of the supervisor `sup` (named `name`, e.g. a
/// simple_one_for_one pool) workers, through their stable endpoints and
/// named "<name>/<child id>", and keeps following it: a child started
/// (`start_pool_child`, a scale-out) becomes a worker, a child terminated or
/// deleted stops being one; a restart changes nothing (the endpoint holds
/// the tasks while the child restarts).
template <class Self>
auto follow_pool(Self* self, const caf::actor& scheduler, caf::actor sup,
                 std::string name, caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<scheduler_actor>(scheduler), timeout,
                       sched_follow_atom::value, std::move(sup),
                       std::move(name));
}

template <class Self>
auto scheduler_stats_of(Self* self, const caf::actor& scheduler,
                        caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<scheduler_actor>(scheduler), timeout,
                       sched_stats_atom::value);
}

template <class Self>
auto workers_of(Self* self, const caf::actor& scheduler,
                caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<scheduler_actor>(scheduler), timeout,
                       sched_workers_atom::value);
}

// -- blocking forms -------------------------------------------------------------

inline caf::expected<void>
add_worker(caf::scoped_actor& self, const caf::actor& scheduler,
           caf::actor worker, std::string name,
           caf::timespan timeout = default_timeout) {
  return detail::ask<void, scheduler_actor>(self, scheduler, timeout,
                                            sched_add_atom::value,
                                            std::move(worker), std::move(name));
}

inline caf::expected<void>
remove_worker(caf::scoped_actor& self, const caf::actor& scheduler,
              std::string name, caf::timespan timeout = default_timeout) {
  return detail::ask<void, scheduler_actor>(self, scheduler, timeout,
                                            sched_remove_atom::value,
                                            std::move(name));
}

inline caf::expected<void>
isolate_worker(caf::scoped_actor& self, const caf::actor& scheduler,
               std::string name, bool on,
               caf::timespan timeout = default_timeout) {
  return detail::ask<void, scheduler_actor>(self, scheduler, timeout,
                                            sched_isolate_atom::value,
                                            std::move(name), on);
}

inline caf::expected<void>
limit_worker(caf::scoped_actor& self, const caf::actor& scheduler,
             std::string name, uint32_t limit,
             caf::timespan timeout = default_timeout) {
  return detail::ask<void, scheduler_actor>(self, scheduler, timeout,
                                            sched_limit_atom::value,
                                            std::move(name), limit);
}

inline caf::expected<void>
follow_pool(caf::scoped_actor& self, const caf::actor& scheduler,
            caf::actor sup, std::string name,
            caf::timespan timeout = default_timeout) {
  return detail::ask<void, scheduler_actor>(self, scheduler, timeout,
                                            sched_follow_atom::value,
                                            std::move(sup), std::move(name));
}

inline caf::expected<scheduler_stats>
scheduler_stats_of(caf::scoped_actor& self, const caf::actor& scheduler,
                   caf::timespan timeout = default_timeout) {
  return detail::ask<scheduler_stats, scheduler_actor>(
    self, scheduler, timeout, sched_stats_atom::value);
}

inline caf::expected<std::vector<worker_info>>
workers_of(caf::scoped_actor& self, const caf::actor& scheduler,
           caf::timespan timeout = default_timeout) {
  return detail::ask<std::vector<worker_info>, scheduler_actor>(
    self, scheduler, timeout, sched_workers_atom::value);
}

} // namespace remedy
