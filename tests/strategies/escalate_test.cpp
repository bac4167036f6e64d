// The strategy "escalate" on a real tree: the target's supervisor exits with
// heal_failed ("escalated by healing: ..."), its parent restarts it, and a
// healing alert is published on the event bus.

#include <catch2/catch.hpp>

#include "remedy/core/event_bus.hpp"
#include "remedy/strategies/escalate_strategy.hpp"
#include "remedy/strategies/healing_alert.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "strategies/strategy_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using alerts_ptr = std::shared_ptr<std::vector<healing_alert>>;

caf::behavior alert_collector(caf::event_based_actor* self, alerts_ptr xs) {
  subscribe(self, "healing.");
  return {[xs](healing_alert& x) { xs->push_back(std::move(x)); }};
}

struct escalate_fixture : strategy_fixture {
  alerts_ptr alerts = std::make_shared<std::vector<healing_alert>>();

  escalate_fixture() {
    track(sys.spawn(alert_collector, alerts));
    run();
  }

  caf::actor strategy(escalate_strategy_settings s = {}) {
    auto x = spawn_escalate_strategy(sys, std::move(s));
    REQUIRE(x);
    track(*x);
    run();
    return *x;
  }

  /// root -> db (a supervisor) -> conn (a service).
  supervision_tree tree() {
    auto t = supervisor_builder("root")
               .supervisor(supervisor_builder("db").worker(
                 "conn", start(service, starts, std::string{"conn"})))
               .spawn(sys);
    REQUIRE(t);
    track(t->root);
    run();
    return *t;
  }
};

} // namespace

TEST_CASE_METHOD(escalate_fixture,
                 "escalate: the target's supervisor exits with heal_failed, "
                 "its parent restarts it, and an alert is published",
                 "[strategies][escalate]") {
  auto t = tree();
  auto db = current(t.root, "db");
  REQUIRE(db);
  auto conn_ep = t.endpoint("db/conn");
  CHECK(ping(conn_ep) == "conn");
  self->send(conn_ep, hang_atom::value);
  run();
  CHECK(ping(conn_ep) == "<no reply>");
  auto s = strategy();
  heal_target target;
  target.name = "root/db/conn";
  target.child = "conn";
  SECTION("named by the supervisor's handle") {
    target.supervisor = db;
  }
  SECTION("named by the subtree's endpoint, which stays") {
    target.supervisor = t.endpoint("db");
  }
  self->monitor(db);
  auto offer = assess(s, order(1, fault_class::hang, target));
  REQUIRE(offer);
  CHECK(offer->applies);
  CHECK(offer->drastic);
  CHECK(offer->cost == 10.0);
  auto done = execute(s, order(1, fault_class::hang, target));
  REQUIRE(done);
  CHECK_FALSE(done->undoable);
  CHECK_THAT(done->did, Catch::Contains("made the supervisor of "
                                        "'root/db/conn' exit"));
  auto reason = down_reason();
  CHECK(is(reason, errc::heal_failed));
  CHECK_THAT(context_of(reason),
             Catch::StartsWith("escalated by healing: hang of "
                               "'root/db/conn' (order 1)"));
  auto fresh = child(t.root, "db");
  CHECK(fresh.restarts == 1);
  CHECK(fresh.status == child_status::running);
  CHECK(fresh.current != db);
  CHECK(*starts == 2);
  CHECK(ping(conn_ep) == "conn"); // a new subtree, a new conn
  REQUIRE(alerts->size() == 1);
  auto& a = alerts->front();
  CHECK(a.target == "root/db/conn");
  CHECK(a.cls == fault_class::hang);
  CHECK_THAT(a.detail, Catch::Contains("escalated hang of 'root/db/conn'"));
  CHECK(a.at == done->at);
  auto back = undo(s, *done);
  REQUIRE_FALSE(back);
  check_error(back.error(), errc::not_supported, "escalate", "root/db/conn",
              "cannot be undone");
}

TEST_CASE_METHOD(escalate_fixture,
                 "escalate: a target without a supervisor only gets the "
                 "alert; a supervisor that is gone is heal_failed",
                 "[strategies][escalate]") {
  auto s = strategy();
  heal_target bare;
  bare.name = "edge";
  auto offer = assess(s, order(1, fault_class::node_down, bare));
  REQUIRE(offer);
  CHECK(offer->applies); // every class
  CHECK_THAT(offer->reason, Catch::Contains("alert only"));
  auto done = execute(s, order(1, fault_class::node_down, bare));
  REQUIRE(done);
  CHECK_THAT(done->did, Catch::Contains("no supervisor to escalate to"));
  REQUIRE(alerts->size() == 1);
  CHECK(alerts->back().cls == fault_class::node_down);
  CHECK_THAT(alerts->back().detail, Catch::Contains("alert only"));
  heal_target gone;
  gone.name = "root/x";
  gone.supervisor = sys.spawn([] { return caf::behavior{[](int) {}}; });
  caf::anon_send_exit(gone.supervisor, caf::exit_reason::kill);
  run();
  auto r = execute(s, order(2, fault_class::hang, gone));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::heal_failed, "escalate", "root/x",
              "its supervisor did not answer");
  REQUIRE(alerts->size() == 2);
  CHECK_THAT(alerts->back().detail, Catch::Contains("could not escalate"));
}

TEST_CASE_METHOD(escalate_fixture,
                 "escalate: configured classes, and invalid settings "
                 "rejected naming the strategy and the field",
                 "[strategies][escalate][settings]") {
  escalate_strategy_settings es;
  es.classes = {fault_class::crash_loop};
  auto s = strategy(es);
  heal_target bare;
  bare.name = "edge";
  auto r = execute(s, order(1, fault_class::hang, bare));
  REQUIRE_FALSE(r);
  check_error(r.error(), errc::not_supported, "escalate", "edge",
              "not configured for hang");
  CHECK(alerts->empty());
  std::vector<bad_setting<escalate_strategy_settings>> cases;
  escalate_strategy_settings x;
  x.exit_timeout = 0s;
  cases.push_back({"exit_timeout", "0ns", x});
  x = {};
  x.cost = neg_inf;
  cases.push_back({"cost", "-inf", x});
  check_rejected(cases, "strategy 'escalate': ");
  auto bad = spawn_escalate_strategy(sys, cases[0].settings);
  REQUIRE_FALSE(bad);
  CHECK(is(bad.error(), errc::invalid_argument));
  static_assert(caf::type_id<healing_alert>::value
                  > caf::type_id<healing_action>::value,
                "healing_alert is in the strategies' type ID block");
}
