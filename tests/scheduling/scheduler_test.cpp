// The fault-aware scheduler under CAF's test coordinator (virtual time):
// the cases of issue 12, each named after it, plus the error and ejection
// rules. Workers answer after a delay of virtual time, so latencies are
// exact; every test checks the counters' invariant (each task ends once).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/response_promise.hpp>

#include "remedy/classification/health_view.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/percentile.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/scheduling/scheduler.hpp"
#include "remedy/scheduling/scheduler_event.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using answer_atom = caf::atom_constant<caf::atom("t_answer")>;
using submit_atom = caf::atom_constant<caf::atom("t_submit")>;

/// What every worker of a test did: tasks (by id) each worker ran.
struct ledger {
  std::map<std::string, std::vector<int>> ran;
  size_t ran_by(const std::string& w) const {
    auto i = ran.find(w);
    return i == ran.end() ? 0 : i->second.size();
  }
};

/// How a worker answers its n-th task (0-based): after `delay`, or never,
/// or with an error.
struct behaviour {
  caf::timespan delay = 10ms;
  /// Every `slow_every`-th task (if > 0) takes `slow_delay` instead.
  int slow_every = 0;
  caf::timespan slow_delay = 1s;
  bool never = false;
  bool fail = false;
};

struct worker_state {
  std::map<int, caf::response_promise> pending;
  int next = 0;
  int served = 0;
};

caf::behavior worker(caf::stateful_actor<worker_state>* self, std::string name,
                     behaviour how, std::shared_ptr<ledger> book) {
  return {
    [=](int id) -> caf::result<int> {
      book->ran[name].push_back(id);
      auto n = self->state.served++;
      if (how.fail)
        return make_error(errc::unexpected_message, name + " failed");
      auto rp = self->make_response_promise<int>();
      if (how.never) {
        self->state.pending.emplace(self->state.next++, rp);
        return rp;
      }
      auto delay = how.slow_every > 0 && n % how.slow_every == how.slow_every - 1
                     ? how.slow_delay
                     : how.delay;
      auto k = self->state.next++;
      self->state.pending.emplace(k, rp);
      self->delayed_send(self, delay, answer_atom::value, k, id);
      return rp;
    },
    [=](answer_atom, int k, int id) {
      auto i = self->state.pending.find(k);
      if (i == self->state.pending.end())
        return;
      i->second.deliver(id);
      self->state.pending.erase(i);
    },
  };
}

/// What the clients saw: per task id, the answers and their latency.
struct results {
  std::map<int, int> answers; // id -> how many answers
  std::map<int, caf::error> errors;
  std::vector<double> latencies_ms;
  size_t values = 0;
};

caf::behavior client(caf::event_based_actor* self, caf::actor sched,
                     std::shared_ptr<results> out) {
  return {
    [=](submit_atom, int id, task t) {
      auto sent = self->clock().now();
      t.payload = caf::make_message(id);
      self->request(sched, caf::infinite, std::move(t))
        .then(
          [=](int got) {
            ++out->answers[id];
            CHECK(got == id);
            ++out->values;
            out->latencies_ms.push_back(
              std::chrono::duration<double, std::milli>(self->clock().now()
                                                        - sent)
                .count());
          },
          [=](caf::error& err) {
            ++out->answers[id];
            out->errors[id] = err;
          });
    },
  };
}

struct sched_fixture : fixture {
  std::shared_ptr<ledger> book = std::make_shared<ledger>();
  std::shared_ptr<results> seen = std::make_shared<results>();
  caf::actor sched;
  caf::actor cli;
  std::map<std::string, caf::actor> workers;

  void start(scheduler_settings s) {
    auto x = spawn_scheduler(sys, std::move(s));
    REQUIRE(x);
    sched = track(*x);
    cli = track(sys.spawn(client, sched, seen));
    run();
  }

  void add(const std::string& name, behaviour how = {}) {
    auto w = track(sys.spawn(worker, name, how, book));
    workers[name] = w;
    REQUIRE(!ask_unit(sched, sched_add_atom::value, w, name));
  }

  void submit(int id, task t = {}) {
    caf::anon_send(cli, submit_atom::value, id, std::move(t));
    run();
  }

  scheduler_stats stats() {
    auto s = ask<scheduler_stats>(sched, sched_stats_atom::value);
    REQUIRE(s);
    // Every task ends once.
    CHECK(s->submitted
          == s->done + s->failed + s->expired + s->rejected + s->queued
               + s->running);
    return *s;
  }

  void health(const std::string& target, health_state state) {
    target_health h;
    h.target = target;
    h.state = state;
    publish(self.ptr(), topic(h), caf::make_message(h));
    run();
  }

  /// Every task in [0, n) answered exactly once.
  void check_each_answered_once(int n) {
    for (int i = 0; i < n; ++i) {
      CAPTURE(i);
      CHECK(seen->answers[i] == 1);
    }
  }

  double p99() {
    return percentile(seen->latencies_ms, 99);
  }
};

scheduler_settings quick_settings() {
  scheduler_settings s;
  s.attempt_timeout = 500ms;
  s.default_deadline = 10s;
  return s;
}

} // namespace

TEST_CASE_METHOD(sched_fixture,
                 "work avoids a faulty and a quarantined worker and returns "
                 "to it after it heals",
                 "[scheduling]") {
  start(quick_settings());
  add("app/a");
  add("app/b");
  add("app/c");
  health("app/a", health_state::faulty);
  health("app/b", health_state::quarantined);
  for (int i = 0; i < 60; ++i)
    submit(i);
  advance(100ms);
  check_each_answered_once(60);
  CHECK(book->ran_by("app/a") == 0);
  CHECK(book->ran_by("app/b") == 0);
  CHECK(book->ran_by("app/c") == 60);
  health("app/a", health_state::healthy);
  health("app/b", health_state::healthy);
  // Spread over time, so that least-loaded placement sees equal workers.
  for (int i = 60; i < 300; ++i) {
    submit(i);
    advance(5ms);
  }
  advance(100ms);
  check_each_answered_once(300);
  CHECK(book->ran_by("app/a") > 40);
  CHECK(book->ran_by("app/b") > 40);
  auto s = stats();
  CHECK(s.done == 300);
}

TEST_CASE_METHOD(sched_fixture,
                 "a worker killed while holding 100 tasks: every task "
                 "completes on other workers, none twice, none lost",
                 "[scheduling]") {
  auto st = quick_settings();
  st.max_per_worker = 100;
  st.attempt_timeout = 60s; // only the death takes the tasks back
  st.default_deadline = 120s;
  start(st);
  behaviour stuck;
  stuck.never = true;
  add("doomed", stuck);
  for (int i = 0; i < 100; ++i)
    submit(i);
  CHECK(book->ran_by("doomed") == 100);
  CHECK(stats().running == 100);
  add("w1");
  add("w2");
  add("w3");
  caf::anon_send_exit(workers["doomed"], caf::exit_reason::kill);
  run();
  advance(1s);
  check_each_answered_once(100);
  CHECK(seen->values == 100);
  // Each task ran exactly once on the survivors: the dead worker never
  // answered, so nothing ran twice to completion.
  std::map<int, int> runs;
  for (auto name : {"w1", "w2", "w3"})
    for (auto id : book->ran[name])
      ++runs[id];
  CHECK(runs.size() == 100);
  for (auto& [id, k] : runs) {
    CAPTURE(id);
    CHECK(k == 1);
  }
  auto s = stats();
  CHECK(s.done == 100);
  CHECK(s.retries == 100);
  CHECK(s.failed + s.expired + s.rejected == 0);
}

TEST_CASE_METHOD(sched_fixture,
                 "a slow worker (10x latency): its share falls, clients' p99 "
                 "stays near the healthy workers'",
                 "[scheduling]") {
  auto run_with = [&](placement_policy policy) {
    auto st = quick_settings();
    st.policy = policy;
    st.attempt_timeout = 5s;
    start(st);
    for (int i = 0; i < 7; ++i)
      add("w" + std::to_string(i));
    behaviour slow;
    slow.delay = 100ms;
    add("slow", slow);
    // 200 tasks a second for 10 s.
    for (int i = 0; i < 2000; ++i) {
      submit(i);
      advance(5ms);
    }
    advance(1s);
    check_each_answered_once(2000);
    CHECK(seen->values == 2000);
  };
  SECTION("least loaded (P2C, peak EWMA)") {
    run_with(placement_policy::least_loaded);
    auto share = static_cast<double>(book->ran_by("slow")) / 2000.0;
    CAPTURE(share, p99());
    CHECK(share < 0.01);
    CHECK(p99() <= 20.0); // the healthy workers answer in 10 ms
  }
  SECTION("round robin (the baseline): a 1/8 share and a slow p99") {
    run_with(placement_policy::round_robin);
    CHECK(book->ran_by("slow") == 250);
    CHECK(p99() >= 100.0);
  }
}

TEST_CASE_METHOD(sched_fixture,
                 "hedging: p99 drops when one worker stalls, and extra load "
                 "stays within the budget",
                 "[scheduling]") {
  auto run_with = [&](double budget) {
    auto st = quick_settings();
    // Round robin, so that placement alone cannot avoid the stalls.
    st.policy = placement_policy::round_robin;
    st.hedge_budget = budget;
    st.attempt_timeout = 5s;
    start(st);
    for (int i = 0; i < 7; ++i)
      add("w" + std::to_string(i));
    behaviour stalls; // every 4th of its tasks stalls for a second
    stalls.slow_every = 4;
    stalls.slow_delay = 1s;
    add("staller", stalls);
    for (int i = 0; i < 2000; ++i) {
      task t;
      t.idempotent = true;
      submit(i, t);
      advance(5ms);
    }
    advance(2s);
    check_each_answered_once(2000);
    CHECK(seen->values == 2000);
  };
  SECTION("without hedging: the stalls are the p99") {
    run_with(0.0);
    CHECK(p99() >= 1000.0);
    CHECK(stats().hedges == 0);
  }
  SECTION("with a 5 % budget") {
    run_with(0.05);
    auto s = stats();
    CAPTURE(p99(), s.hedges, s.hedge_wins);
    CHECK(p99() <= 50.0);
    CHECK(s.hedges > 0);
    CHECK(s.hedges <= 100); // 5 % of 2000
    CHECK(s.hedge_wins > 0);
    CHECK(s.done == 2000);
  }
}

TEST_CASE_METHOD(sched_fixture,
                 "queue full, deadline passed before dispatch, attempt limit "
                 "reached: each gets its own clear error",
                 "[scheduling]") {
  auto st = quick_settings();
  st.max_per_worker = 1;
  st.queue_capacity = 2;
  st.max_queued = 3;
  start(st);
  SECTION("queue full") {
    behaviour stuck;
    stuck.never = true;
    add("w", stuck);
    for (int i = 0; i < 4; ++i)
      submit(i); // 1 at the worker, 2 waiting, 1 too many
    REQUIRE(seen->errors.count(3) == 1);
    CHECK(is(seen->errors[3], errc::task_rejected));
    CHECK_THAT(render(seen->errors[3]), Catch::Contains("queue full"));
    CHECK(seen->errors.size() == 1);
    // A low-priority task waiting is shed for a high one when all
    // queues together are full.
    task low;
    low.priority = task_priority::low;
    submit(10, low); // 3 waiting now: the limit
    task high;
    high.priority = task_priority::high;
    submit(11, high);
    REQUIRE(seen->errors.count(10) == 1);
    CHECK(is(seen->errors[10], errc::task_rejected));
    CHECK_THAT(render(seen->errors[10]), Catch::Contains("shed for a high"));
    CHECK(seen->errors.count(11) == 0);
    auto s = stats();
    CHECK(s.rejected == 2);
    CHECK(s.queued == 3);
  }
  SECTION("deadline passed before dispatch") {
    behaviour stuck;
    stuck.never = true;
    add("w", stuck);
    submit(0);
    task t;
    t.deadline = 50ms;
    submit(1, t);
    advance(100ms);
    REQUIRE(seen->errors.count(1) == 1);
    CHECK(is(seen->errors[1], errc::task_expired));
    CHECK_THAT(render(seen->errors[1]),
               Catch::Contains("while waiting for a worker")
                 || Catch::Contains("deadline passed"));
    CHECK(book->ran_by("w") == 1); // task 1 never ran
    CHECK(stats().expired == 1);
  }
  SECTION("attempt limit reached") {
    behaviour broken;
    broken.fail = true;
    add("w1", broken);
    add("w2", broken);
    task t;
    t.max_attempts = 2;
    t.id = 4711;
    submit(0, t);
    advance(10ms);
    REQUIRE(seen->errors.count(0) == 1);
    CHECK(is(seen->errors[0], errc::task_failed));
    CHECK_THAT(render(seen->errors[0]),
               Catch::Contains("task 4711: 2 attempt(s) failed"));
    CHECK_THAT(render(seen->errors[0]), Catch::Contains("failed"));
    CHECK(book->ran_by("w1") + book->ran_by("w2") == 2);
    auto s = stats();
    CHECK(s.failed == 1);
    CHECK(s.retries == 1);
  }
}

namespace {

caf::behavior event_listener(caf::event_based_actor* self,
                             std::shared_ptr<std::vector<scheduler_event>> out) {
  subscribe(self, "scheduler.");
  return {
    [=](const scheduler_event& x) { out->push_back(x); },
  };
}

} // namespace

TEST_CASE_METHOD(sched_fixture,
                 "outlier ejection: a failing worker is ejected for a growing "
                 "interval, brought back by a probe, never more than the "
                 "share, and each ejection is an event",
                 "[scheduling]") {
  auto events = std::make_shared<std::vector<scheduler_event>>();
  track(sys.spawn(event_listener, events));
  auto st = quick_settings();
  st.eject_consecutive_failures = 3;
  st.base_ejection = 1s;
  st.max_ejection_share = 0.5;
  st.policy = placement_policy::round_robin;
  start(st);
  add("good1");
  add("good2");
  behaviour broken;
  broken.fail = true;
  add("bad", broken);
  add("bad2", broken);
  for (int i = 0; i < 40; ++i) {
    submit(i);
    advance(1ms);
  }
  advance(100ms);
  check_each_answered_once(40);
  // Every task was answered with a value: the failures were retried on the
  // good workers.
  CHECK(seen->values == 40);
  auto s = stats();
  // Both bad workers ejected (2 of 4 = the share)...
  CHECK(s.ejections == 2);
  REQUIRE(events->size() == 2);
  CHECK(events->at(0).kind == scheduler_event_kind::ejected);
  CHECK_THAT(events->at(0).reason, Catch::Contains("in a row"));
  CHECK(events->at(0).duration == caf::timespan{1s});
  auto bad_runs = book->ran_by("bad");
  CHECK(bad_runs == 3);
  // ... and one probe each after the second: it fails, the next ejection is
  // twice as long.
  advance(1s);
  for (int i = 100; i < 104; ++i)
    submit(i);
  advance(100ms);
  auto ws = ask<std::vector<worker_info>>(sched, sched_workers_atom::value);
  REQUIRE(ws);
  size_t ejected = 0;
  for (auto& w : *ws)
    if (w.state == "ejected")
      ++ejected;
  CHECK(ejected <= 2);
  // One probe each, which failed: ejected again, for twice as long.
  CHECK(book->ran_by("bad") == bad_runs + 1);
  auto again = std::count_if(events->begin(), events->end(), [](auto& e) {
    return e.worker == "bad" && e.duration == caf::timespan{2s};
  });
  CHECK(again == 1);
  CHECK(seen->values == 44);
  // The share: a third failing worker is not ejected while two are out.
  add("bad3", broken);
  for (int i = 200; i < 220; ++i) {
    submit(i);
    advance(1ms);
  }
  advance(100ms);
  for (auto& e : *events)
    CHECK(e.worker != "bad3");
}

TEST_CASE_METHOD(sched_fixture,
                 "a worker that stops answering loses its tasks to the others "
                 "after the attempt timeout; its late replies are dropped",
                 "[scheduling]") {
  auto st = quick_settings();
  st.attempt_timeout = 200ms;
  st.policy = placement_policy::round_robin;
  st.eject_consecutive_failures = 0;
  start(st);
  add("ok");
  behaviour late;
  late.delay = 300ms; // answers, but after the timeout
  add("late", late);
  for (int i = 0; i < 10; ++i)
    submit(i);
  advance_exact(1s);
  check_each_answered_once(10);
  CHECK(seen->values == 10);
  auto s = stats();
  CHECK(s.retries == 5);
  CHECK(s.late_replies == 5);
  CHECK(s.done == 10);
}

TEST_CASE_METHOD(sched_fixture,
                 "scheduler control: bad settings, unknown and duplicate "
                 "workers, isolate and limit",
                 "[scheduling]") {
  scheduler_settings bad;
  bad.hedge_budget = 2;
  auto x = spawn_scheduler(sys, bad);
  REQUIRE(!x);
  CHECK_THAT(render(x.error()), Catch::Contains("hedge_budget"));
  start(quick_settings());
  add("w");
  auto w2 = track(sys.spawn(worker, std::string{"w2"}, behaviour{}, book));
  auto dup = ask_unit(sched, sched_add_atom::value, w2, std::string{"w"});
  CHECK(is(dup, errc::already_present));
  CHECK(is(ask_unit(sched, sched_remove_atom::value, std::string{"nope"}),
           errc::unknown_child));
  CHECK(is(ask_unit(sched, sched_limit_atom::value, std::string{"w"},
                    uint32_t{0}),
           errc::invalid_argument));
  REQUIRE(!ask_unit(sched, sched_add_atom::value, w2, std::string{"w2"}));
  REQUIRE(!ask_unit(sched, sched_isolate_atom::value, std::string{"w"}, true));
  for (int i = 0; i < 20; ++i)
    submit(i);
  advance(100ms);
  check_each_answered_once(20);
  CHECK(book->ran_by("w") == 0);
  CHECK(book->ran_by("w2") == 20);
  REQUIRE(!ask_unit(sched, sched_isolate_atom::value, std::string{"w"}, false));
  REQUIRE(!ask_unit(sched, sched_limit_atom::value, std::string{"w2"},
                    uint32_t{1}));
  for (int i = 20; i < 24; ++i)
    submit(i); // w2 takes one at a time now: w gets the rest
  CHECK(book->ran_by("w") >= 3);
  advance(100ms);
  check_each_answered_once(24);
  stats();
}

namespace {

/// Collects the samples published on the bus.
struct sample_log {
  std::vector<sample> xs;
  /// The samples of `metric` about `target`, oldest first.
  std::vector<double> of(const std::string& target,
                         const std::string& metric) const {
    std::vector<double> ys;
    for (auto& x : xs)
      if (x.target == target && x.metric == metric)
        ys.push_back(x.value);
    return ys;
  }
};

caf::behavior sample_sink(caf::event_based_actor* self,
                          std::shared_ptr<sample_log> out) {
  subscribe(self, "sample.");
  return {
    [=](const sample& x) { out->xs.push_back(x); },
  };
}

/// Records every sample on the fixture's bus from now on.
std::shared_ptr<sample_log> collect_samples(sched_fixture& f) {
  auto log = std::make_shared<sample_log>();
  f.track(f.sys.spawn(sample_sink, log));
  f.run();
  return log;
}

} // namespace

TEST_CASE_METHOD(sched_fixture,
                 "the scheduler publishes each worker's samples as a route "
                 "does: latency, error rate, in flight, the oldest attempt",
                 "[scheduling]") {
  auto log = collect_samples(*this);
  auto st = quick_settings();
  st.policy = placement_policy::round_robin;
  st.metrics_interval = 100ms;
  st.attempt_timeout = 250ms;
  st.eject_consecutive_failures = 0;
  st.default_attempts = 1;
  start(st);
  add("fast"); // answers in 10 ms
  behaviour stuck;
  stuck.never = true;
  add("stuck", stuck);
  behaviour bad;
  bad.fail = true;
  add("bad", bad);
  // Nothing sent: nothing published.
  advance_exact(300ms);
  CHECK(log->xs.empty());
  for (int i = 0; i < 6; ++i)
    submit(i); // two each
  advance_exact(100ms); // the first flush
  CHECK(log->of("fast", "calls") == std::vector<double>{2});
  CHECK(log->of("fast", "latency_ms") == std::vector<double>{10});
  CHECK(log->of("fast", "error_rate") == std::vector<double>{0});
  CHECK(log->of("bad", "error_rate") == std::vector<double>{1});
  // The stuck worker: no call ended yet, two in flight for 100 ms.
  CHECK(log->of("stuck", "calls") == std::vector<double>{0});
  CHECK(log->of("stuck", "latency_ms").empty());
  CHECK(log->of("stuck", "in_flight") == std::vector<double>{2});
  // (Flushes fall on multiples of the interval of the clock: within a
  // microsecond of 100 ms after the sends.)
  auto oldest = log->of("stuck", "oldest_ms");
  REQUIRE(oldest.size() == 1);
  CHECK(oldest[0] == Approx(100).margin(0.01));
  advance_exact(100ms);
  oldest = log->of("stuck", "oldest_ms");
  REQUIRE(oldest.size() == 2);
  CHECK(oldest[1] == Approx(200).margin(0.01));
  // fast and bad: one interval of zeros after their work, then quiet.
  CHECK(log->of("fast", "calls") == std::vector<double>{2, 0});
  CHECK(log->of("fast", "latency_ms").size() == 1);
  advance_exact(100ms); // the stuck attempts timed out at 250 ms
  auto stuck_errors = log->of("stuck", "error_rate");
  REQUIRE(stuck_errors.size() == 1);
  CHECK(stuck_errors[0] == 1);
  // Given up at the first tick (every 10 ms) after the 250 ms timeout.
  auto stuck_latency = log->of("stuck", "latency_ms");
  REQUIRE(stuck_latency.size() == 1);
  CHECK(stuck_latency[0] >= 250);
  CHECK(stuck_latency[0] <= 260.01);
  CHECK(log->of("stuck", "in_flight").back() == 0);
  CHECK(log->of("stuck", "oldest_ms").back() == 0);
  auto before = log->xs.size();
  advance_exact(500ms);
  // One more interval of zeros for the stuck worker, then nothing.
  CHECK(log->xs.size() > before);
  before = log->xs.size();
  advance_exact(500ms);
  CHECK(log->xs.size() == before);
  check_each_answered_once(6);
  stats();
}

TEST_CASE_METHOD(sched_fixture,
                 "an attempt whose task ended still enters its worker's "
                 "samples when the worker answers",
                 "[scheduling]") {
  // A route in front of the worker would see the late answer; so must the
  // scheduler's samples, or a slow worker whose every task is answered
  // elsewhere (a hedge, a deadline) never shows its latency.
  auto log = collect_samples(*this);
  auto st = quick_settings();
  st.metrics_interval = 100ms;
  st.default_deadline = 50ms; // expires before the worker answers
  st.tick_interval = 10ms;
  start(st);
  behaviour slow;
  slow.delay = 120ms;
  add("slow", slow);
  submit(1);
  advance_exact(60ms);
  REQUIRE(seen->errors.count(1) == 1);
  CHECK(is(seen->errors[1], errc::task_expired));
  advance_exact(140ms);
  // Answered at 120 ms, after its task expired at 50-60 ms.
  auto lat = log->of("slow", "latency_ms");
  REQUIRE(lat.size() == 1);
  CHECK(lat[0] == Approx(120).margin(0.01));
  CHECK(log->of("slow", "error_rate") == std::vector<double>{0});
  // It counted as in flight at the first flush although its task had ended.
  CHECK(log->of("slow", "in_flight").front() == 1);
  auto s = stats();
  CHECK(s.late_replies == 1);
  CHECK(s.expired == 1);
}
