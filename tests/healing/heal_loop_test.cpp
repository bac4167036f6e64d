// The whole loop in virtual time, with nothing scripted: real faults in
// supervised workers, Remedy's detectors and classifier naming them, the
// orchestrator choosing a built-in strategy, the strategy acting on the
// supervision tree, routes, endpoints, pools or the health view, and the
// fault verified gone, from the orchestrator's events and from a client's
// point of view.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "remedy/classification/classifier.hpp"
#include "remedy/classification/health_view.hpp"
#include "remedy/classification/atoms.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/detection/detector_actor.hpp"
#include "remedy/detection/heartbeat_detector.hpp"
#include "remedy/detection/threshold_detector.hpp"
#include "remedy/detection/trend_detector.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/healing/orchestrator.hpp"
#include "remedy/routing/atoms.hpp"
#include "remedy/routing/route_builder.hpp"
#include "remedy/routing/route_stats.hpp"
#include "remedy/routing/type_ids.hpp"
#include "remedy/strategies/failover_strategy.hpp"
#include "remedy/strategies/isolate_strategy.hpp"
#include "remedy/strategies/restart_strategy.hpp"
#include "remedy/strategies/scale_out_strategy.hpp"
#include "remedy/strategies/throttle_strategy.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using work_atom = caf::atom_constant<caf::atom("t_work")>;
using hang_atom = caf::atom_constant<caf::atom("t_hang")>;
using beat_atom = caf::atom_constant<caf::atom("t_beat")>;
using leak_atom = caf::atom_constant<caf::atom("t_leak")>;
using slow_atom = caf::atom_constant<caf::atom("t_slow")>;
using fail_atom = caf::atom_constant<caf::atom("t_fail")>;
using reply_atom = caf::atom_constant<caf::atom("t_reply")>;
using go_atom = caf::atom_constant<caf::atom("t_go")>;
using done_atom = caf::atom_constant<caf::atom("t_done")>;
using refresh_atom = caf::atom_constant<caf::atom("t_refresh")>;

/// A worker that beats every 100 ms and answers work, until told to hang:
/// then it neither beats nor answers (its requests wait forever), while its
/// actor lives, so its supervisor sees nothing wrong.
caf::behavior worker(caf::event_based_actor* self, std::string name) {
  auto hung = std::make_shared<bool>(false);
  auto seq = std::make_shared<uint64_t>(0);
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  self->send(self, beat_atom::value);
  return {
    [=](beat_atom) {
      if (*hung)
        return;
      publish(self, "heartbeat",
              caf::make_message(heartbeat{name, ++*seq,
                                          self->clock().now().time_since_epoch(),
                                          self->address()}));
      self->delayed_send(self, 100ms, beat_atom::value);
    },
    [=](work_atom, int x) -> caf::result<int> {
      if (*hung) {
        held->push_back(self->make_response_promise());
        return caf::delegated<int>{};
      }
      return x + 1;
    },
    [=](hang_atom) { *hung = true; },
  };
}

/// A worker whose memory grows by 1 MB a second from 100 MB, reported every
/// second; it would run out at 400 MB. The peak goes to `peak`.
caf::behavior leaky(caf::event_based_actor* self, std::string name,
                    std::shared_ptr<double> peak) {
  auto mb = std::make_shared<double>(100.0);
  self->send(self, leak_atom::value);
  return {
    [=](leak_atom) {
      *mb += 1.0;
      *peak = std::max(*peak, *mb);
      publish_sample(self, name, "memory_mb", *mb);
      self->delayed_send(self, 1s, leak_atom::value);
    },
  };
}

struct service_state {
  caf::actor_clock::time_point slow_until;
  caf::timespan slow{0};
  caf::actor_clock::time_point fail_until;
  uint64_t seq = 0;
  std::map<uint64_t, caf::response_promise> pending;
};

/// A service that answers `(work, x)` with its name `normal` later (a
/// response promise delivered by a delayed message to itself, so requests
/// overlap as in a real service). Told `(slow, d, for)`, it answers after
/// `d` for the next `for`; told `(fail, for)`, it answers every request
/// with an error for the next `for`. Its incarnation's state goes with it:
/// a restart cures both.
caf::behavior service(caf::event_based_actor* self, std::string name,
                      caf::timespan normal) {
  auto st = std::make_shared<service_state>();
  return {
    [=](work_atom, int) -> caf::result<std::string> {
      auto now = self->clock().now();
      if (now < st->fail_until)
        return caf::make_error(caf::sec::runtime_error, name + " failed");
      auto id = ++st->seq;
      st->pending.emplace(id, self->make_response_promise());
      self->delayed_send(self, now < st->slow_until ? st->slow : normal,
                         reply_atom::value, id);
      return caf::delegated<std::string>{};
    },
    [=](reply_atom, uint64_t id) {
      auto i = st->pending.find(id);
      if (i == st->pending.end())
        return;
      i->second.deliver(name);
      st->pending.erase(i);
    },
    [=](slow_atom, caf::timespan d, caf::timespan how_long) {
      st->slow = d;
      st->slow_until = self->clock().now() + how_long;
    },
    [=](fail_atom, caf::timespan how_long) {
      st->fail_until = self->clock().now() + how_long;
    },
  };
}

/// One request of a client, as the client saw it.
struct outcome {
  /// When it was sent (virtual time since the epoch).
  caf::timespan sent{0};
  /// From sending to the answer.
  caf::timespan latency{0};
  /// Who answered (a service's name), or empty for an error.
  std::string by;
  caf::error err;
};

using outcome_log = std::shared_ptr<std::vector<outcome>>;

/// A client that sends `(work, 1)` to `dest` every `gap`, forever, and logs
/// what it gets back.
caf::behavior client(caf::event_based_actor* self, caf::actor dest,
                     caf::timespan gap, outcome_log log) {
  self->send(self, go_atom::value);
  return {
    [=](go_atom) {
      auto sent = self->clock().now();
      self->request(dest, caf::infinite, work_atom::value, 1)
        .then(
          [=](std::string& by) {
            log->push_back({sent.time_since_epoch(),
                            self->clock().now() - sent, std::move(by), {}});
          },
          [=](caf::error& err) {
            log->push_back({sent.time_since_epoch(),
                            self->clock().now() - sent, "", std::move(err)});
          });
      self->delayed_send(self, gap, go_atom::value);
    },
  };
}

/// A pool worker: serves one request at a time, each taking `service`, the
/// others wait in its queue (in order). Offered more than 1 / `service`
/// requests a second, its queue and its latency grow.
caf::behavior pool_worker(caf::event_based_actor* self, caf::timespan service) {
  auto queue = std::make_shared<std::deque<caf::response_promise>>();
  auto busy = std::make_shared<bool>(false);
  auto next = [=] {
    *busy = !queue->empty();
    if (*busy)
      self->delayed_send(self, service, done_atom::value);
  };
  return {
    [=](work_atom, int) -> caf::result<std::string> {
      queue->push_back(self->make_response_promise());
      if (!*busy)
        next();
      return caf::delegated<std::string>{};
    },
    [=](done_atom) {
      auto rp = queue->front();
      queue->pop_front();
      rp.deliver(std::string{"pool"});
      next();
    },
  };
}

/// The offered load of a pool client and what it measured.
struct pool_load {
  /// Between two requests; the test changes it.
  caf::timespan gap = 100ms;
  std::vector<outcome> log;
  /// The pool's running children, as the client last learned them.
  size_t workers = 0;
};

struct pool_client_state {
  std::vector<caf::actor> workers;
  std::map<caf::actor_id, int> outstanding;
  int completed = 0;
  caf::timespan latency_sum{0};
};

/// A client that spreads requests over a pool's running children (the one
/// with the fewest outstanding requests first), learns the children from
/// the pool's supervisor every second, and publishes the mean latency of
/// the requests answered in each second as `latency_ms` of `target`: the
/// pool's latency as its clients see it.
caf::behavior pool_client(caf::event_based_actor* self, caf::actor pool,
                          std::string target, std::shared_ptr<pool_load> load) {
  auto st = std::make_shared<pool_client_state>();
  self->send(self, refresh_atom::value);
  self->send(self, go_atom::value);
  return {
    [=](refresh_atom) {
      self->request(pool, 1s, which_children_atom::value)
        .then([=](std::vector<child_info>& xs) {
          st->workers.clear();
          for (auto& x : xs)
            if (x.status == child_status::running && x.current)
              st->workers.push_back(x.current);
          load->workers = st->workers.size();
        });
      if (st->completed > 0)
        publish_sample(self, target, "latency_ms",
                       std::chrono::duration<double, std::milli>(
                         st->latency_sum)
                           .count()
                         / st->completed);
      st->completed = 0;
      st->latency_sum = caf::timespan{0};
      self->delayed_send(self, 1s, refresh_atom::value);
    },
    [=](go_atom) {
      self->delayed_send(self, load->gap, go_atom::value);
      if (st->workers.empty())
        return;
      auto w = *std::min_element(
        st->workers.begin(), st->workers.end(),
        [&](const caf::actor& a, const caf::actor& b) {
          return st->outstanding[a.id()] < st->outstanding[b.id()];
        });
      ++st->outstanding[w.id()];
      auto sent = self->clock().now();
      auto id = w.id();
      self->request(w, 30s, work_atom::value, 1)
        .then(
          [=](std::string& by) {
            --st->outstanding[id];
            auto latency = self->clock().now() - sent;
            ++st->completed;
            st->latency_sum += latency;
            load->log.push_back(
              {sent.time_since_epoch(), latency, std::move(by), {}});
          },
          [=](caf::error& err) {
            --st->outstanding[id];
            load->log.push_back({sent.time_since_epoch(),
                                 self->clock().now() - sent, "",
                                 std::move(err)});
          });
    },
  };
}

/// What a client saw in a stretch of time.
struct seen_stats {
  size_t n = 0;
  size_t errors = 0;
  size_t breaker_open = 0;
  size_t timeouts = 0;
  double mean_ms = 0;
  double max_ms = 0;
  std::map<std::string, size_t> by;
};

/// The outcomes of the requests sent in [from, to).
seen_stats seen(const std::vector<outcome>& log, caf::timespan from,
                caf::timespan to) {
  seen_stats r;
  double sum = 0;
  size_t answered = 0;
  for (auto& x : log) {
    if (x.sent < from || x.sent >= to)
      continue;
    ++r.n;
    if (x.err) {
      ++r.errors;
      r.breaker_open += is(x.err, errc::breaker_open) ? 1 : 0;
      r.timeouts += is(x.err, errc::timeout) ? 1 : 0;
      continue;
    }
    ++answered;
    ++r.by[x.by];
    auto ms = std::chrono::duration<double, std::milli>(x.latency).count();
    sum += ms;
    r.max_ms = std::max(r.max_ms, ms);
  }
  r.mean_ms = answered > 0 ? sum / answered : 0;
  return r;
}

/// Collects every healing event on the bus.
caf::behavior healing_collector(caf::event_based_actor* self,
                                std::shared_ptr<std::vector<healing_event>> log) {
  subscribe(self, "healing.");
  return {
    [log](healing_event& e) { log->push_back(std::move(e)); },
  };
}

struct loop_fixture : fixture {
  std::shared_ptr<std::vector<healing_event>> events
    = std::make_shared<std::vector<healing_event>>();

  loop_fixture() {
    // An actor of its own, so that the test's own mailbox holds replies
    // only.
    track(sys.spawn(healing_collector, events));
    run();
  }

  void drain() {
    run();
  }

  /// Advances in steps of `step` until `n` `kind` events arrived (at most
  /// `limit`); returns whether they did.
  bool wait_for(healing_event_kind kind, caf::timespan step,
                caf::timespan limit, size_t n = 1) {
    for (auto t = caf::timespan{0}; t <= limit; t += step) {
      if (count(kind) >= n)
        return true;
      advance_exact(step);
    }
    return false;
  }

  size_t count(healing_event_kind kind) const {
    size_t n = 0;
    for (auto& e : *events)
      n += e.kind == kind ? 1 : 0;
    return n;
  }

  /// The first event of `kind`; fails the test if there is none.
  healing_event first(healing_event_kind kind) const {
    for (auto& e : *events)
      if (e.kind == kind)
        return e;
    FAIL("no " << to_string(kind) << " event");
    return {};
  }

  /// Every event in order (kind, strategy, detail), for failure messages.
  std::string history() const {
    std::string r;
    for (auto& e : *events)
      r += std::string{to_string(e.kind)} + "(" + e.strategy + ": "
           + e.detail + ")\n";
    return r;
  }

  caf::timespan since_epoch() {
    return now().time_since_epoch();
  }

  caf::actor classifier() {
    classifier_settings rules;
    rules.clear_after = 0s;
    auto c = spawn_classifier(sys, rules);
    REQUIRE(c);
    return track(*c);
  }

  caf::actor health_view() {
    auto v = spawn_health_view(sys);
    REQUIRE(v);
    track(*v);
    run();
    return *v;
  }

  /// A threshold detector with one rule on `metric` of `target`: raises at
  /// `limit` held for `hold`, clears below `clear_limit` held for `hold`.
  caf::actor threshold(const std::string& metric, const std::string& target,
                       double limit, double clear_limit, caf::timespan hold) {
    threshold_detector_settings s;
    threshold_detector_rule r;
    r.metric = metric;
    r.target = target;
    r.threshold.name = metric;
    r.threshold.limit = limit;
    r.threshold.for_duration = hold;
    r.threshold.clear_limit = clear_limit;
    r.threshold.clear_for = hold;
    s.rules.push_back(r);
    auto d = spawn_detector<threshold_detector>(sys, s);
    REQUIRE(d);
    return track(*d);
  }

  caf::actor restart() {
    auto r = spawn_restart_strategy(sys);
    REQUIRE(r);
    return track(*r);
  }

  caf::actor orchestrator(healing_settings s, strategy_set strategies,
                          std::vector<heal_target> targets) {
    auto o = spawn_orchestrator(sys, std::move(s), std::move(strategies),
                                std::move(targets));
    REQUIRE(o);
    track(*o);
    run();
    return *o;
  }

  target_health health(const caf::actor& view, const std::string& target) {
    auto h = ask<target_health>(view, health_atom::value, target);
    REQUIRE(h);
    return *h;
  }

  /// The target's state and the evidence of its active faults, for
  /// failure messages.
  std::string describe(const target_health& h) {
    std::string r = std::string{to_string(h.state)} + ";";
    for (auto& f : h.faults) {
      if (!f.active)
        continue;
      r += std::string{" "} + to_string(f.cls) + " (";
      for (auto& e : f.evidence)
        r += e.metric + " " + std::to_string(e.value) + " at "
             + std::to_string(e.at.count() / 1'000'000) + " ms; ";
      r += ")";
    }
    return r;
  }

  route_stats stats_of(const caf::actor& route) {
    auto x = ask<route_stats>(route, route_stats_atom::value);
    REQUIRE(x);
    return *x;
  }

  /// The current incarnation of child `id` of `sup`.
  caf::actor current_of(const caf::actor& sup, const std::string& id) {
    auto xs = ask<std::vector<child_info>>(sup, which_children_atom::value);
    REQUIRE(xs);
    for (auto& x : *xs)
      if (x.id == id)
        return x.current;
    FAIL("no child " << id);
    return {};
  }

  child_counts counts(const caf::actor& sup) {
    auto x = ask<child_counts>(sup, count_children_atom::value);
    REQUIRE(x);
    return *x;
  }
};

} // namespace

TEST_CASE_METHOD(loop_fixture,
                 "a hung worker, which its supervisor does not notice, is "
                 "found by its missing heartbeats, restarted, and answers "
                 "again",
                 "[healing][loop]") {
  auto tree = supervisor_builder("root")
                .worker("worker", start(worker, std::string{"root/worker"}))
                .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  auto ep = tree->endpoint("worker");
  auto hb = spawn_detector<heartbeat_detector>(sys, heartbeat_detector_settings{});
  REQUIRE(hb);
  track(*hb);
  classifier();
  healing_settings s;
  s.default_ladder = {"restart"};
  heal_target t;
  t.name = "root/worker";
  t.supervisor = tree->root;
  t.child = "worker";
  auto o = spawn_orchestrator(sys, s, {{"restart", restart()}}, {t});
  REQUIRE(o);
  track(*o);
  // A healthy history of heartbeats, then the hang.
  for (int i = 0; i < 30; ++i)
    advance(100ms);
  drain();
  CHECK(ask<int>(ep, work_atom::value, 1) == 2);
  auto hang_at = now().time_since_epoch();
  self->send(ep, hang_atom::value);
  run();
  self->request(ep, caf::infinite, work_atom::value, 2);
  run();
  CHECK(!has_reply()); // hung: no answer
  REQUIRE(wait_for(healing_event_kind::succeeded, 100ms, 30s));
  CHECK(count(healing_event_kind::acted) == 1);
  for (auto& e : *events)
    if (e.kind == healing_event_kind::succeeded) {
      CHECK(e.strategy == "restart");
      CHECK(e.cls == fault_class::hang);
      CHECK(e.target == "root/worker");
      // Found by the missing heartbeats (phi needs several missed beats),
      // and healed at once: in virtual time the restart takes no time.
      CHECK(e.at - hang_at >= 300ms);
      CHECK(e.at - hang_at <= 5s);
      CHECK(e.time_to_recover >= 0s);
    }
  // The fault is measurably gone: the worker answers again.
  auto answer = ask<int>(ep, work_atom::value, 41);
  REQUIRE(answer);
  CHECK(*answer == 42);
}

TEST_CASE_METHOD(loop_fixture,
                 "a leaking worker is restarted from the predicted fault, "
                 "before it runs out",
                 "[healing][loop]") {
  auto peak = std::make_shared<double>(0.0);
  auto tree = supervisor_builder("root")
                .worker("cache", start(leaky, std::string{"root/cache"}, peak))
                .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  trend_detector_settings trend;
  trend.limits.push_back(trend_limit{"memory_mb", 400.0});
  trend.window = 2min;
  trend.min_history = 30s;
  trend.horizon = 10min;
  auto td = spawn_detector<trend_detector>(sys, trend);
  REQUIRE(td);
  track(*td);
  classifier();
  healing_settings s;
  s.ladders[fault_class::resource_exhaustion_predicted] = {"restart"};
  heal_target t;
  t.name = "root/cache";
  t.supervisor = tree->root;
  t.child = "cache";
  auto o = spawn_orchestrator(sys, s, {{"restart", restart()}}, {t});
  REQUIRE(o);
  track(*o);
  drain();
  REQUIRE(wait_for(healing_event_kind::succeeded, 1s, 10min));
  for (auto& e : *events)
    if (e.kind == healing_event_kind::succeeded) {
      CHECK(e.strategy == "restart");
      CHECK(e.cls == fault_class::resource_exhaustion_predicted);
    }
  // Restarted long before the limit: the peak stayed far below 400 MB.
  CHECK(*peak < 300.0);
  auto before = *peak;
  advance(10s);
  drain();
  CHECK(*peak == before); // the new incarnation starts again from 100 MB
}

namespace {

/// A supervised primary behind a route that measures its clients' latency,
/// a standby, and the orchestrator failing slow targets over.
struct failover_fixture : loop_fixture {
  caf::actor ep;
  caf::actor route;
  caf::actor view;
  outcome_log log = std::make_shared<std::vector<outcome>>();
  caf::timespan slow_at{0};

  /// Sets everything up, runs 10 s of healthy traffic (a request every
  /// 100 ms), then makes the primary answer after 500 ms for `stall`: a
  /// stall its supervisor sees nothing of. `ladder` heals slow faults.
  void start_stall(caf::timespan stall,
                   std::vector<std::string> ladder = {"failover"}) {
    auto tree
      = supervisor_builder("root")
          .worker("api", start(service, std::string{"primary"},
                               caf::timespan{20ms}))
          .spawn(sys);
    REQUIRE(tree);
    track(tree->root);
    ep = tree->endpoint("api");
    auto standby
      = track(sys.spawn(service, std::string{"standby"}, caf::timespan{20ms}));
    // The route measures what its clients see and publishes it.
    auto r = route_builder("api").metrics(1s, "root/api").to(sys, ep);
    REQUIRE(r);
    route = track(*r);
    threshold("latency_ms", "root/api", 200, 100, 2s);
    classifier();
    view = health_view();
    failover_strategy_settings fs;
    fs.health_view = view;
    fs.stable_period = 20s;
    auto failover = spawn_failover_strategy(sys, fs);
    REQUIRE(failover);
    track(*failover);
    healing_settings s;
    s.policy = healing_policy::first_applicable;
    s.ladders[fault_class::slow] = std::move(ladder);
    heal_target t;
    t.name = "root/api";
    t.supervisor = tree->root;
    t.child = "api";
    t.endpoint = ep;
    t.standby = standby;
    orchestrator(s, {{"failover", *failover}, {"restart", restart()}}, {t});
    track(sys.spawn(client, route, caf::timespan{100ms}, log));
    advance_exact(10s);
    slow_at = since_epoch();
    auto healthy = seen(*log, 0s, slow_at);
    CHECK(healthy.n >= 90);
    CHECK(healthy.errors == 0);
    CHECK(healthy.by["primary"] == healthy.n);
    CHECK(healthy.max_ms == Approx(20));
    self->send(ep, slow_atom::value, caf::timespan{500ms}, stall);
  }
};

} // namespace

TEST_CASE_METHOD(failover_fixture,
                 "a slow replica is failed over and clients' latency returns "
                 "to normal; after the stable period it fails back to the "
                 "recovered primary",
                 "[healing][loop][failover]") {
  // The primary stalls for 15 s, then recovers by itself.
  start_stall(15s);
  REQUIRE(wait_for(healing_event_kind::succeeded, 100ms, 30s));
  INFO(history());
  auto acted = first(healing_event_kind::acted);
  auto ok = first(healing_event_kind::succeeded);
  CHECK(acted.strategy == "failover");
  CHECK_THAT(acted.detail, Catch::Contains("at its standby"));
  CHECK(ok.strategy == "failover");
  CHECK(ok.cls == fault_class::slow);
  CHECK(ok.target == "root/api");
  // Found by the route's latency (2 s over 200 ms), acted on at once, and
  // cleared by the latency back under 100 ms for 2 s.
  CHECK(acted.at - slow_at >= 2s);
  CHECK(acted.at - slow_at <= 5s);
  CHECK(ok.at - acted.at >= 2s);
  CHECK(ok.at - acted.at <= 5s);
  CHECK(count(healing_event_kind::failed) == 0);
  // (A request sent at the very instant of a change may see either side:
  // the windows below start 1 ms after each change.) The client saw the
  // stall before the failover...
  auto stalled = seen(*log, slow_at + 1ms, acted.at);
  CHECK(stalled.errors == 0);
  CHECK(stalled.by["primary"] == stalled.n);
  CHECK(stalled.mean_ms == Approx(500));
  // ... and the standby's normal latency after it, while the primary is
  // still stalled: every request answered, none by the primary.
  advance_exact(slow_at + 15s - since_epoch());
  auto on_standby = seen(*log, acted.at + 1ms, slow_at + 15s);
  CHECK(on_standby.n >= 90);
  CHECK(on_standby.errors == 0);
  CHECK(on_standby.by["standby"] == on_standby.n);
  CHECK(on_standby.max_ms == Approx(20));
  CHECK(health(view, "root/api").state == health_state::healthy);
  // The stable period (20 s from the failover) ends with the target
  // healthy: the endpoint points at the primary again, which recovered.
  advance_exact(acted.at + 20s - since_epoch() - 100ms);
  auto last_standby = seen(*log, acted.at + 1ms, since_epoch());
  CHECK(last_standby.by["standby"] == last_standby.n);
  advance_exact(15s);
  auto back = seen(*log, acted.at + 20s + 100ms, since_epoch());
  CHECK(back.n >= 140);
  CHECK(back.errors == 0);
  CHECK(back.by["primary"] == back.n);
  CHECK(back.max_ms == Approx(20));
  // One healing, no relapse, no second fault.
  CHECK(count(healing_event_kind::decided) == 1);
  CHECK(count(healing_event_kind::relapsed) == 0);
  CHECK(health(view, "root/api").state == health_state::healthy);
}

TEST_CASE_METHOD(loop_fixture,
                 "an overloaded pool is scaled out, its latency recovers, and "
                 "after the hold it shrinks back to its size",
                 "[healing][loop][scale_out]") {
  supervisor_flags f;
  f.name = "pool";
  f.strategy = strategy::simple_one_for_one;
  auto sup = spawn_supervisor(
    sys, f,
    {child_spec::worker("svc", pool_start<>(pool_worker, caf::timespan{100ms}))
       .with_restart(restart_type::transient)});
  REQUIRE(sup);
  track(*sup);
  run();
  for (int i = 0; i < 2; ++i)
    REQUIRE(ask<child_info>(*sup, start_child_atom::value, caf::message{}));
  REQUIRE(counts(*sup).workers == 2);
  // Two workers of 100 ms each serve up to 20 requests a second.
  threshold("latency_ms", "pool", 300, 150, 2s);
  classifier();
  auto view = health_view();
  scale_out_strategy_settings ss;
  ss.add = 2;
  ss.hold = 60s;
  ss.max_children = 8;
  ss.health_view = view;
  auto scale = spawn_scale_out_strategy(sys, ss);
  REQUIRE(scale);
  track(*scale);
  healing_settings s;
  s.ladders[fault_class::slow] = {"scale_out"};
  s.verify_window = 20s;
  heal_target t;
  t.name = "pool";
  t.supervisor = *sup;
  orchestrator(s, {{"scale_out", *scale}}, {t});
  auto load = std::make_shared<pool_load>();
  load->gap = 100ms; // 10 requests a second
  track(sys.spawn(pool_client, *sup, std::string{"pool"}, load));
  advance_exact(10s);
  auto surge_at = since_epoch();
  auto calm = seen(load->log, 1s, surge_at);
  CHECK(calm.errors == 0);
  CHECK(calm.max_ms == Approx(100));
  // A surge to 30 requests a second: more than the two workers can serve,
  // their queues and the latency the client measures (and publishes) grow.
  load->gap = std::chrono::nanoseconds{1s} / 30;
  REQUIRE(wait_for(healing_event_kind::succeeded, 100ms, 40s));
  INFO(history());
  auto acted = first(healing_event_kind::acted);
  auto ok = first(healing_event_kind::succeeded);
  CHECK(acted.strategy == "scale_out");
  CHECK_THAT(acted.detail, Catch::Contains("2 -> 4"));
  CHECK(ok.strategy == "scale_out");
  CHECK(ok.cls == fault_class::slow);
  CHECK(ok.target == "pool");
  CHECK(counts(*sup).workers == 4);
  auto overloaded = seen(load->log, surge_at, acted.at);
  CHECK(overloaded.max_ms > 300);
  // The surge goes on for 40 s: four workers serve it at the normal
  // latency.
  advance_exact(surge_at + 40s - since_epoch());
  auto served = seen(load->log, ok.at, surge_at + 40s - 1s);
  CHECK(served.n >= 30 * 20);
  CHECK(served.errors == 0);
  CHECK(served.max_ms <= 150);
  CHECK(load->workers == 4);
  // The surge is over; the hold (60 s from the scale-out) ends with no
  // active fault: the pool shrinks back to its two workers.
  load->gap = 100ms;
  advance_exact(acted.at + 60s - since_epoch() - 100ms);
  CHECK(counts(*sup).workers == 4);
  advance_exact(200ms);
  CHECK(counts(*sup).workers == 2);
  CHECK(counts(*sup).active == 2);
  auto shrunk_at = since_epoch();
  advance_exact(20s);
  auto after = seen(load->log, shrunk_at, since_epoch() - 1s);
  CHECK(after.n >= 180);
  CHECK(after.errors == 0);
  CHECK(after.max_ms == Approx(100));
  CHECK(load->workers == 2);
  auto all = seen(load->log, 0s, since_epoch());
  CHECK(all.errors == 0);
  CHECK(count(healing_event_kind::decided) == 1);
  CHECK(count(healing_event_kind::relapsed) == 0);
}

namespace {

/// A supervised worker behind a route with a breaker, watched by Remedy's
/// rules for what routes publish; the orchestrator isolates error spikes.
struct isolate_fixture : loop_fixture {
  caf::actor ep;
  caf::actor route;
  caf::actor view;
  outcome_log log = std::make_shared<std::vector<outcome>>();
  caf::timespan burst_at{0};

  /// Sets everything up, runs 10 s of healthy traffic (a request every
  /// 100 ms), then makes every request fail for `burst`.
  void start_burst(caf::timespan burst, caf::timespan verify_window) {
    auto tree = supervisor_builder("root")
                  .worker("db", start(service, std::string{"db"},
                                      caf::timespan{20ms}))
                  .spawn(sys);
    REQUIRE(tree);
    track(tree->root);
    ep = tree->endpoint("db");
    // A breaker that only the healer opens within these tests (it would
    // trip by itself after 200 calls).
    circuit_breaker_settings b;
    b.window_size = 200;
    b.minimum_calls = 200;
    auto r = route_builder("db").breaker(b).metrics(1s, "root/db").to(sys, ep);
    REQUIRE(r);
    route = track(*r);
    auto td = spawn_detector<threshold_detector>(
      sys, threshold_detector_settings::route_defaults());
    REQUIRE(td);
    track(*td);
    classifier();
    view = health_view();
    isolate_strategy_settings is;
    is.health_view = view;
    is.probation = 10s;
    auto isolate = spawn_isolate_strategy(sys, is);
    REQUIRE(isolate);
    track(*isolate);
    healing_settings s;
    s.ladders[fault_class::error_spike] = {"isolate"};
    s.verify_window = verify_window;
    heal_target t;
    t.name = "root/db";
    t.route = route;
    t.supervisor = tree->root;
    t.child = "db";
    orchestrator(s, {{"isolate", *isolate}}, {t});
    track(sys.spawn(client, route, caf::timespan{100ms}, log));
    advance_exact(10s);
    burst_at = since_epoch();
    auto healthy = seen(*log, 0s, burst_at);
    CHECK(healthy.n >= 90);
    CHECK(healthy.errors == 0);
    CHECK(healthy.by["db"] == healthy.n);
    self->send(ep, fail_atom::value, burst);
  }
};

} // namespace

TEST_CASE_METHOD(isolate_fixture,
                 "a worker with an error burst is isolated: quarantined, and "
                 "its route fails fast without reaching it",
                 "[healing][loop][isolate]") {
  start_burst(8s, 10s);
  REQUIRE(wait_for(healing_event_kind::acted, 100ms, 15s));
  INFO(history());
  auto acted = first(healing_event_kind::acted);
  CHECK(acted.strategy == "isolate");
  CHECK(acted.cls == fault_class::error_spike);
  CHECK(acted.target == "root/db");
  CHECK_THAT(acted.detail, Catch::Contains("forced the breaker of its route "
                                           "open and quarantined it"));
  // The error-burst rule: 50 % errors held for 3 s, from 1 s samples.
  CHECK(acted.at - burst_at >= 3s);
  CHECK(acted.at - burst_at <= 6s);
  auto failing = seen(*log, burst_at + 1ms, acted.at);
  CHECK(failing.n >= 30);
  CHECK(failing.errors == failing.n);
  CHECK(failing.breaker_open == 0);
  CHECK(health(view, "root/db").state == health_state::quarantined);
  auto before = stats_of(route);
  auto from = since_epoch();
  CHECK(before.state == breaker_state::forced_open);
  advance_exact(5s);
  // Every request fails fast (no time at all in virtual time) and none
  // reaches the worker: the breaker rejected each one.
  auto isolated = seen(*log, from + 1ms, since_epoch() + 1ms);
  CHECK(isolated.n >= 49);
  CHECK(isolated.breaker_open == isolated.n);
  CHECK(isolated.max_ms == 0);
  auto after = stats_of(route);
  CHECK(after.rejected_open - before.rejected_open == isolated.n);
  CHECK(after.window_calls == before.window_calls);
}

// The isolation removes the evidence that could clear the fault it
// isolates: with the breaker held open no call reaches the worker, so the
// route publishes no error rate and the detector holds the last one (1.0).
// So isolate probes: at the end of a probation whose fault is still active
// it half-opens the breaker; the probe calls reach the worker, the breaker
// closes if they succeed, fresh samples clear the fault, and the next
// probation's end releases the worker.
TEST_CASE_METHOD(isolate_fixture,
                 "a worker with an error burst is isolated and released "
                 "after the burst ended, a probe found it well and its "
                 "probation passed",
                 "[healing][loop][isolate]") {
  // A verification window long enough for a fault that can only clear
  // after a probe (the first probation's end, 10 s), then 5 s of calls
  // below 10 %.
  start_burst(8s, 30s);
  REQUIRE(wait_for(healing_event_kind::acted, 100ms, 15s));
  auto acted = first(healing_event_kind::acted);
  REQUIRE(acted.strategy == "isolate");
  REQUIRE(health(view, "root/db").state == health_state::quarantined);
  // The burst ends 8 s after it started. The first probation ends 10 s
  // after the isolation with the fault still active (no fresh samples):
  // probe. The probes succeed, the breaker closes, the error rate is 0 for
  // 5 s and the fault clears; the second probation's end releases.
  advance_exact(acted.at + 10s + 1s - since_epoch());
  CHECK(health(view, "root/db").state == health_state::quarantined);
  CHECK(stats_of(route).state != breaker_state::forced_open); // probing
  advance_exact(acted.at + 20s + 1s - since_epoch());
  INFO(history());
  auto h = health(view, "root/db");
  INFO("isolated at " << acted.at.count() / 1'000'000 << " ms; now "
                      << since_epoch().count() / 1'000'000 << " ms; health "
                      << describe(h));
  CHECK(h.state != health_state::quarantined);
  CHECK(stats_of(route).state == breaker_state::closed);
  CHECK(wait_for(healing_event_kind::succeeded, 100ms, 30s));
  CHECK(count(healing_event_kind::failed) == 0);
  for (auto& e : *events)
    if (e.kind == healing_event_kind::succeeded) {
      CHECK(e.strategy == "isolate");
      CHECK(e.cls == fault_class::error_spike);
    }
  advance_exact(5s);
  auto released = seen(*log, since_epoch() - 5s, since_epoch());
  CHECK(released.n >= 49);
  CHECK(released.errors == 0);
  CHECK(released.by["db"] == released.n);
  CHECK(health(view, "root/db").state == health_state::healthy);
}

TEST_CASE_METHOD(loop_fixture,
                 "the ladder escalates from a strategy that does not cure the "
                 "fault to one that does, in the full loop",
                 "[healing][loop][ladder]") {
  auto tree
    = supervisor_builder("root")
        .worker("api", start(service, std::string{"api"}, caf::timespan{20ms}))
        .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  auto ep = tree->endpoint("api");
  bulkhead_settings pool;
  pool.max_concurrent = 8;
  pool.max_queue = 100;
  pool.max_wait = 5s;
  // A timeout, so that requests lost with an incarnation end (and give
  // their permits back).
  auto route = route_builder("api")
                 .timeout(2s)
                 .bulkhead(pool)
                 .metrics(1s, "root/api")
                 .to(sys, ep);
  REQUIRE(route);
  track(*route);
  threshold("latency_ms", "root/api", 200, 100, 2s);
  classifier();
  throttle_strategy_settings ts;
  ts.step_interval = 10s;
  auto throttle = spawn_throttle_strategy(sys, ts);
  REQUIRE(throttle);
  track(*throttle);
  healing_settings s;
  s.policy = healing_policy::first_applicable;
  s.ladders[fault_class::slow] = {"throttle", "restart"};
  heal_target t;
  t.name = "root/api";
  t.route = *route;
  t.supervisor = tree->root;
  t.child = "api";
  orchestrator(s, {{"throttle", *throttle}, {"restart", restart()}}, {t});
  auto log = std::make_shared<std::vector<outcome>>();
  track(sys.spawn(client, *route, caf::timespan{100ms}, log));
  advance_exact(10s);
  auto first_incarnation = current_of(tree->root, "api");
  REQUIRE(first_incarnation);
  // The worker's incarnation degrades for good (a corrupted cache, say):
  // every answer takes 500 ms, however few requests it gets. Throttling
  // does not cure that; a new incarnation does.
  auto slow_at = since_epoch();
  self->send(ep, slow_atom::value, caf::timespan{500ms}, caf::timespan{1h});
  REQUIRE(wait_for(healing_event_kind::acted, 100ms, 10s));
  auto throttled = first(healing_event_kind::acted);
  CHECK(throttled.strategy == "throttle");
  CHECK(throttled.attempt == 0);
  CHECK(throttled.at - slow_at >= 2s);
  CHECK(throttled.at - slow_at <= 5s);
  CHECK(stats_of(*route).bulkhead_max_concurrent == 4);
  // The throttle acted, the fault stays: after the verification window the
  // healing failed and the next rung acts.
  REQUIRE(wait_for(healing_event_kind::succeeded, 100ms, 20s));
  INFO(history());
  auto fail = first(healing_event_kind::failed);
  CHECK(fail.strategy == "throttle");
  CHECK(fail.attempt == 0);
  CHECK_THAT(fail.detail, Catch::Contains("fault still active"));
  CHECK(fail.at - throttled.at == 10s);
  // Throttling did not cure it: what was answered still took 500 ms and
  // more, and with 4 permits for 5 requests in flight (10 a second of
  // 500 ms each) the bulkhead's queue grew until requests ran into the
  // route's timeout there.
  auto still_slow = seen(*log, throttled.at + 1ms, fail.at);
  CHECK(still_slow.n >= 90);
  CHECK(still_slow.mean_ms >= 500);
  CHECK(still_slow.errors > 0);
  CHECK(still_slow.timeouts == still_slow.errors);
  std::vector<healing_event> acts;
  for (auto& e : *events)
    if (e.kind == healing_event_kind::acted)
      acts.push_back(e);
  REQUIRE(acts.size() == 2);
  auto restarted = acts[1];
  CHECK(restarted.strategy == "restart");
  CHECK(restarted.attempt == 1);
  CHECK(restarted.at == fail.at);
  auto ok = first(healing_event_kind::succeeded);
  CHECK(ok.strategy == "restart");
  CHECK(ok.attempt == 1);
  CHECK(ok.cls == fault_class::slow);
  CHECK(ok.at - restarted.at <= 5s);
  CHECK(current_of(tree->root, "api") != first_incarnation);
  // The new incarnation answers at the normal latency, every request.
  advance_exact(10s);
  auto cured = seen(*log, ok.at, since_epoch() - 1s);
  CHECK(cured.n >= 90);
  CHECK(cured.errors == 0);
  CHECK(cured.by["api"] == cured.n);
  CHECK(cured.max_ms == Approx(20));
  // The throttle stepped back to the original size meanwhile, and nothing
  // was left behind in the route (at most the client's latest request is
  // in flight).
  auto rs = stats_of(*route);
  CHECK(rs.bulkhead_max_concurrent == 8);
  CHECK(rs.in_flight <= 1);
  CHECK(rs.bulkhead_in_flight == rs.in_flight);
  CHECK(rs.bulkhead_waiting == 0);
  CHECK(count(healing_event_kind::decided) == 2);
  CHECK(count(healing_event_kind::failed) == 1);
  CHECK(count(healing_event_kind::succeeded) == 1);
}

TEST_CASE_METHOD(failover_fixture,
                 "a replica still slow when the stable period ends is failed "
                 "back to all the same, the fault relapses, and the ladder's "
                 "next rung cures it",
                 "[healing][loop][failover]") {
  // The primary's incarnation stays slow until it is restarted.
  start_stall(1h, {"failover", "restart"});
  REQUIRE(wait_for(healing_event_kind::succeeded, 100ms, 30s));
  INFO(history());
  auto acted = first(healing_event_kind::acted);
  CHECK(acted.strategy == "failover");
  advance_exact(acted.at + 20s - since_epoch() - 100ms);
  auto on_standby = seen(*log, acted.at + 1ms, since_epoch());
  CHECK(on_standby.by["standby"] == on_standby.n);
  CHECK(on_standby.max_ms == Approx(20));
  // During the failover the route measures the standby, so the health view
  // shows the target healthy, and the failback at the end of the stable
  // period goes to the primary that is still slow: the clients' latency is
  // back at 500 ms, and the fault comes back.
  REQUIRE(wait_for(healing_event_kind::relapsed, 100ms, 10s));
  auto relapsed = first(healing_event_kind::relapsed);
  CHECK(relapsed.strategy == "failover");
  CHECK(relapsed.cls == fault_class::slow);
  auto failed_back = seen(*log, acted.at + 20s + 1ms, relapsed.at - 1s);
  CHECK(failed_back.n >= 15);
  CHECK(failed_back.by["primary"] == failed_back.n);
  CHECK(failed_back.mean_ms == Approx(500));
  // The relapsed fault starts on the other rung: the restart gives the
  // primary a new incarnation, which answers at the normal latency.
  REQUIRE(wait_for(healing_event_kind::succeeded, 100ms, 15s, 2));
  std::vector<healing_event> oks;
  for (auto& e : *events)
    if (e.kind == healing_event_kind::succeeded)
      oks.push_back(e);
  REQUIRE(oks.size() == 2);
  CHECK(oks[0].strategy == "failover");
  CHECK(oks[1].strategy == "restart");
  CHECK(oks[1].cls == fault_class::slow);
  advance_exact(10s);
  auto cured = seen(*log, oks[1].at, since_epoch() - 1s);
  CHECK(cured.n >= 90);
  CHECK(cured.errors == 0);
  CHECK(cured.by["primary"] == cured.n);
  CHECK(cured.max_ms == Approx(20));
  CHECK(count(healing_event_kind::relapsed) == 1);
  CHECK(count(healing_event_kind::failed) == 0);
  CHECK(health(view, "root/api").state == health_state::healthy);
}
