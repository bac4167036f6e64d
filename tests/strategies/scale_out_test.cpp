// The strategy "scale_out" on a real simple_one_for_one pool: count_children
// grows by `add`, and after the hold, once the health view shows no active
// fault, comes back to its size, by exactly the children the strategy added.

#include <catch2/catch.hpp>

#include <algorithm>

#include "remedy/strategies/scale_out_strategy.hpp"
#include "strategies/strategy_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

struct scale_out_fixture : strategy_fixture {
  caf::actor view = health_view();

  /// A pool of services, with `n` children started.
  caf::actor pool(int n, start_fn fn = {}) {
    if (!fn)
      fn = pool_start<std::string>(service, starts);
    auto tmpl
      = child_spec::worker("svc", fn).with_restart(restart_type::transient);
    auto sup = spawn_sup(flags(strategy::simple_one_for_one), {tmpl});
    for (int i = 0; i < n; ++i)
      REQUIRE(ask<child_info>(sup, start_child_atom::value,
                              caf::make_message(std::string{"svc"})));
    return sup;
  }

  caf::actor strategy(scale_out_strategy_settings s) {
    auto x = spawn_scale_out_strategy(sys, std::move(s));
    REQUIRE(x);
    track(*x);
    run();
    return *x;
  }

  scale_out_strategy_settings settings() {
    scale_out_strategy_settings s;
    s.args = caf::make_message(std::string{"svc"});
    s.health_view = view;
    return s; // hold 60 s, add 1, max 16
  }

  std::vector<std::string> ids(const caf::actor& sup) {
    std::vector<std::string> r;
    for (auto& x : children(sup))
      r.push_back(x.id);
    return r;
  }

  heal_target target(const caf::actor& sup) {
    heal_target t;
    t.name = "pool";
    t.supervisor = sup;
    t.child = "svc#1";
    return t;
  }
};

} // namespace

TEST_CASE_METHOD(scale_out_fixture,
                 "scale_out: the pool grows by add, and after the hold with "
                 "no active fault shrinks back by exactly the children added",
                 "[strategies][scale_out]") {
  auto sup = pool(2);
  auto st = settings();
  st.add = 2;
  auto s = strategy(st);
  fault_of(view, "pool", fault_class::slow, 3);
  auto offer = assess(s, order(1, fault_class::slow, target(sup)));
  REQUIRE(offer);
  CHECK(offer->applies);
  CHECK(offer->cost == 0.7);
  auto done = execute(s, order(1, fault_class::slow, target(sup)));
  REQUIRE(done);
  CHECK(done->undoable);
  CHECK_THAT(done->did,
             Catch::Contains("svc#3, svc#4") && Catch::Contains("2 -> 4"));
  CHECK(counts(sup).workers == 4);
  CHECK(counts(sup).active == 4);
  CHECK(ping(current(sup, "svc#4")) == "svc");
  auto kept = current(sup, "svc#1");
  advance(60s); // the fault is active: hold again
  CHECK(counts(sup).workers == 4);
  fault_of(view, "pool", fault_class::slow, 3, false);
  advance(60s - 1ms);
  CHECK(counts(sup).workers == 4);
  advance(1ms);
  CHECK(counts(sup).workers == 2);
  CHECK(ids(sup) == std::vector<std::string>{"svc#1", "svc#2"});
  CHECK(current(sup, "svc#1") == kept);
  auto back = undo(s, *done);
  REQUIRE_FALSE(back);
  check_error(back.error(), errc::not_supported, "scale_out", "pool",
              "gone already");
}

TEST_CASE_METHOD(scale_out_fixture,
                 "scale_out: undo removes the added children at once; a "
                 "restarted added child is still found by its id",
                 "[strategies][scale_out]") {
  auto sup = pool(1);
  auto s = strategy(settings());
  auto done = execute(s, order(1, fault_class::slow, target(sup)));
  REQUIRE(done);
  CHECK(ids(sup) == std::vector<std::string>{"svc#1", "svc#2"});
  crash(sup, "svc#2"); // transient: the pool restarts it
  CHECK(child(sup, "svc#2").restarts == 1);
  auto back = undo(s, *done);
  REQUIRE(back);
  CHECK_THAT(back->did, Catch::Contains("removed the 1 child")
                          && Catch::Contains("svc#2"));
  CHECK(ids(sup) == std::vector<std::string>{"svc#1"});
  advance(60s); // the hold's end finds nothing left
  CHECK(ids(sup) == std::vector<std::string>{"svc#1"});
}

TEST_CASE_METHOD(scale_out_fixture,
                 "scale_out: max_children caps what is added, and a full "
                 "pool is heal_failed",
                 "[strategies][scale_out]") {
  auto sup = pool(2);
  auto st = settings();
  st.add = 5;
  st.max_children = 3;
  auto s = strategy(st);
  auto done = execute(s, order(1, fault_class::slow, target(sup)));
  REQUIRE(done);
  CHECK(counts(sup).workers == 3);
  auto again = execute(s, order(2, fault_class::slow, target(sup)));
  REQUIRE_FALSE(again);
  check_error(again.error(), errc::not_supported, "scale_out", "pool",
              "scaled out already (order 1)");
  REQUIRE(undo(s, *done));
  REQUIRE(ask<child_info>(sup, start_child_atom::value,
                          caf::make_message(std::string{"svc"})));
  auto full = execute(s, order(3, fault_class::slow, target(sup)));
  REQUIRE_FALSE(full);
  check_error(full.error(), errc::heal_failed, "scale_out", "pool",
              "max_children is 3");
  CHECK(counts(sup).workers == 3);
}

TEST_CASE_METHOD(scale_out_fixture,
                 "scale_out: a supervisor that is not a pool is not "
                 "supported; a failing start takes back the children added",
                 "[strategies][scale_out]") {
  auto st = settings();
  st.add = 3;
  auto s = strategy(st);
  SECTION("not a pool") {
    auto sup = spawn_sup(flags(), {worker("a")});
    auto r = execute(s, order(1, fault_class::slow, target(sup)));
    REQUIRE_FALSE(r);
    check_error(r.error(), errc::not_supported, "scale_out", "pool",
                "not a simple_one_for_one pool");
    CHECK(counts(sup).workers == 1);
  }
  SECTION("the second start fails") {
    auto calls = std::make_shared<int>(0);
    auto inner = pool_start<std::string>(service, starts);
    start_fn flaky
      = [calls, inner](caf::actor_system& sys,
                       const caf::message& args) -> caf::expected<caf::actor> {
      if (++*calls == 3)
        return make_error(errc::invalid_argument, "out of ports");
      return inner(sys, args);
    };
    auto sup = pool(1, flaky); // call 1
    auto r = execute(s, order(2, fault_class::slow, target(sup)));
    REQUIRE_FALSE(r);
    check_error(r.error(), errc::heal_failed, "scale_out", "pool",
                "start_pool_child failed");
    CHECK_THAT(context_of(r.error()),
               Catch::Contains("out of ports") && Catch::Contains("svc#2"));
    CHECK(ids(sup) == std::vector<std::string>{"svc#1"});
  }
  SECTION("no supervisor, or another class") {
    heal_target bare;
    bare.name = "lonely";
    auto r = execute(s, order(3, fault_class::slow, bare));
    REQUIRE_FALSE(r);
    check_error(r.error(), errc::not_supported, "scale_out", "lonely",
                "has no supervisor");
    r = execute(s, order(4, fault_class::hang, bare));
    REQUIRE_FALSE(r);
    check_error(r.error(), errc::not_supported, "scale_out", "lonely",
                "not configured for hang");
  }
}

TEST_CASE_METHOD(scale_out_fixture,
                 "scale_out: invalid settings are rejected naming the "
                 "strategy and the field",
                 "[strategies][scale_out][settings]") {
  std::vector<bad_setting<scale_out_strategy_settings>> cases;
  scale_out_strategy_settings s;
  s.add = 0;
  cases.push_back({"add", "0", s});
  s = {};
  s.max_children = 0;
  cases.push_back({"max_children", "0", s});
  s = {};
  s.hold = 0s;
  cases.push_back({"hold", "0ns", s});
  check_rejected(cases, "strategy 'scale_out': ");
  auto x = spawn_scale_out_strategy(sys, cases[0].settings);
  REQUIRE_FALSE(x);
  CHECK(is(x.error(), errc::invalid_argument));
}
