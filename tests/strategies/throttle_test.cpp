// The strategy "throttle" on a real route: the bulkhead's permits shrink to
// `factor` (requests beyond them are refused), then double back step by step
// to the original size; undo restores it at once.

#include <catch2/catch.hpp>

#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_actor.hpp"
#include "remedy/routing/route_settings.hpp"
#include "remedy/routing/route_stats.hpp"
#include "remedy/routing/type_ids.hpp"
#include "remedy/strategies/throttle_strategy.hpp"
#include "strategies/strategy_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

struct throttle_fixture : strategy_fixture {
  caf::actor svc = track(sys.spawn(service, starts, std::string{"api"}));
  std::shared_ptr<tally> got = std::make_shared<tally>();
  caf::actor cli = track(sys.spawn(client, got));

  caf::actor route(std::optional<uint32_t> permits = 8) {
    route_settings rs;
    rs.name = "api";
    if (permits) {
      rs.bulkhead.emplace();
      rs.bulkhead->max_concurrent = *permits;
      rs.bulkhead->max_queue = 0;
    }
    auto r = spawn_route(sys, svc, std::move(rs));
    REQUIRE(r);
    track(*r);
    run();
    return *r;
  }

  caf::actor strategy(throttle_strategy_settings s = {}) {
    auto x = spawn_throttle_strategy(sys, std::move(s));
    REQUIRE(x);
    track(*x);
    run();
    return *x;
  }

  route_stats stats(const caf::actor& r) {
    auto x = ask<route_stats>(r, route_stats_atom::value);
    REQUIRE(x);
    return *x;
  }

  uint32_t permits(const caf::actor& r) {
    return stats(r).bulkhead_max_concurrent;
  }

  /// Sends `n` requests through `r` from the client (the service holds
  /// them once hung).
  void flood(const caf::actor& r, int n) {
    self->send(cli, r, n);
    run();
  }

  heal_target target(const caf::actor& r) {
    heal_target t;
    t.name = "api";
    t.route = r;
    return t;
  }
};

} // namespace

TEST_CASE_METHOD(throttle_fixture,
                 "throttle: the bulkhead shrinks to the factor, then doubles "
                 "back step by step to its original size",
                 "[strategies][throttle]") {
  auto r = route(8);
  throttle_strategy_settings ts;
  ts.factor = 0.25;
  auto s = strategy(ts);             // steps every 10 s
  self->send(svc, hang_atom::value); // every request is held: permits show
  run();
  auto offer = assess(s, order(1, fault_class::slow, target(r)));
  REQUIRE(offer);
  CHECK(offer->applies);
  CHECK(offer->cost == 0.3);
  auto done = execute(s, order(1, fault_class::slow, target(r)));
  REQUIRE(done);
  CHECK(done->undoable);
  CHECK_THAT(done->did, Catch::Contains("from 8 permits to 2 permits"));
  CHECK(permits(r) == 2);
  CHECK(stats(r).bulkhead_max_queue == 0);
  flood(r, 3);
  auto st = stats(r);
  CHECK(st.bulkhead_in_flight == 2);
  CHECK(st.rejected_full == 1);
  CHECK(got->count(errc::bulkhead_full) == 1);
  advance(10s - 1ms);
  CHECK(permits(r) == 2);
  advance(1ms);
  CHECK(permits(r) == 4);
  flood(r, 3);
  st = stats(r);
  CHECK(st.bulkhead_in_flight == 4);
  CHECK(st.rejected_full == 2);
  advance(10s);
  CHECK(permits(r) == 8);
  advance(1h); // back at its size: no more steps
  CHECK(permits(r) == 8);
  auto back = undo(s, *done);
  REQUIRE_FALSE(back);
  check_error(back.error(), errc::not_supported, "throttle", "api",
              "back at its original size already");
  // The route is free to throttle again.
  REQUIRE(execute(s, order(2, fault_class::slow, target(r))));
  CHECK(permits(r) == 2);
}

TEST_CASE_METHOD(throttle_fixture,
                 "throttle: undo restores the original size at once, and a "
                 "second order for the same route is refused meanwhile",
                 "[strategies][throttle]") {
  auto r = route(9);
  auto s = strategy(); // factor 0.5
  auto done = execute(s, order(1, fault_class::error_spike, target(r)));
  REQUIRE(done);
  CHECK(permits(r) == 4); // floor(9 * 0.5)
  auto again = execute(s, order(2, fault_class::slow, target(r)));
  REQUIRE_FALSE(again);
  check_error(again.error(), errc::not_supported, "throttle", "api",
              "throttled already (order 1)");
  auto back = undo(s, *done);
  REQUIRE(back);
  CHECK_FALSE(back->undoable);
  CHECK_THAT(back->did, Catch::Contains("to 9 permits (undo)"));
  CHECK(permits(r) == 9);
  advance(10s); // the pending step finds nothing to do
  CHECK(permits(r) == 9);
}

TEST_CASE_METHOD(throttle_fixture,
                 "throttle: no route, a route without a bulkhead or with one "
                 "permit is not supported; a route that is gone is "
                 "heal_failed",
                 "[strategies][throttle]") {
  auto s = strategy();
  heal_target bare;
  bare.name = "lonely";
  auto r = execute(s, order(1, fault_class::slow, bare));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "throttle", "lonely",
              "has no route");
  r = execute(s, order(2, fault_class::slow, target(route(std::nullopt))));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "throttle", "api",
              "its route has no bulkhead");
  auto one = route(1);
  r = execute(s, order(3, fault_class::slow, target(one)));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "throttle", "api",
              "1 permit: nothing to shrink");
  CHECK(permits(one) == 1);
  r = execute(s, order(4, fault_class::hang, target(one)));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "throttle", "api",
              "not configured for hang");
  auto gone = route(8);
  caf::anon_send_exit(gone, caf::exit_reason::kill);
  run();
  r = execute(s, order(5, fault_class::slow, target(gone)));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::heal_failed, "throttle", "api",
              "its route did not answer");
}

TEST_CASE_METHOD(throttle_fixture,
                 "throttle: invalid settings are rejected naming the "
                 "strategy and the field",
                 "[strategies][throttle][settings]") {
  std::vector<bad_setting<throttle_strategy_settings>> cases;
  throttle_strategy_settings s;
  s.factor = 0;
  cases.push_back({"factor", "0", s});
  s.factor = 1;
  cases.push_back({"factor", "1", s});
  s.factor = qnan;
  cases.push_back({"factor", "nan", s});
  s = {};
  s.step_interval = 0s;
  cases.push_back({"step_interval", "0ns", s});
  s = {};
  s.cost = -0.5;
  cases.push_back({"cost", "-0.5", s});
  check_rejected(cases, "strategy 'throttle': ");
  auto x = spawn_throttle_strategy(sys, cases[0].settings);
  REQUIRE_FALSE(x);
  CHECK(is(x.error(), errc::invalid_argument));
}
