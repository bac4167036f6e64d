// The strategy "restart" on a real supervisor: a hung worker, which its
// supervisor does not notice, answers again after the strategy restarted it;
// a pool child is replaced; refusals are clear.

#include <catch2/catch.hpp>

#include "remedy/strategies/restart_strategy.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "strategies/strategy_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

struct restart_fixture : strategy_fixture {
  caf::actor strategy(restart_strategy_settings s = {}) {
    auto x = spawn_restart_strategy(sys, std::move(s));
    REQUIRE(x);
    track(*x);
    run();
    return *x;
  }

  /// A supervisor "sup" with the service "api".
  caf::actor service_sup() {
    return spawn_sup(
      flags(),
      {child_spec::worker("api", start(service, starts, std::string{"api"}))});
  }

  heal_target target_of(const caf::actor& sup, std::string child) {
    heal_target t;
    t.name = "sup/" + child;
    t.supervisor = sup;
    t.child = std::move(child);
    return t;
  }
};

} // namespace

TEST_CASE_METHOD(restart_fixture,
                 "restart: a hung worker answers again after the strategy "
                 "restarts it",
                 "[strategies][restart]") {
  auto sup = service_sup();
  auto ep = endpoint_of(sup, "api");
  CHECK(ping(ep) == "api");
  auto old = current(sup, "api");
  self->send(ep, hang_atom::value);
  run();
  CHECK(ping(ep) == "<no reply>");
  // The supervisor has not noticed: the hung incarnation still runs.
  CHECK(current(sup, "api") == old);
  CHECK(child(sup, "api").status == child_status::running);
  auto s = strategy();
  auto offer = assess(s, order(1, fault_class::hang, target_of(sup, "api")));
  REQUIRE(offer);
  CHECK(offer->applies);
  CHECK(offer->strategy == "restart");
  CHECK(offer->cost == 1.0);
  CHECK_FALSE(offer->drastic);
  auto done = execute(s, order(1, fault_class::hang, target_of(sup, "api")));
  REQUIRE(done);
  CHECK(done->strategy == "restart");
  CHECK(done->order == 1);
  CHECK(done->target == "sup/api");
  CHECK_FALSE(done->undoable);
  CHECK_THAT(done->did, Catch::Contains("restarted child 'api'"));
  CHECK(done->at == now().time_since_epoch());
  CHECK(*starts == 2);
  auto fresh = current(sup, "api");
  REQUIRE(fresh);
  CHECK(fresh != old);
  CHECK(ping(ep) == "api"); // the endpoint reaches the new incarnation
  // Not undoable.
  auto back = undo(s, *done);
  REQUIRE_FALSE(back);
  check_error(back.error(), errc::not_supported, "restart", "sup/api",
              "cannot be undone");
}

TEST_CASE_METHOD(restart_fixture,
                 "restart: a hung child of a simple_one_for_one pool is "
                 "replaced by a new pool child",
                 "[strategies][restart]") {
  auto tmpl = child_spec::worker("svc",
                                 pool_start<std::string>(service, starts))
                .with_restart(restart_type::transient);
  auto pool = spawn_sup(flags(strategy::simple_one_for_one), {tmpl});
  for (int i = 0; i < 2; ++i)
    REQUIRE(ask<child_info>(pool, start_child_atom::value,
                            caf::make_message(std::string{"svc"})));
  auto hung = current(pool, "svc#1");
  REQUIRE(hung);
  self->send(hung, hang_atom::value);
  run();
  CHECK(ping(hung) == "<no reply>");
  restart_strategy_settings rs;
  rs.pool_args = caf::make_message(std::string{"svc"});
  auto s = strategy(rs);
  auto done = execute(s, order(2, fault_class::hang, target_of(pool, "svc#1")));
  REQUIRE(done);
  CHECK_THAT(done->did, Catch::Contains("replaced pool child 'svc#1'")
                          && Catch::Contains("by 'svc#3'"));
  std::vector<std::string> ids;
  for (auto& x : children(pool))
    ids.push_back(x.id);
  CHECK(ids == std::vector<std::string>{"svc#2", "svc#3"});
  CHECK(counts(pool).active == 2);
  CHECK(ping(current(pool, "svc#3")) == "svc");
}

TEST_CASE_METHOD(restart_fixture,
                 "restart: a target without a supervisor or a child id, or "
                 "of another class, is not supported, naming strategy and "
                 "target",
                 "[strategies][restart]") {
  auto sup = service_sup();
  restart_strategy_settings rs;
  rs.classes = {fault_class::hang};
  auto s = strategy(rs);
  heal_target bare;
  bare.name = "lonely";
  auto offer = assess(s, order(1, fault_class::hang, bare));
  REQUIRE(offer);
  CHECK_FALSE(offer->applies);
  CHECK_THAT(offer->reason, Catch::Contains("has no supervisor"));
  auto r = execute(s, order(1, fault_class::hang, bare));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "restart", "lonely",
              "has no supervisor");
  auto no_child = target_of(sup, "");
  r = execute(s, order(2, fault_class::hang, no_child));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "restart", "sup/",
              "has no child id");
  r = execute(s, order(3, fault_class::slow, target_of(sup, "api")));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "restart", "sup/api",
              "not configured for slow");
  CHECK(*starts == 1); // nothing was touched
}

TEST_CASE_METHOD(restart_fixture,
                 "restart: a supervisor that refuses gives heal_failed "
                 "saying why",
                 "[strategies][restart]") {
  auto calls = std::make_shared<int>(0);
  start_fn once = [calls,
                   this](caf::actor_system& sys,
                         const caf::message&) -> caf::expected<caf::actor> {
    if (++*calls > 1)
      return make_error(errc::invalid_argument, "no config file");
    return sys.spawn(service, starts, std::string{"db"});
  };
  auto sup = spawn_sup(
    flags(),
    {child_spec::worker("db", once),
     child_spec::worker("api", start(service, starts, std::string{"api"}))});
  auto s = strategy();
  SECTION("an unknown child") {
    auto r = execute(s, order(1, fault_class::hang, target_of(sup, "nope")));
    REQUIRE_FALSE(r);
    check_error(r.error(), errc::heal_failed, "restart", "sup/nope",
                "terminate_child 'nope' failed");
    CHECK_THAT(context_of(r.error()), Catch::Contains("unknown_child"));
  }
  SECTION("a start function that fails on restart") {
    auto r = execute(s, order(2, fault_class::hang, target_of(sup, "db")));
    REQUIRE_FALSE(r);
    check_error(r.error(), errc::heal_failed, "restart", "sup/db",
                "restart_child failed");
    CHECK_THAT(context_of(r.error()), Catch::Contains("no config file"));
    // Truthful: the child is terminated now, and says so.
    CHECK(child(sup, "db").status == child_status::terminated);
    CHECK_THAT(context_of(r.error()), Catch::Contains("terminated child 'db'"));
  }
  SECTION("a supervisor that is gone") {
    auto gone = sys.spawn([] { return caf::behavior{[](int) {}}; });
    caf::anon_send_exit(gone, caf::exit_reason::kill);
    run();
    auto r = execute(s, order(3, fault_class::hang, target_of(gone, "db")));
    REQUIRE_FALSE(r);
    check_error(r.error(), errc::heal_failed, "restart", "sup/db",
                "terminate_child 'db' failed");
  }
}

TEST_CASE_METHOD(restart_fixture,
                 "restart: invalid settings are rejected naming the strategy "
                 "and the field",
                 "[strategies][restart][settings]") {
  std::vector<bad_setting<restart_strategy_settings>> cases;
  restart_strategy_settings s;
  s.cost = -1;
  cases.push_back({"cost", "-1", s});
  s = {};
  s.cost = qnan;
  cases.push_back({"cost", "nan", s});
  s = {};
  s.request_timeout = 0s;
  cases.push_back({"request_timeout", "0ns", s});
  s = {};
  s.classes = {fault_class::hang, static_cast<fault_class>(42)};
  cases.push_back({"classes[1]", "42", s});
  check_rejected(cases, "strategy 'restart': ");
  auto bad = restart_strategy_settings{};
  bad.request_timeout = -1s;
  auto x = spawn_restart_strategy(sys, bad);
  REQUIRE_FALSE(x);
  CHECK(is(x.error(), errc::invalid_argument));
}

TEST_CASE_METHOD(restart_fixture,
                 "restart: restart_strategy_start runs it supervised",
                 "[strategies][restart]") {
  auto sup = service_sup();
  auto tree = supervisor_builder("healers")
                .worker("restart", restart_strategy_start())
                .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  run();
  auto s = tree->endpoint("restart");
  auto old = current(sup, "api");
  auto done = execute(s, order(5, fault_class::slow, target_of(sup, "api")));
  REQUIRE(done);
  CHECK(current(sup, "api") != old);
  restart_strategy_settings bad;
  bad.cost = -2;
  auto fn = restart_strategy_start(bad);
  auto r = fn(sys, caf::message{});
  REQUIRE_FALSE(r);
  CHECK_THAT(context_of(r.error()), Catch::Contains("cost"));
}

TEST_CASE_METHOD(restart_fixture,
                 "restart: an order of an older orchestrator term than one "
                 "already executed is refused with stale_term and touches "
                 "nothing",
                 "[strategies][restart][fencing]") {
  auto sup = service_sup();
  auto s = strategy();
  auto newer = order(1, fault_class::hang, target_of(sup, "api"));
  newer.term = 5;
  REQUIRE(execute(s, newer));
  CHECK(*starts == 2);
  // The deposed leader's orchestrator (term 4) still believes it leads.
  auto stale = order(2, fault_class::hang, target_of(sup, "api"));
  stale.term = 4;
  auto r = execute(s, stale);
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::stale_term, "restart", "sup/api",
              "term 4 is older than term 5");
  CHECK(*starts == 2);
  // The same term again, and a newer one, are admitted.
  newer.id = 3;
  REQUIRE(execute(s, newer));
  auto next = order(4, fault_class::hang, target_of(sup, "api"));
  next.term = 6;
  REQUIRE(execute(s, next));
  CHECK(*starts == 4);
}
