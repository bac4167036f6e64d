#include "remedy/scheduling/scheduler.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_message.hpp>
#include <caf/message_view.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/type_erased_tuple.hpp>

#include <spdlog/spdlog.h>

#include "remedy/classification/health_view.hpp"
#include "remedy/core/tick.hpp"
#include "remedy/core/detail/reply_ids.hpp"
#include "remedy/core/detail/slot_map.hpp"
#include "remedy/core/detail/topic_registry.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/core/percentile.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/core/time_units.hpp"
#include "remedy/scheduling/scheduler_event.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy {

namespace {

using time_point = caf::actor_clock::time_point;
using key_type = uint64_t;

double seconds(caf::timespan x) {
  return std::chrono::duration<double>(x).count();
}

/// Whether `x` is one of the scheduler's own control or timer messages
/// (or CAF's "sys" requests): those go to the behavior, not to a worker.
bool is_control(const caf::type_erased_tuple& x) {
  if (x.empty() || !x.match_element<caf::atom_value>(0))
    return false;
  switch (static_cast<uint64_t>(x.get_as<caf::atom_value>(0))) {
    case static_cast<uint64_t>(sched_add_atom::uint_value()):
    case static_cast<uint64_t>(sched_remove_atom::uint_value()):
    case static_cast<uint64_t>(sched_isolate_atom::uint_value()):
    case static_cast<uint64_t>(sched_limit_atom::uint_value()):
    case static_cast<uint64_t>(sched_stats_atom::uint_value()):
    case static_cast<uint64_t>(sched_workers_atom::uint_value()):
    case static_cast<uint64_t>(sched_tick_atom::uint_value()):
    case static_cast<uint64_t>(sched_flush_atom::uint_value()):
    case static_cast<uint64_t>(sched_follow_atom::uint_value()):
    case static_cast<uint64_t>(caf::atom("sys")):
      return true;
    default:
      return false;
  }
}

struct worker {
  std::string name;
  caf::actor handle;
  bool live = true;
  bool isolated = false;
  /// The health view says faulty or quarantined.
  bool health_out = false;
  bool suspect = false;
  bool ejected = false;
  bool probing = false;
  time_point ejected_until;
  uint32_t ejections = 0;
  uint32_t outstanding = 0;
  uint32_t limit = 0;
  uint32_t consecutive_failures = 0;
  /// Peak EWMA of answer latency, in seconds, as of `ewma_at`.
  double ewma = 0.0;
  time_point ewma_at;
  uint64_t done = 0;
  uint64_t failed = 0;
  /// What its next samples report (with `metrics_interval`).
  struct {
    uint32_t calls = 0;
    uint32_t failures = 0;
    caf::timespan latency_sum{0};
    caf::timespan latency_max{0};
    /// The last samples reported work: the next ones are due even if
    /// there is none (one interval of zeros).
    bool busy = false;
  } interval;

  bool out_of_service() const {
    return !live || isolated || health_out || ejected;
  }
};

/// The attempts of a task at workers now: at most two (the first and a
/// hedge), kept inline so that a task costs no allocation of its own.
class attempt_keys {
public:
  const key_type* begin() const {
    return keys_.data();
  }
  const key_type* end() const {
    return keys_.data() + size_;
  }
  size_t size() const {
    return size_;
  }
  bool empty() const {
    return size_ == 0;
  }
  key_type front() const {
    return keys_[0];
  }
  void push_back(key_type k) {
    keys_[size_++] = k; // callers never exceed two (one hedge per task)
  }
  void erase(key_type k) {
    for (size_t i = 0; i < size_; ++i)
      if (keys_[i] == k) {
        keys_[i] = keys_[--size_];
        return;
      }
  }
  void clear() {
    size_ = 0;
  }

private:
  std::array<key_type, 2> keys_{};
  size_t size_ = 0;
};

/// A task inside the scheduler.
struct job {
  caf::strong_actor_ptr client;
  caf::message_id client_mid;
  caf::message payload;
  uint64_t id = 0;
  task_priority priority = task_priority::normal;
  time_point deadline;
  uint32_t max_attempts = 1;
  uint32_t attempts = 0;
  bool idempotent = false;
  bool hedged = false;
  bool queued = false;
  /// Attempts at workers now (two while hedged).
  attempt_keys running;
  caf::error last_error;
  /// The worker its last attempt failed at: a retry goes elsewhere if it
  /// can.
  int64_t avoid = -1;
};

/// One copy of a task at a worker.
struct attempt {
  key_type job = 0;
  uint32_t worker = 0;
  time_point sent;
  bool hedge = false;
  /// Its task ended (another attempt answered, or the task expired) while
  /// it was still at the worker. Kept only with `metrics_interval`, so that
  /// its answer or timeout still enters the worker's samples (as a route in
  /// front of the worker would see it); it no longer counts as the worker's
  /// outstanding work and never affects a task.
  bool orphan = false;
  /// The response id its reply carries.
  caf::message_id rid;
};

class scheduler_impl : public caf::event_based_actor {
public:
  scheduler_impl(caf::actor_config& cfg, scheduler_settings st)
    : caf::event_based_actor(cfg),
      settings_(std::move(st)),
      rng_(settings_.seed),
      log_(logger("remedy.scheduler")),
      stale_after_(settings_.latency_decay / 10) {
    latencies_.reserve(latency_window);
  }

  const char* name() const override {
    return "remedy.scheduler";
  }

  caf::behavior make_behavior() override;

  caf::invoke_message_result consume(caf::mailbox_element& x) override;

  /// The clock, read once per message (every handler runs within one).
  time_point now() const {
    return now_;
  }

  void on_exit() override {
    auto err = make_msg(errc::task_rejected,
                        "scheduler '" + settings_.name + "' stopped");
    jobs_.for_each([&](key_type, job& j) { answer(j, err); });
    jobs_.clear();
    attempts_.clear();
    caf::event_based_actor::on_exit();
  }

private:
  // -- tasks ------------------------------------------------------------------

  void on_task(caf::mailbox_element& elem);
  void enqueue_job(key_type k, job& j, bool front);
  void dispatch();
  void send_attempt(key_type k, job& j, uint32_t w, bool hedge);
  void on_reply(uint32_t index, caf::message reply);
  void give_up_attempt(key_type ak, const caf::error& why);
  void retry_or_fail(key_type k, job& j);
  void finish(key_type k, job& j, caf::message msg);
  void end_with(key_type k, job& j, errc code, std::string what);
  void abandon_attempts(job& j);
  void answer(job& j, caf::message msg);

  /// "scheduler 'name': " or "scheduler 'name': task 7: ", the start of
  /// every error about `j`.
  std::string about(const job& j) const {
    auto x = "scheduler '" + settings_.name + "': ";
    if (j.id != 0)
      x += "task " + std::to_string(j.id) + ": ";
    return x;
  }

  caf::message make_msg(errc code, std::string what) const {
    return caf::make_message(make_error(code, std::move(what)));
  }

  // -- workers ----------------------------------------------------------------

  /// An eligible worker by the policy, other than `exclude`; -1 if none.
  int64_t pick(int64_t exclude);
  double cost(const worker& w, time_point t) const;
  double ewma_now(const worker& w, time_point t) const;
  /// Whether `w`'s latency estimate is going stale: it answered before, but
  /// not for a tenth of `latency_decay`.
  bool stale(const worker& w, time_point t) const;
  void succeeded(worker& w, caf::timespan latency, time_point t);
  void failed_at(uint32_t index, const std::string& why);
  void eject(uint32_t index, const std::string& why);
  void worker_gone(uint32_t index, const std::string& why);
  worker* find_worker(const std::string& name, uint32_t* index = nullptr);
  void add(std::string name, caf::actor handle);

  caf::error unknown_worker(const std::string& name) const {
    return make_error(errc::unknown_child, "scheduler '" + settings_.name
                                             + "': no worker '" + name + "'");
  }
  void check_latency_outlier(uint32_t index, time_point t);

  // -- timers -----------------------------------------------------------------

  struct pool {
    caf::actor sup;
    std::string name;
  };

  void reconcile(const pool& p);

  void tick();
  void schedule_tick();
  void hedge(time_point t);

  caf::timespan since_epoch(time_point t) const {
    return std::chrono::duration_cast<caf::timespan>(t.time_since_epoch());
  }

  void publish_event(scheduler_event_kind kind, const worker& w,
                     std::string reason, caf::timespan duration);

  // -- samples ------------------------------------------------------------------

  /// Counts an attempt's end at `w` for its next samples.
  void observe(worker& w, caf::timespan latency, bool failed) {
    if (settings_.metrics_interval.count() == 0)
      return;
    auto& iv = w.interval;
    ++iv.calls;
    if (failed)
      ++iv.failures;
    iv.latency_sum += latency;
    iv.latency_max = std::max(iv.latency_max, latency);
  }

  /// Starts the sample timer once work went out (with `metrics_interval`).
  void schedule_flush() {
    if (flush_pending_ || settings_.metrics_interval.count() == 0)
      return;
    flush_pending_ = true;
    send_on_tick(this, settings_.metrics_interval, sched_flush_atom::value);
  }

  void flush_metrics();

  static constexpr size_t latency_window = 1024;

  scheduler_settings settings_;
  std::minstd_rand rng_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<worker> workers_;
  std::unordered_map<std::string, uint32_t> by_name_;
  detail::slot_map<job> jobs_;
  detail::slot_map<attempt> attempts_;
  std::array<std::deque<key_type>, task_priority_count> queues_;
  scheduler_stats stats_;
  detail::reply_ids reply_ids_;
  size_t rr_cursor_ = 0;
  bool tick_pending_ = false;
  /// Recent answer latencies (seconds), a ring, for the hedge delay.
  std::vector<double> latencies_;
  size_t latency_next_ = 0;
  /// Scratch space, reused.
  std::vector<uint32_t> eligible_;
  std::vector<key_type> keys_;
  std::vector<pool> pools_;
  time_point now_;
  /// EWMA of every answer's latency (seconds), the pool's typical one.
  double pool_latency_ = 0.0;
  /// A tenth of `latency_decay` (see `stale`).
  caf::timespan stale_after_;
  bool flush_pending_ = false;
  /// Scratch space for the samples, per worker: the age of its oldest
  /// attempt, and its attempts now (orphans included).
  std::vector<caf::timespan> oldest_;
  std::vector<uint32_t> in_flight_;
  const detail::topic_registry* topics_ = detail::topics_of(home_system());
};

caf::behavior scheduler_impl::make_behavior() {
  if (settings_.follow_health)
    subscribe(this, "health.");
  set_down_handler([this](caf::down_msg& msg) {
    for (uint32_t i = 0; i < workers_.size(); ++i)
      if (workers_[i].live && workers_[i].handle.address() == msg.source)
        worker_gone(i, "exited (" + render(msg.reason) + ")");
    dispatch();
  });
  set_default_handler(caf::drop);
  return {
    [this](sched_add_atom, caf::actor& handle,
           std::string& name) -> caf::result<void> {
      if (!handle || name.empty())
        return make_error(errc::invalid_argument,
                          "scheduler '" + settings_.name
                            + "': add_worker needs an actor and a name");
      if (by_name_.count(name) > 0)
        return make_error(errc::already_present,
                          "scheduler '" + settings_.name + "': worker '" + name
                            + "' exists");
      add(std::move(name), std::move(handle));
      return caf::unit;
    },
    [this](sched_remove_atom, const std::string& name) -> caf::result<void> {
      uint32_t i = 0;
      if (find_worker(name, &i) == nullptr)
        return unknown_worker(name);
      demonitor(workers_[i].handle);
      worker_gone(i, "removed");
      dispatch();
      return caf::unit;
    },
    [this](sched_isolate_atom, const std::string& name,
           bool on) -> caf::result<void> {
      auto* w = find_worker(name);
      if (w == nullptr)
        return unknown_worker(name);
      w->isolated = on;
      dispatch();
      return caf::unit;
    },
    [this](sched_limit_atom, const std::string& name,
           uint32_t limit) -> caf::result<void> {
      auto* w = find_worker(name);
      if (w == nullptr)
        return unknown_worker(name);
      if (limit == 0)
        return make_error(errc::invalid_argument,
                          "scheduler '" + settings_.name
                            + "': limit_worker: limit must be >= 1 (isolate "
                              "the worker instead)");
      w->limit = limit;
      dispatch();
      return caf::unit;
    },
    [this](sched_follow_atom, caf::actor& sup,
           std::string& name) -> caf::result<void> {
      if (!sup || name.empty())
        return make_error(errc::invalid_argument,
                          "scheduler '" + settings_.name
                            + "': follow_pool needs a supervisor and its name");
      if (pools_.empty())
        subscribe(this, "supervision.");
      pools_.push_back(pool{std::move(sup), std::move(name)});
      reconcile(pools_.back());
      return caf::unit;
    },
    [this](const supervision_event& ev) {
      if (ev.kind != supervision_event_kind::child_started
          && ev.kind != supervision_event_kind::child_terminated)
        return;
      for (auto& p : pools_)
        if (p.name == ev.supervisor)
          reconcile(p);
    },
    [this](sched_stats_atom) { return stats_; },
    [this](sched_workers_atom) {
      std::vector<worker_info> xs;
      auto t = now();
      for (auto& w : workers_) {
        if (!w.live)
          continue;
        worker_info x;
        x.name = w.name;
        x.state = w.isolated     ? "isolated"
                  : w.health_out ? "faulty"
                  : w.ejected    ? "ejected"
                  : w.probing    ? "probing"
                                 : "ready";
        x.suspect = w.suspect;
        x.outstanding = w.outstanding;
        x.limit = w.limit;
        x.done = w.done;
        x.failed = w.failed;
        x.ejections = w.ejections;
        x.latency = std::chrono::duration_cast<caf::timespan>(
          std::chrono::duration<double>(ewma_now(w, t)));
        xs.push_back(std::move(x));
      }
      return xs;
    },
    [this](sched_tick_atom) {
      tick_pending_ = false;
      tick();
    },
    [this](sched_flush_atom) {
      flush_pending_ = false;
      flush_metrics();
    },
    [this](const target_health& h) {
      auto* w = find_worker(h.target);
      if (w == nullptr)
        return;
      w->health_out = h.state == health_state::faulty
                      || h.state == health_state::quarantined;
      w->suspect = h.state == health_state::suspect;
      dispatch();
    },
  };
}

caf::invoke_message_result scheduler_impl::consume(caf::mailbox_element& x) {
  now_ = clock().now();
  if (x.mid.is_request() && !is_control(x.content())) {
    current_mailbox_element(&x);
    on_task(x);
    return caf::invoke_message_result::consumed;
  }
  if (x.mid.is_response() && detail::reply_ids::owns(x.mid)) {
    // A worker's answer to an attempt (or a late one to an attempt given
    // up); replies to the scheduler's own CAF requests go to CAF.
    auto index = detail::reply_ids::index_of(x.mid);
    auto* a = attempts_.at_index(index);
    if (a != nullptr && a->rid == x.mid) {
      on_reply(index, x.move_content_to_message());
      return caf::invoke_message_result::consumed;
    }
    ++stats_.late_replies;
    return caf::invoke_message_result::consumed;
  }
  return caf::event_based_actor::consume(x);
}

// -- tasks --------------------------------------------------------------------

void scheduler_impl::on_task(caf::mailbox_element& elem) {
  ++stats_.submitted;
  auto t = now();
  job j;
  j.client = std::move(elem.sender);
  j.client_mid = elem.mid;
  auto deadline = settings_.default_deadline;
  j.max_attempts = settings_.default_attempts;
  auto content = elem.move_content_to_message();
  if (content.match_elements<task>()) {
    auto& tk = content.get_mutable_as<task>(0);
    j.payload = std::move(tk.payload);
    j.id = tk.id;
    j.priority = tk.priority;
    if (tk.deadline.count() > 0)
      deadline = tk.deadline;
    if (tk.max_attempts > 0)
      j.max_attempts = tk.max_attempts;
    j.idempotent = tk.idempotent;
  } else {
    j.payload = std::move(content);
  }
  j.deadline = t + deadline;
  auto p = static_cast<size_t>(j.priority);
  if (p >= task_priority_count) {
    ++stats_.rejected;
    answer(j, make_msg(errc::task_rejected,
                       about(j) + "not a valid task priority"));
    return;
  }
  if (j.payload.empty()) {
    ++stats_.rejected;
    answer(j, make_msg(errc::task_rejected,
                       about(j) + "empty task"));
    return;
  }
  if (queues_[p].size() >= settings_.queue_capacity) {
    ++stats_.rejected;
    answer(j, make_msg(errc::task_rejected,
                       about(j) + "queue full ("
                         + std::to_string(settings_.queue_capacity) + " "
                         + to_string(j.priority) + " tasks waiting)"));
    return;
  }
  if (stats_.queued >= settings_.max_queued) {
    // Shed the newest waiting task of the lowest priority below this one.
    bool shed = false;
    for (auto q = task_priority_count; q-- > p + 1;) {
      if (queues_[q].empty())
        continue;
      auto victim = queues_[q].back();
      queues_[q].pop_back();
      --stats_.queued;
      if (auto* v = jobs_.find(victim)) {
        v->queued = false;
        end_with(victim, *v, errc::task_rejected,
                 about(*v) + "shed for a "
                   + to_string(j.priority) + " task (" 
                   + std::to_string(settings_.max_queued) + " waiting)");
      }
      shed = true;
      break;
    }
    if (!shed) {
      ++stats_.rejected;
      answer(j, make_msg(errc::task_rejected,
                         about(j) + "full ("
                           + std::to_string(settings_.max_queued)
                           + " tasks waiting)"));
      return;
    }
  }
  auto k = jobs_.insert(std::move(j));
  enqueue_job(k, *jobs_.find(k), false);
  dispatch();
  schedule_tick();
}

void scheduler_impl::enqueue_job(key_type k, job& j, bool front) {
  auto& q = queues_[static_cast<size_t>(j.priority)];
  if (front)
    q.push_front(k);
  else
    q.push_back(k);
  j.queued = true;
  ++stats_.queued;
}

void scheduler_impl::dispatch() {
  auto t = now();
  for (auto& q : queues_) {
    while (!q.empty()) {
      auto k = q.front();
      auto* j = jobs_.find(k);
      if (j == nullptr || !j->queued) { // ended while waiting
        q.pop_front();
        continue;
      }
      if (t >= j->deadline) {
        q.pop_front();
        --stats_.queued;
        j->queued = false;
        end_with(k, *j, errc::task_expired,
                 about(*j) + "deadline passed while waiting for a worker");
        continue;
      }
      auto w = pick(j->avoid);
      if (w < 0 && j->avoid >= 0)
        w = pick(-1);
      if (w < 0)
        return; // no worker can take more: the other queues neither
      q.pop_front();
      --stats_.queued;
      j->queued = false;
      send_attempt(k, *j, static_cast<uint32_t>(w), false);
    }
  }
}

void scheduler_impl::send_attempt(key_type k, job& j, uint32_t index,
                                  bool hedge) {
  auto& w = workers_[index];
  if (hedge) {
    ++stats_.hedges;
    j.hedged = true;
  } else {
    if (j.attempts > 0)
      ++stats_.retries;
    ++j.attempts;
  }
  if (j.running.empty())
    ++stats_.running;
  ++w.outstanding;
  attempt a;
  a.job = k;
  a.worker = index;
  a.sent = now();
  a.hedge = hedge;
  auto ak = attempts_.insert(std::move(a));
  // The request id names the attempt's slot: `consume` finds the attempt
  // from the reply's id alone.
  auto rid = reply_ids_.next(detail::slot_map<attempt>::index_of(ak));
  attempts_.find(ak)->rid = rid.response_id();
  j.running.push_back(ak);
  w.handle->enqueue(caf::make_mailbox_element(ctrl(), rid, {}, j.payload),
                    context());
  schedule_tick();
  schedule_flush();
}

void scheduler_impl::on_reply(uint32_t index, caf::message reply) {
  auto ak = attempts_.key_at(index);
  auto a = *attempts_.find(ak);
  auto t = now();
  auto& w = workers_[a.worker];
  if (a.orphan) {
    // The answer of an attempt whose task ended: a sample, nothing else.
    ++stats_.late_replies;
    observe(w, t - a.sent, reply.match_elements<caf::error>());
    attempts_.erase(ak);
    return;
  }
  if (w.outstanding > 0)
    --w.outstanding;
  auto* j = jobs_.find(a.job);
  attempts_.erase(ak);
  if (j == nullptr) { // cannot happen: a job's end erases its attempts
    ++stats_.late_replies;
    return;
  }
  auto& r = j->running;
  r.erase(ak);
  if (r.empty())
    --stats_.running;
  auto latency = t - a.sent;
  auto is_error = reply.match_elements<caf::error>();
  observe(w, latency, is_error);
  if (is_error && settings_.retry_errors) {
    j->last_error = reply.get_as<caf::error>(0);
    j->avoid = a.worker;
    failed_at(a.worker, "answered " + render(j->last_error));
    if (r.empty())
      retry_or_fail(a.job, *j);
    dispatch();
    return;
  }
  succeeded(w, latency, t);
  if (latencies_.size() < latency_window) {
    latencies_.push_back(seconds(latency));
  } else {
    latencies_[latency_next_] = seconds(latency);
    latency_next_ = (latency_next_ + 1) % latency_window;
  }
  if (a.hedge)
    ++stats_.hedge_wins;
  finish(a.job, *j, std::move(reply));
  check_latency_outlier(a.worker, t);
  dispatch();
}

void scheduler_impl::give_up_attempt(key_type ak, const caf::error& why) {
  auto* a = attempts_.find(ak);
  if (a == nullptr)
    return;
  if (a->orphan) {
    observe(workers_[a->worker], now() - a->sent, true);
    attempts_.erase(ak);
    return;
  }
  auto jk = a->job;
  auto a_worker = static_cast<int64_t>(a->worker);
  auto& w = workers_[a->worker];
  if (w.outstanding > 0)
    --w.outstanding;
  observe(w, now() - a->sent, true);
  attempts_.erase(ak);
  auto* j = jobs_.find(jk);
  if (j == nullptr)
    return;
  auto& r = j->running;
  r.erase(ak);
  j->last_error = why;
  j->avoid = a_worker;
  if (r.empty()) {
    --stats_.running;
    retry_or_fail(jk, *j);
  }
}

void scheduler_impl::retry_or_fail(key_type k, job& j) {
  if (now() >= j.deadline) {
    end_with(k, j, errc::task_expired,
             about(j) + "deadline passed after "
               + std::to_string(j.attempts) + " attempt(s), last: "
               + render(j.last_error));
    return;
  }
  if (j.attempts >= j.max_attempts) {
    end_with(k, j, errc::task_failed,
             about(j) + std::to_string(j.attempts)
               + " attempt(s) failed, last: " + render(j.last_error));
    return;
  }
  enqueue_job(k, j, true);
}

void scheduler_impl::abandon_attempts(job& j) {
  auto samples = settings_.metrics_interval.count() > 0;
  for (auto ak : j.running) {
    if (auto* a = attempts_.find(ak)) {
      auto& w = workers_[a->worker];
      if (w.outstanding > 0)
        --w.outstanding;
      if (samples && w.live)
        a->orphan = true; // still at the worker: its end enters the samples
      else
        attempts_.erase(ak);
    }
  }
  if (!j.running.empty())
    --stats_.running;
  j.running.clear();
}

void scheduler_impl::finish(key_type k, job& j, caf::message msg) {
  abandon_attempts(j);
  ++stats_.done;
  answer(j, std::move(msg));
  jobs_.erase(k);
}

void scheduler_impl::end_with(key_type k, job& j, errc code, std::string what) {
  abandon_attempts(j);
  if (j.queued) {
    // Left in its queue: dispatch skips it once it is gone.
    j.queued = false;
    --stats_.queued;
  }
  switch (code) {
    case errc::task_expired:
      ++stats_.expired;
      break;
    case errc::task_failed:
      ++stats_.failed;
      break;
    default:
      ++stats_.rejected;
      break;
  }
  answer(j, make_msg(code, std::move(what)));
  jobs_.erase(k);
}

void scheduler_impl::answer(job& j, caf::message msg) {
  if (j.client)
    j.client->enqueue(caf::make_mailbox_element(ctrl(),
                                                j.client_mid.response_id(), {},
                                                std::move(msg)),
                      context());
}

// -- workers ------------------------------------------------------------------

worker* scheduler_impl::find_worker(const std::string& name,
                                                    uint32_t* index) {
  auto i = by_name_.find(name);
  if (i == by_name_.end())
    return nullptr;
  if (index != nullptr)
    *index = i->second;
  return &workers_[i->second];
}

void scheduler_impl::add(std::string name, caf::actor handle) {
  monitor(handle);
  worker w;
  w.name = name;
  w.handle = std::move(handle);
  w.limit = settings_.max_per_worker;
  w.ewma_at = now();
  by_name_.emplace(std::move(name), static_cast<uint32_t>(workers_.size()));
  workers_.push_back(std::move(w));
  dispatch();
}

double scheduler_impl::ewma_now(const worker& w, time_point t) const {
  auto idle = seconds(t - w.ewma_at);
  if (idle <= 0.0)
    return w.ewma;
  return w.ewma * std::exp(-idle / seconds(settings_.latency_decay));
}

bool scheduler_impl::stale(const worker& w, time_point t) const {
  return t - w.ewma_at > stale_after_ && w.done > 0;
}

double scheduler_impl::cost(const worker& w, time_point t) const {
  // A floor of 1 microsecond, so that outstanding work counts for a worker
  // whose latency has not been seen (or has decayed) yet.
  auto latency = std::max(ewma_now(w, t), 1e-6);
  // A stale estimate competes as no worse than the pool's typical latency:
  // the worker gets a probe task now and then (one at a time, see `pick`),
  // whose answer replaces the estimate. Without this, one slow answer (a
  // cold start) kept a fast worker out for about `latency_decay`, and P2C
  // sent its share to whichever worker was next worst.
  if (stale(w, t) && pool_latency_ > 0.0)
    latency = std::min(latency, pool_latency_);
  auto c = (w.outstanding + 1.0) * latency;
  return w.suspect ? c * settings_.suspect_penalty : c;
}

int64_t scheduler_impl::pick(int64_t exclude) {
  eligible_.clear();
  auto t = now();
  for (uint32_t i = 0; i < workers_.size(); ++i) {
    auto& w = workers_[i];
    if (w.out_of_service() || static_cast<int64_t>(i) == exclude)
      continue;
    // A worker whose latency estimate is going stale (no answer for a
    // tenth of `latency_decay`, so the estimate is decaying towards zero)
    // takes one task at a time until it answers, like a probe: a slow
    // worker that looks cheap again gets one task, not a pile of them. A
    // worker in use answers far more often than that.
    if (w.outstanding >= (w.probing || stale(w, t) ? 1u : w.limit))
      continue;
    eligible_.push_back(i);
  }
  if (eligible_.empty())
    return -1;
  if (eligible_.size() == 1)
    return eligible_[0];
  switch (settings_.policy) {
    case placement_policy::round_robin:
      return eligible_[rr_cursor_++ % eligible_.size()];
    case placement_policy::random:
      return eligible_[std::uniform_int_distribution<size_t>{
        0, eligible_.size() - 1}(rng_)];
    case placement_policy::least_loaded:
      break;
  }
  std::uniform_int_distribution<size_t> any{0, eligible_.size() - 1};
  auto a = any(rng_);
  auto b = any(rng_);
  while (b == a)
    b = any(rng_);
  auto& wa = workers_[eligible_[a]];
  auto& wb = workers_[eligible_[b]];
  return cost(wa, t) <= cost(wb, t) ? eligible_[a] : eligible_[b];
}

void scheduler_impl::succeeded(worker& w, caf::timespan latency,
                               time_point t) {
  ++w.done;
  w.consecutive_failures = 0;
  // Peak EWMA: a slower answer counts at once, faster ones pull it down
  // with the decay time.
  auto l = seconds(latency);
  pool_latency_ = pool_latency_ == 0.0 ? l : 0.95 * pool_latency_ + 0.05 * l;
  // An answer to a task sent while the estimate was stale replaces it:
  // fresh news beats old.
  auto idle_before = t - latency - w.ewma_at;
  if (w.done == 1 || l > w.ewma
      || idle_before > stale_after_) {
    w.ewma = l;
  } else {
    // Pulled down by the time since the last answer (Finagle's peak EWMA),
    // so that a burst of fast answers after a slow one brings the estimate
    // down within about `latency_decay`, and by at least 2 % per answer, so
    // that a busy worker's one slow answer fades within about a hundred
    // fast ones (with time alone, a hiccup made a fast worker look slower
    // than a slow one for the next 10 s).
    auto keep = std::min(std::exp(-std::max(seconds(t - w.ewma_at), 0.0)
                                  / seconds(settings_.latency_decay)),
                         0.98);
    w.ewma = w.ewma * keep + l * (1.0 - keep);
  }
  w.ewma_at = t;
  if (w.probing) {
    w.probing = false;
    log_->info("scheduler '{}': worker '{}' is back (probe answered)",
               settings_.name, w.name);
    publish_event(scheduler_event_kind::returned, w, "probe answered",
                  caf::timespan{0});
  }
}

void scheduler_impl::failed_at(uint32_t index, const std::string& why) {
  auto& w = workers_[index];
  ++w.failed;
  ++w.consecutive_failures;
  if (w.probing) {
    w.probing = false;
    eject(index, "probe failed: " + why);
    return;
  }
  auto n = settings_.eject_consecutive_failures;
  if (n > 0 && w.consecutive_failures >= n)
    eject(index, std::to_string(w.consecutive_failures)
                   + " failed attempts in a row, last " + why);
}

void scheduler_impl::check_latency_outlier(uint32_t index, time_point t) {
  auto factor = settings_.eject_latency_factor;
  auto& w = workers_[index];
  if (factor <= 0.0 || w.done < settings_.eject_min_requests || w.ejected)
    return;
  std::vector<double> peers;
  for (uint32_t i = 0; i < workers_.size(); ++i) {
    auto& p = workers_[i];
    if (i != index && !p.out_of_service()
        && p.done >= settings_.eject_min_requests)
      peers.push_back(ewma_now(p, t));
  }
  if (peers.empty())
    return;
  auto median = percentile(peers, 50);
  auto mine = ewma_now(w, t);
  if (median > 0.0 && mine > factor * median)
    eject(index, "latency " + format_ms(std::chrono::duration_cast<
                                          caf::timespan>(
                                std::chrono::duration<double>(mine)))
                   + " is over " + format_number(factor)
                   + "x its peers' median");
}

void scheduler_impl::eject(uint32_t index, const std::string& why) {
  auto& w = workers_[index];
  if (w.ejected)
    return;
  size_t live = 0;
  size_t out = 0;
  for (auto& x : workers_) {
    if (!x.live)
      continue;
    ++live;
    if (x.ejected)
      ++out;
  }
  auto allowed = static_cast<size_t>(
    std::floor(settings_.max_ejection_share * static_cast<double>(live)));
  if (out + 1 > allowed) {
    log_->warn("scheduler '{}': worker '{}' not ejected ({}): {} of {} out "
               "already (max_ejection_share {})",
               settings_.name, w.name, why, out, live,
               settings_.max_ejection_share);
    return;
  }
  ++w.ejections;
  ++stats_.ejections;
  w.ejected = true;
  w.probing = false;
  auto length = std::min(settings_.base_ejection * w.ejections,
                         settings_.max_ejection);
  w.ejected_until = now() + length;
  log_->warn("scheduler '{}': worker '{}' ejected for {}: {}", settings_.name,
             w.name, format_ms(length), why);
  publish_event(scheduler_event_kind::ejected, w, why, length);
  // Its tasks run elsewhere.
  keys_.clear();
  attempts_.for_each([&](key_type ak, attempt& a) {
    if (a.worker == index)
      keys_.push_back(ak);
  });
  auto err = make_error(errc::task_failed, "worker '" + w.name
                                             + "' ejected: " + why);
  for (auto ak : keys_)
    give_up_attempt(ak, err);
  schedule_tick();
}

void scheduler_impl::worker_gone(uint32_t index, const std::string& why) {
  auto& w = workers_[index];
  w.live = false;
  by_name_.erase(w.name);
  log_->info("scheduler '{}': worker '{}' {}", settings_.name, w.name, why);
  keys_.clear();
  attempts_.for_each([&](key_type ak, attempt& a) {
    if (a.worker == index)
      keys_.push_back(ak);
  });
  auto err = make_error(errc::target_down, "worker '" + w.name + "' " + why);
  for (auto ak : keys_) {
    if (auto* a = attempts_.find(ak); a != nullptr && !a->orphan)
      ++w.failed;
    give_up_attempt(ak, err);
  }
  w.handle = nullptr;
}

// -- pools --------------------------------------------------------------------

void scheduler_impl::reconcile(const pool& p) {
  auto sup = p.sup;
  auto prefix = p.name + "/";
  request(sup, settings_.attempt_timeout, which_children_atom::value)
    .then(
      [this, sup, prefix](std::vector<child_info>& children) {
        std::vector<std::string> present;
        for (auto& c : children) {
          if (c.status == child_status::terminated)
            continue;
          auto name = prefix + c.id;
          present.push_back(name);
          if (find_worker(name) != nullptr)
            continue;
          request(sup, settings_.attempt_timeout, get_endpoint_atom::value,
                  c.id)
            .then(
              [this, name](caf::actor& ep) {
                if (find_worker(name) != nullptr || !ep)
                  return;
                log_->info("scheduler '{}': worker '{}' joined from its pool",
                           settings_.name, name);
                add(name, std::move(ep));
              },
              [this, name](caf::error& err) {
                log_->warn("scheduler '{}': no endpoint for '{}': {}",
                           settings_.name, name, render(err));
              });
        }
        for (uint32_t i = 0; i < workers_.size(); ++i) {
          auto& w = workers_[i];
          if (w.live && w.name.compare(0, prefix.size(), prefix) == 0
              && std::find(present.begin(), present.end(), w.name)
                   == present.end()) {
            demonitor(w.handle);
            worker_gone(i, "left its pool");
          }
        }
        dispatch();
      },
      [this, prefix](caf::error& err) {
        log_->warn("scheduler '{}': cannot list the pool '{}': {}",
                   settings_.name, prefix, render(err));
      });
}

// -- timers -------------------------------------------------------------------

void scheduler_impl::schedule_tick() {
  if (tick_pending_)
    return;
  tick_pending_ = true;
  send_on_tick(this, settings_.tick_interval, sched_tick_atom::value);
}

void scheduler_impl::tick() {
  auto t = now();
  // Attempts that outlived their timeout, and tasks past their deadline.
  keys_.clear();
  attempts_.for_each([&](key_type ak, attempt& a) {
    if (t - a.sent >= settings_.attempt_timeout)
      keys_.push_back(ak);
  });
  for (auto ak : keys_) {
    auto* a = attempts_.find(ak);
    if (a == nullptr)
      continue;
    auto index = a->worker;
    if (a->orphan) {
      give_up_attempt(ak, caf::error{}); // a sample of a timeout, no more
      continue;
    }
    give_up_attempt(ak, make_error(errc::timeout,
                                   "worker '" + workers_[index].name
                                     + "' did not answer within "
                                     + format_ms(settings_.attempt_timeout)));
    failed_at(index, "timed out");
  }
  keys_.clear();
  jobs_.for_each([&](key_type k, job& j) {
    if (t >= j.deadline)
      keys_.push_back(k);
  });
  for (auto k : keys_)
    if (auto* j = jobs_.find(k))
      end_with(k, *j, errc::task_expired,
               about(*j) + "deadline passed ("
                 + std::to_string(j->attempts) + " attempt(s))");
  // Ejections that ended: the worker takes one probe task at a time.
  for (auto& w : workers_) {
    if (w.live && w.ejected && t >= w.ejected_until) {
      w.ejected = false;
      w.probing = true;
      w.consecutive_failures = 0;
    }
  }
  hedge(t);
  dispatch();
  bool ejections = std::any_of(workers_.begin(), workers_.end(),
                               [](const worker& w) {
                                 return w.live && w.ejected;
                               });
  if (!jobs_.empty() || ejections || !attempts_.empty())
    schedule_tick();
}

void scheduler_impl::hedge(time_point t) {
  if (settings_.hedge_budget <= 0.0
      || latencies_.size() < settings_.hedge_min_samples)
    return;
  auto budget = settings_.hedge_budget * static_cast<double>(stats_.submitted);
  if (static_cast<double>(stats_.hedges) + 1.0 > budget)
    return;
  // The candidates past the minimum delay first: the quantile (a sort of
  // the latency window) only when some job could be hedged at all, which at
  // every tick of a healthy scheduler none can.
  keys_.clear();
  jobs_.for_each([&](key_type k, job& j) {
    if (j.idempotent && !j.hedged && j.running.size() == 1) {
      auto* a = attempts_.find(j.running.front());
      if (a != nullptr && t - a->sent > settings_.hedge_min_delay)
        keys_.push_back(k);
    }
  });
  if (keys_.empty())
    return;
  auto delay = std::max(
    std::chrono::duration_cast<caf::timespan>(std::chrono::duration<double>(
      percentile(latencies_, 100.0 * settings_.hedge_quantile))),
    settings_.hedge_min_delay);
  for (auto k : keys_) {
    if (static_cast<double>(stats_.hedges) + 1.0 > budget)
      return;
    auto* j = jobs_.find(k);
    if (j == nullptr || j->running.size() != 1)
      continue;
    auto* a = attempts_.find(j->running.front());
    if (t - a->sent <= delay)
      continue;
    auto w = pick(a->worker);
    if (w < 0)
      return;
    send_attempt(k, *j, static_cast<uint32_t>(w), true);
  }
}

void scheduler_impl::flush_metrics() {
  auto t = now();
  auto to_bus = topics_ == nullptr || !topics_->empty();
  // Per worker: its attempts now (orphans too: still at the worker) and
  // the age of the oldest.
  oldest_.assign(workers_.size(), caf::timespan{0});
  in_flight_.assign(workers_.size(), 0);
  attempts_.for_each([&](key_type, attempt& a) {
    oldest_[a.worker] = std::max(oldest_[a.worker], t - a.sent);
    ++in_flight_[a.worker];
  });
  bool again = false;
  auto at = t.time_since_epoch();
  for (size_t i = 0; i < workers_.size(); ++i) {
    auto& w = workers_[i];
    auto& iv = w.interval;
    auto busy = iv.calls > 0 || in_flight_[i] > 0;
    if (!busy && !iv.busy)
      continue; // quiet, and its zeros were reported
    if (to_bus) {
      auto put = [&](const char* metric, double value) {
        publish_sample(this, sample{w.name, metric, value, at});
      };
      auto n = static_cast<double>(iv.calls);
      put("calls", n);
      if (iv.calls > 0) {
        put("latency_ms", ms_of(iv.latency_sum) / n);
        put("latency_max_ms", ms_of(iv.latency_max));
        put("error_rate", static_cast<double>(iv.failures) / n);
      }
      put("in_flight", static_cast<double>(in_flight_[i]));
      put("oldest_ms", ms_of(oldest_[i]));
    }
    iv = {};
    iv.busy = busy;
    again = again || busy;
  }
  if (again)
    schedule_flush();
}

void scheduler_impl::publish_event(scheduler_event_kind kind, const worker& w,
                                   std::string reason,
                                   caf::timespan duration) {
  scheduler_event ev{kind,     settings_.name,          w.name,
                     std::move(reason), duration, since_epoch(now())};
  auto tp = topic(ev);
  publish(this, tp, caf::make_message(std::move(ev)));
}

} // namespace

caf::expected<caf::actor> spawn_scheduler(caf::actor_system& sys,
                                          scheduler_settings settings) {
  if (auto err = settings.validate())
    return err;
  return sys.spawn<scheduler_impl>(std::move(settings));
}

} // namespace remedy
