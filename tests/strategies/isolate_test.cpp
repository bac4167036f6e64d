// The strategy "isolate" on a real route and health view: the route's
// breaker is forced open and the health view shows the target quarantined;
// after the probation it is released when no fault is active, and kept (up
// to max_probations, then held until undo) when one is.

#include <catch2/catch.hpp>

#include "remedy/routing/route.hpp"
#include "remedy/routing/route_actor.hpp"
#include "remedy/routing/route_settings.hpp"
#include "remedy/routing/route_stats.hpp"
#include "remedy/routing/type_ids.hpp"
#include "remedy/strategies/isolate_strategy.hpp"
#include "strategies/strategy_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

struct isolate_fixture : strategy_fixture {
  caf::actor svc = track(sys.spawn(service, starts, std::string{"api"}));
  caf::actor view = health_view();

  caf::actor route(bool with_breaker = true) {
    route_settings rs;
    rs.name = "api";
    if (with_breaker)
      rs.breaker.emplace();
    auto r = spawn_route(sys, svc, std::move(rs));
    REQUIRE(r);
    track(*r);
    run();
    return *r;
  }

  caf::actor strategy(isolate_strategy_settings s) {
    auto x = spawn_isolate_strategy(sys, std::move(s));
    REQUIRE(x);
    track(*x);
    run();
    return *x;
  }

  isolate_strategy_settings settings() {
    isolate_strategy_settings s;
    s.health_view = view;
    s.probation = 10s;
    s.max_probations = 2;
    return s;
  }

  breaker_state breaker(const caf::actor& r) {
    auto st = ask<route_stats>(r, route_stats_atom::value);
    REQUIRE(st);
    return st->state;
  }

  heal_target target(const caf::actor& r) {
    heal_target t;
    t.name = "api";
    t.route = r;
    return t;
  }
};

} // namespace

TEST_CASE_METHOD(isolate_fixture,
                 "isolate: breaker forced open and target quarantined, then "
                 "released after the probation once no fault is active",
                 "[strategies][isolate]") {
  auto r = route();
  auto s = strategy(settings());
  fault_of(view, "api", fault_class::error_spike, 7);
  CHECK(health(view, "api").state == health_state::faulty);
  CHECK(ping(r) == "api");
  auto offer = assess(s, order(1, fault_class::error_spike, target(r)));
  REQUIRE(offer);
  CHECK(offer->applies);
  CHECK(offer->cost == 0.5);
  auto done = execute(s, order(1, fault_class::error_spike, target(r)));
  REQUIRE(done);
  CHECK(done->undoable);
  CHECK_THAT(done->did, Catch::Contains("forced the breaker of its route open")
                          && Catch::Contains("quarantined it"));
  CHECK(breaker(r) == breaker_state::forced_open);
  CHECK_THAT(ping(r), Catch::Contains("breaker_open"));
  CHECK(health(view, "api").state == health_state::quarantined);
  // A second order for the same target is refused while it is isolated.
  auto again = execute(s, order(2, fault_class::slow, target(r)));
  REQUIRE_FALSE(again);
  check_error(again.error(), errc::not_supported, "isolate", "api",
              "is isolated already (order 1)");
  fault_of(view, "api", fault_class::error_spike, 7, false); // cleared
  advance(10s - 1ms);
  CHECK(breaker(r) == breaker_state::forced_open);
  advance(1ms);
  CHECK(breaker(r) == breaker_state::closed);
  CHECK(health(view, "api").state == health_state::healthy);
  CHECK(ping(r) == "api");
  // Released already: nothing to undo.
  auto back = undo(s, *done);
  REQUIRE_FALSE(back);
  check_error(back.error(), errc::not_supported, "isolate", "api",
              "not isolated");
}

TEST_CASE_METHOD(isolate_fixture,
                 "isolate: an active fault extends the probation up to "
                 "max_probations, then the target stays isolated until undo",
                 "[strategies][isolate]") {
  auto r = route();
  auto s = strategy(settings()); // probation 10 s, 2 extensions
  fault_of(view, "api", fault_class::slow, 9);
  auto done = execute(s, order(1, fault_class::slow, target(r)));
  REQUIRE(done);
  SECTION("the fault clears during an extension: released at its end") {
    advance(10s); // first probation over: still faulty, extended, probed
    CHECK(breaker(r) == breaker_state::half_open);
    fault_of(view, "api", fault_class::slow, 9, false);
    advance(10s - 1ms);
    CHECK(health(view, "api").state == health_state::quarantined);
    advance(1ms);
    CHECK(breaker(r) == breaker_state::closed);
    CHECK(health(view, "api").state == health_state::healthy);
  }
  SECTION("the fault stays: held after 1 + 2 probations, released by undo") {
    advance(10s);
    advance(10s);
    advance(10s); // the third probation ends: held
    advance(1h);  // nothing more happens by itself
    CHECK(breaker(r) == breaker_state::forced_open);
    CHECK(health(view, "api").state == health_state::quarantined);
    auto back = undo(s, *done);
    REQUIRE(back);
    CHECK_FALSE(back->undoable);
    CHECK_THAT(back->did, Catch::Contains("released 'api'"));
    CHECK(breaker(r) == breaker_state::closed);
    CHECK(ping(r) == "api");
    // The fault is still active: faulty, no longer quarantined.
    CHECK(health(view, "api").state == health_state::faulty);
  }
}

TEST_CASE_METHOD(isolate_fixture,
                 "isolate: an operator's quarantine and forced-open breaker "
                 "are not taken over nor lifted",
                 "[strategies][isolate]") {
  auto r = route();
  auto s = strategy(settings());
  REQUIRE(ask<target_health>(view, quarantine_atom::value, "api"));
  SECTION("both there already: heal_failed, nothing changed") {
    REQUIRE_FALSE(ask_unit(r, breaker_force_open_atom::value));
    auto done = execute(s, order(1, fault_class::hang, target(r)));
    REQUIRE_FALSE(done);
    check_error(done.error(), errc::heal_failed, "isolate", "api",
                "isolated already by someone else");
    CHECK(breaker(r) == breaker_state::forced_open);
  }
  SECTION("only the quarantine: the strategy forces the breaker, and "
          "releases only that") {
    auto done = execute(s, order(1, fault_class::hang, target(r)));
    REQUIRE(done);
    CHECK_THAT(done->did, !Catch::Contains("quarantined it"));
    advance(10s); // no active fault: release
    CHECK(breaker(r) == breaker_state::closed);
    CHECK(health(view, "api").state == health_state::quarantined);
  }
}

TEST_CASE_METHOD(isolate_fixture,
                 "isolate: without a health view only the breaker isolates, "
                 "and the probation's end releases",
                 "[strategies][isolate]") {
  auto r = route();
  auto st = settings();
  st.health_view = nullptr;
  auto s = strategy(st);
  auto done = execute(s, order(1, fault_class::hang, target(r)));
  REQUIRE(done);
  CHECK(breaker(r) == breaker_state::forced_open);
  CHECK(health(view, "api").state == health_state::healthy); // untouched
  advance(10s);
  CHECK(breaker(r) == breaker_state::closed);
}

TEST_CASE_METHOD(isolate_fixture,
                 "isolate: refusals name the strategy and the target",
                 "[strategies][isolate]") {
  auto st = settings();
  st.health_view = nullptr;
  auto s = strategy(st);
  heal_target bare;
  bare.name = "lonely";
  auto offer = assess(s, order(1, fault_class::hang, bare));
  REQUIRE(offer);
  CHECK_FALSE(offer->applies);
  auto r = execute(s, order(1, fault_class::hang, bare));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "isolate", "lonely",
              "no route and the strategy has no health view");
  r = execute(s, order(2, fault_class::crash, bare));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "isolate", "lonely",
              "not configured for crash");
  // A route without a breaker: the strategy tried and could not act.
  auto plain = route(false);
  auto s2 = strategy(settings());
  r = execute(s2, order(3, fault_class::hang, target(plain)));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::heal_failed, "isolate", "api",
              "force_open_breaker on its route failed");
  CHECK(health(view, "api").state == health_state::healthy);
  CHECK(ping(plain) == "api");
}

TEST_CASE_METHOD(isolate_fixture,
                 "isolate: invalid settings are rejected naming the strategy "
                 "and the field",
                 "[strategies][isolate][settings]") {
  std::vector<bad_setting<isolate_strategy_settings>> cases;
  isolate_strategy_settings s;
  s.probation = 0s;
  cases.push_back({"probation", "0ns", s});
  s = {};
  s.request_timeout = -5ns;
  cases.push_back({"request_timeout", "-5ns", s});
  s = {};
  s.cost = pos_inf;
  cases.push_back({"cost", "inf", s});
  check_rejected(cases, "strategy 'isolate': ");
  auto x = spawn_isolate_strategy(sys, cases[0].settings);
  REQUIRE_FALSE(x);
  CHECK(is(x.error(), errc::invalid_argument));
  auto fn = isolate_strategy_start(cases[0].settings);
  CHECK_FALSE(fn(sys, caf::message{}));
}
