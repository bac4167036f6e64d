// The strategy "failover" on a real supervised endpoint: requests to the
// endpoint reach the standby, then the primary's current incarnation again
// after the stable period once the health view shows the target healthy.

#include <catch2/catch.hpp>

#include "remedy/strategies/failover_strategy.hpp"
#include "strategies/strategy_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

struct failover_fixture : strategy_fixture {
  caf::actor view = health_view();
  caf::actor sup = spawn_sup(
    flags(), {child_spec::worker("api", start(service, starts,
                                              std::string{"primary"}))});
  caf::actor standby
    = track(sys.spawn(service, starts, std::string{"standby"}));
  caf::actor ep = endpoint_of(sup, "api");

  caf::actor strategy(failover_strategy_settings s) {
    auto x = spawn_failover_strategy(sys, std::move(s));
    REQUIRE(x);
    track(*x);
    run();
    return *x;
  }

  failover_strategy_settings settings() {
    failover_strategy_settings s;
    s.health_view = view;
    return s; // stable period 30 s
  }

  heal_target target() {
    heal_target t;
    t.name = "sup/api";
    t.supervisor = sup;
    t.child = "api";
    t.endpoint = ep;
    t.standby = standby;
    return t;
  }
};

} // namespace

TEST_CASE_METHOD(failover_fixture,
                 "failover: the endpoint's requests reach the standby, then "
                 "the primary again after the stable period once healthy",
                 "[strategies][failover]") {
  auto s = strategy(settings());
  CHECK(ping(ep) == "primary");
  fault_of(view, "sup/api", fault_class::slow, 4);
  auto offer = assess(s, order(1, fault_class::slow, target()));
  REQUIRE(offer);
  CHECK(offer->applies);
  CHECK(offer->cost == 0.8);
  auto done = execute(s, order(1, fault_class::slow, target()));
  REQUIRE(done);
  CHECK(done->undoable);
  CHECK_THAT(done->did, Catch::Contains("at its standby"));
  CHECK(ping(ep) == "standby");
  CHECK(ping(ep) == "standby");
  advance(30s); // still faulty: another period
  CHECK(ping(ep) == "standby");
  fault_of(view, "sup/api", fault_class::slow, 4, false);
  advance(30s - 1ms);
  CHECK(ping(ep) == "standby");
  advance(1ms);
  CHECK(ping(ep) == "primary");
  auto back = undo(s, *done);
  REQUIRE_FALSE(back);
  check_error(back.error(), errc::not_supported, "failover", "sup/api",
              "back on the primary already");
}

TEST_CASE_METHOD(failover_fixture,
                 "failover: a restart of the primary during the failover "
                 "wins, and the failback then changes nothing",
                 "[strategies][failover]") {
  auto s = strategy(settings());
  REQUIRE(execute(s, order(1, fault_class::hang, target())));
  CHECK(ping(ep) == "standby");
  auto old = current(sup, "api");
  crash(sup, "api");
  CHECK(current(sup, "api") != old);
  CHECK(ping(ep) == "primary"); // the supervisor repointed it
  advance(30s);
  CHECK(ping(ep) == "primary");
  CHECK(*starts == 3); // primary twice, standby once
}

TEST_CASE_METHOD(failover_fixture,
                 "failover: undo fails back at once, to the primary's current "
                 "incarnation; the standby's exit fails back at once",
                 "[strategies][failover]") {
  auto s = strategy(settings());
  fault_of(view, "sup/api", fault_class::slow, 4); // never healthy here
  auto done = execute(s, order(1, fault_class::slow, target()));
  REQUIRE(done);
  CHECK(ping(ep) == "standby");
  SECTION("undo") {
    auto back = undo(s, *done);
    REQUIRE(back);
    CHECK_FALSE(back->undoable);
    CHECK_THAT(back->did, Catch::Contains("at its primary again (undo)"));
    CHECK(ping(ep) == "primary");
  }
  SECTION("the standby exits") {
    caf::anon_send_exit(standby, caf::exit_reason::kill);
    run();
    CHECK(ping(ep) == "primary");
    auto back = undo(s, *done);
    REQUIRE_FALSE(back);
    CHECK(is(back.error(), errc::not_supported));
  }
}

TEST_CASE_METHOD(failover_fixture,
                 "failover: a target without endpoint, standby or supervisor "
                 "is not supported; an endpoint that is gone is heal_failed",
                 "[strategies][failover]") {
  auto s = strategy(settings());
  auto t = target();
  t.standby = nullptr;
  auto r = execute(s, order(1, fault_class::slow, t));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "failover", "sup/api",
              "has no standby");
  t = target();
  t.endpoint = nullptr;
  r = execute(s, order(2, fault_class::slow, t));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "failover", "sup/api",
              "has no endpoint");
  t = target();
  t.supervisor = nullptr;
  r = execute(s, order(3, fault_class::slow, t));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "failover", "sup/api",
              "no supervisor and child id");
  r = execute(s, order(4, fault_class::crash, target()));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "failover", "sup/api",
              "not configured for crash");
  CHECK(ping(ep) == "primary");
  t = target();
  t.endpoint = sys.spawn([] { return caf::behavior{[](int) {}}; });
  caf::anon_send_exit(t.endpoint, caf::exit_reason::kill);
  run();
  r = execute(s, order(5, fault_class::slow, t));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::heal_failed, "failover", "sup/api",
              "the endpoint did not answer");
}

TEST_CASE_METHOD(failover_fixture,
                 "failover: invalid settings are rejected naming the "
                 "strategy and the field",
                 "[strategies][failover][settings]") {
  std::vector<bad_setting<failover_strategy_settings>> cases;
  failover_strategy_settings s;
  s.stable_period = 0s;
  cases.push_back({"stable_period", "0ns", s});
  s = {};
  s.request_timeout = 0s;
  cases.push_back({"request_timeout", "0ns", s});
  check_rejected(cases, "strategy 'failover': ");
  auto x = spawn_failover_strategy(sys, cases[0].settings);
  REQUIRE_FALSE(x);
  CHECK(is(x.error(), errc::invalid_argument));
}
