// Healing strategies acting through the scheduler: "isolate" quarantines a
// worker's target in the health view, and the scheduler, which follows the
// view's verdicts, places no work on that worker until the probation ends;
// "scale_out" adds a child to a pool the scheduler follows, which becomes a
// worker, and its undo takes it away again.

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "remedy/scheduling/scheduler.hpp"
#include "remedy/strategies/isolate_strategy.hpp"
#include "remedy/strategies/scale_out_strategy.hpp"
#include "remedy/supervision/supervisor.hpp"
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

TEST_CASE_METHOD(strategy_fixture,
                 "scale_out acts through the scheduler: a scheduler following "
                 "a simple_one_for_one pool gets the child a scale-out adds, "
                 "keeps a crashed child's endpoint through its restart, and "
                 "drops the child an undo removes",
                 "[scheduling][strategies][scale_out]") {
  auto tmpl = child_spec::worker("svc", pool_start<std::string>(service, starts))
                .with_restart(restart_type::permanent);
  auto sup = spawn_sup(flags(strategy::simple_one_for_one), {tmpl});
  for (int i = 0; i < 2; ++i)
    REQUIRE(ask<child_info>(sup, start_child_atom::value,
                            caf::make_message(std::string{"svc"})));
  auto sched = spawn_scheduler(sys, scheduler_settings{});
  REQUIRE(sched);
  track(*sched);
  run();
  REQUIRE(!ask_unit(*sched, sched_follow_atom::value, sup, std::string{"sup"}));
  auto names = [&] {
    std::vector<std::string> r;
    auto ws = ask<std::vector<worker_info>>(*sched, sched_workers_atom::value);
    REQUIRE(ws);
    for (auto& w : *ws)
      r.push_back(w.name);
    std::sort(r.begin(), r.end());
    return r;
  };
  CHECK(names() == std::vector<std::string>{"sup/svc#1", "sup/svc#2"});
  auto view = health_view();
  scale_out_strategy_settings st;
  st.args = caf::make_message(std::string{"svc"});
  st.health_view = view;
  auto s = spawn_scale_out_strategy(sys, st);
  REQUIRE(s);
  track(*s);
  run();
  heal_target t;
  t.name = "sup";
  t.supervisor = sup;
  auto done = execute(*s, order(1, fault_class::slow, t));
  REQUIRE(done);
  CHECK(names()
        == std::vector<std::string>{"sup/svc#1", "sup/svc#2", "sup/svc#3"});
  // The new worker takes tasks.
  for (int i = 0; i < 30; ++i) {
    auto x = ask<std::string>(*sched, ping_atom::value);
    REQUIRE(x);
    CHECK(*x == "svc");
  }
  auto ws = ask<std::vector<worker_info>>(*sched, sched_workers_atom::value);
  REQUIRE(ws);
  for (auto& w : *ws)
    if (w.name == "sup/svc#3")
      CHECK(w.done > 0);
  // A child crashes and restarts: its endpoint stays the worker.
  for (auto& c : children(sup))
    if (c.id == "svc#1")
      caf::anon_send_exit(c.current, caf::exit_reason::kill);
  run();
  CHECK(names()
        == std::vector<std::string>{"sup/svc#1", "sup/svc#2", "sup/svc#3"});
  for (int i = 0; i < 10; ++i)
    REQUIRE(ask<std::string>(*sched, ping_atom::value));
  // Undo terminates the added child: it is no worker any more.
  REQUIRE(undo(*s, *done));
  CHECK(names() == std::vector<std::string>{"sup/svc#1", "sup/svc#2"});
  auto stats = ask<scheduler_stats>(*sched, sched_stats_atom::value);
  REQUIRE(stats);
  CHECK(stats->done == 40);
  CHECK(stats->failed + stats->expired + stats->rejected == 0);
}
