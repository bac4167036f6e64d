// The healing strategy "isolate" acting through the scheduler: it
// quarantines a worker's target in the health view, and the scheduler,
// which follows the view's verdicts, places no work on that worker until
// the probation ends and the strategy releases it.

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>

#include "remedy/scheduling/scheduler.hpp"
#include "remedy/strategies/isolate_strategy.hpp"
#include "strategies/strategy_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

caf::behavior counting_worker(caf::event_based_actor*, std::string name,
                              std::shared_ptr<std::map<std::string, int>> ran) {
  return {
    [=](int x) {
      ++(*ran)[name];
      return x;
    },
  };
}

} // namespace

TEST_CASE_METHOD(strategy_fixture,
                 "isolate acts through the scheduler: a quarantined worker "
                 "gets no task during its probation and gets work again once "
                 "released",
                 "[scheduling][strategies][isolate]") {
  auto ran = std::make_shared<std::map<std::string, int>>();
  auto view = health_view();
  auto sched = spawn_scheduler(sys, scheduler_settings{});
  REQUIRE(sched);
  track(*sched);
  for (auto name : {"app/w1", "app/w2"}) {
    auto w = track(sys.spawn(counting_worker, std::string{name}, ran));
    REQUIRE(!ask_unit(*sched, sched_add_atom::value, w, std::string{name}));
  }
  isolate_strategy_settings st;
  st.health_view = view;
  st.probation = 10s;
  auto iso = spawn_isolate_strategy(sys, st);
  REQUIRE(iso);
  track(*iso);
  run();
  auto tasks = [&](int n) {
    ran->clear();
    for (int i = 0; i < n; ++i) {
      auto x = ask<int>(*sched, i);
      REQUIRE(x);
      CHECK(*x == i);
    }
  };
  tasks(50);
  CHECK((*ran)["app/w1"] > 0);
  // A fault, and the strategy isolates the worker; the fault clears at once,
  // but the quarantine holds for the probation.
  fault_of(view, "app/w1", fault_class::error_spike, 7);
  heal_target t;
  t.name = "app/w1";
  auto done = execute(*iso, order(1, fault_class::error_spike, t));
  REQUIRE(done);
  fault_of(view, "app/w1", fault_class::error_spike, 7, false);
  CHECK(health(view, "app/w1").state == health_state::quarantined);
  tasks(50);
  CHECK((*ran)["app/w1"] == 0);
  CHECK((*ran)["app/w2"] == 50);
  auto ws = ask<std::vector<worker_info>>(*sched, sched_workers_atom::value);
  REQUIRE(ws);
  for (auto& w : *ws)
    CHECK(w.state == (w.name == "app/w1" ? "faulty" : "ready"));
  // The probation ends with no fault active: released, and back in use.
  advance(10s);
  CHECK(health(view, "app/w1").state == health_state::healthy);
  tasks(50);
  CHECK((*ran)["app/w1"] > 0);
}
