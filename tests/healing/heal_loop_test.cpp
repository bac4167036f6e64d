// The whole loop in virtual time, with nothing scripted: real faults in
// supervised workers, Remedy's detectors and classifier naming them, the
// orchestrator choosing a built-in strategy, the strategy acting on the
// supervision tree, and the fault verified gone.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "remedy/classification/classifier.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/detection/detector_actor.hpp"
#include "remedy/detection/heartbeat_detector.hpp"
#include "remedy/detection/trend_detector.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/healing/orchestrator.hpp"
#include "remedy/strategies/restart_strategy.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using work_atom = caf::atom_constant<caf::atom("t_work")>;
using hang_atom = caf::atom_constant<caf::atom("t_hang")>;
using beat_atom = caf::atom_constant<caf::atom("t_beat")>;
using leak_atom = caf::atom_constant<caf::atom("t_leak")>;

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

struct loop_fixture : fixture {
  std::vector<healing_event> events;

  loop_fixture() {
    subscribe(self.ptr(), "healing.");
  }

  void drain() {
    run();
    while (has_reply())
      self->receive([&](healing_event& e) { events.push_back(std::move(e)); });
  }

  /// Advances in steps of `step` until a `kind` event arrived (at most
  /// `limit`); returns whether one did.
  bool wait_for(healing_event_kind kind, caf::timespan step,
                caf::timespan limit) {
    for (auto t = caf::timespan{0}; t <= limit; t += step) {
      for (auto& e : events)
        if (e.kind == kind)
          return true;
      advance(step);
      drain();
    }
    return false;
  }

  size_t count(healing_event_kind kind) const {
    size_t n = 0;
    for (auto& e : events)
      n += e.kind == kind ? 1 : 0;
    return n;
  }

  caf::actor classifier() {
    classifier_settings rules;
    rules.clear_after = 0s;
    auto c = spawn_classifier(sys, rules);
    REQUIRE(c);
    return track(*c);
  }

  caf::actor restart() {
    auto r = spawn_restart_strategy(sys);
    REQUIRE(r);
    return track(*r);
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
  for (auto& e : events)
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
  for (auto& e : events)
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
