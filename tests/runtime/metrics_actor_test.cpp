// The metrics actor under CAF's deterministic test coordinator, driven by
// real events: a real supervisor whose child crashes and whose intensity
// runs out, a real route whose breaker opens, fault, healing, detection and
// scheduler events published on the bus as their parts publish them. Every
// exposition is parsed back by the format validator.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "remedy/classification/classifier.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/detection/detection.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_settings.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/metrics.hpp"
#include "remedy/runtime/metrics_actor.hpp"
#include "remedy/scheduling/scheduler_event.hpp"
#include "support/prometheus_text.hpp"
#include "support/supervision_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace json = boost::json;

namespace {

using work_atom = caf::atom_constant<caf::atom("t_work")>;
using fail_atom = caf::atom_constant<caf::atom("t_fail")>;
using hold_atom = caf::atom_constant<caf::atom("t_hold")>;

struct target_state {
  std::vector<caf::response_promise> held;
};

/// Answers work with 1, fail with an error, and holds `hold` requests
/// forever.
caf::behavior target(caf::stateful_actor<target_state>* self) {
  return {
    [](work_atom) { return 1; },
    [](fail_atom) -> caf::result<int> {
      return caf::make_error(caf::sec::runtime_error, "boom");
    },
    [self](hold_atom) -> caf::result<int> {
      auto rp = self->make_response_promise();
      self->state.held.push_back(rp);
      return caf::delegated<int>{};
    },
  };
}

struct silent_state {
  std::vector<caf::response_promise> held;
};

/// A "supervisor" that takes which_children and never answers.
caf::behavior silent(caf::stateful_actor<silent_state>* self) {
  return {
    [self](which_children_atom) -> caf::result<std::vector<child_info>> {
      auto rp = self->make_response_promise();
      self->state.held.push_back(rp);
      return caf::delegated<std::vector<child_info>>{};
    },
  };
}

struct metrics_fixture : supervision_fixture {
  caf::actor spawn_m(metrics_settings s = {}) {
    auto m = spawn_metrics(sys, std::move(s));
    REQUIRE(m);
    track(*m);
    run();
    return *m;
  }

  /// The exposition, validated line by line.
  std::vector<parsed_line> scrape(const caf::actor& m) {
    auto text = ask<std::string>(m, metrics_atom::value);
    REQUIRE(text);
    return validate(*text);
  }

  /// The value of one series (0 if absent, as Prometheus would treat a
  /// counter that never moved).
  double value(const caf::actor& m, const std::string& name,
               std::vector<std::pair<std::string, std::string>> labels = {}) {
    return sample_value(scrape(m), name, std::move(labels)).value_or(0);
  }

  std::pair<health_report, json::object> health(const caf::actor& m) {
    auto x = ask<health_report>(m, health_atom::value);
    REQUIRE(x);
    auto doc = json::parse(x->json);
    REQUIRE(doc.is_object());
    auto& obj = doc.as_object();
    // The status field and the flag agree, always.
    CHECK(obj.at("status").as_string()
          == (x->healthy ? "healthy" : "unhealthy"));
    CHECK(obj.at("reasons").as_array().empty() == x->healthy);
    return {*x, obj};
  }

  static const json::object* child(const json::object& node,
                                   const std::string& id) {
    for (auto& c : node.at("children").as_array())
      if (c.at("id").as_string() == id)
        return &c.as_object();
    return nullptr;
  }

  static bool reason_has(const json::object& doc, const std::string& what) {
    for (auto& r : doc.at("reasons").as_array())
      if (std::string{r.as_string().c_str()}.find(what) != std::string::npos)
        return true;
    return false;
  }
};

circuit_breaker_settings breaker_rules() {
  circuit_breaker_settings s;
  s.name = "orders";
  s.failure_rate_threshold = 0.5;
  s.window_size = 4;
  s.minimum_calls = 4;
  s.open_duration = 1s;
  s.max_open_duration = 1s;
  s.half_open_probes = 1;
  s.half_open_max_duration = 10s;
  return s;
}

fault make_fault(uint64_t id, fault_class cls, std::string target) {
  fault f;
  f.id = id;
  f.cls = cls;
  f.target = std::move(target);
  f.severity = 0.8;
  f.confidence = 0.9;
  f.first_seen = 5s;
  f.last_seen = 5s;
  return f;
}

} // namespace

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: a real supervisor's restarts, its tree in the "
                 "health answer, and its escalation",
                 "[metrics]") {
  auto log_ptr = log;
  auto sub_start = [log_ptr](caf::actor_system& sys, const caf::message&) {
    supervisor_flags f;
    f.name = "sub";
    return spawn_supervisor(
      sys, f,
      {child_spec::worker("c", start(probe, std::string{"c"}, log_ptr))});
  };
  auto sup = spawn_sup(flags(strategy::one_for_one, 2, "sup"),
                       {worker("a"), worker("b"),
                        child_spec::supervisor("sub", sub_start)});
  metrics_settings s;
  s.root = sup;
  s.root_name = "sup";
  auto m = spawn_m(s);
  // Healthy, with the whole tree.
  {
    auto [report, doc] = health(m);
    CHECK(report.healthy);
    auto& tree = doc.at("tree");
    CHECK(tree.at("id").as_string() == "sup");
    CHECK(tree.at("status").as_string() == "running");
    REQUIRE(tree.at("children").as_array().size() == 3);
    auto* sub = child(tree.as_object(), "sub");
    REQUIRE(sub != nullptr);
    CHECK(sub->at("type").as_string() == "supervisor");
    REQUIRE(sub->contains("children"));
    auto* c = child(*sub, "c");
    REQUIRE(c != nullptr);
    CHECK(c->at("status").as_string() == "running");
  }
  CHECK(
    value(m, "remedy_restarts_total", {{"supervisor", "sup"}, {"child", "a"}})
    == 0);
  crash(sup, "a");
  CHECK(
    value(m, "remedy_restarts_total", {{"supervisor", "sup"}, {"child", "a"}})
    == 1);
  CHECK(value(m, "remedy_supervision_events_total",
              {{"supervisor", "sup"}, {"event", "child_exited"}})
        == 1);
  {
    auto [report, doc] = health(m);
    CHECK(report.healthy);
    auto* a = child(doc.at("tree").as_object(), "a");
    REQUIRE(a != nullptr);
    CHECK(a->at("restarts").as_int64() == 1);
  }
  // Two more crashes in the period exceed intensity 2: the root gives up.
  crash(sup, "b");
  crash(sup, "b");
  CHECK(value(m, "remedy_escalations_total", {{"supervisor", "sup"}}) == 1);
  auto [report, doc] = health(m);
  CHECK(!report.healthy);
  CHECK(reason_has(doc, "root supervisor 'sup'"));
  CHECK(doc.at("tree").at("status").as_string() == "down");
}

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: a root that does not answer makes the node "
                 "unhealthy after the tree timeout",
                 "[metrics]") {
  auto root = track(sys.spawn(silent));
  metrics_settings s;
  s.root = root;
  s.tree_timeout = 500ms;
  auto m = spawn_m(s);
  auto handle = self->request(m, caf::infinite, health_atom::value);
  run();
  CHECK(!has_reply()); // waits for the root
  advance(499ms);
  CHECK(!has_reply());
  advance(1ms);
  REQUIRE(has_reply());
  health_report report;
  handle.receive([&](health_report& x) { report = std::move(x); },
                 [&](caf::error& err) { FAIL(render(err)); });
  CHECK(!report.healthy);
  auto doc = json::parse(report.json).as_object();
  CHECK(reason_has(doc, "no answer"));
  CHECK(doc.at("tree").as_object().contains("error"));
}

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: a real route's breaker opens, rejects and closes; "
                 "its samples fill the latency histogram",
                 "[metrics]") {
  auto m = spawn_m();
  auto tgt = track(sys.spawn(target));
  route_settings rs;
  rs.name = "orders";
  rs.breaker = breaker_rules();
  rs.metrics_interval = 1s;
  auto r = spawn_route(sys, tgt, rs);
  REQUIRE(r);
  track(*r);
  run();
  {
    auto [report, doc] = health(m);
    CHECK(report.healthy);
  }
  CHECK(ask<int>(*r, work_atom::value));
  CHECK(ask<int>(*r, work_atom::value));
  CHECK(!ask<int>(*r, fail_atom::value));
  CHECK(!ask<int>(*r, fail_atom::value)); // 2 of 4 failed: opens
  auto lines = scrape(m);
  auto state = [&](const char* s) {
    return sample_value(lines, "remedy_breaker_state",
                        {{"route", "orders"}, {"state", s}});
  };
  CHECK(state("open") == 1.0);
  CHECK(state("closed") == 0.0);
  CHECK(sample_value(lines, "remedy_breaker_transitions_total",
                     {{"route", "orders"}, {"from", "closed"}, {"to", "open"}})
        == 1.0);
  {
    auto [report, doc] = health(m);
    CHECK(!report.healthy);
    CHECK(reason_has(doc, "breaker of route 'orders' is open"));
    CHECK(doc.at("breakers").at("orders").as_string() == "open");
  }
  CHECK(!ask<int>(*r, work_atom::value)); // rejected
  CHECK(value(m, "remedy_breaker_rejections_total", {{"route", "orders"}})
        == 1);
  // The route flushes its samples each second: 4 calls answered in the
  // first interval (the rejection is answered by the route, not counted).
  advance(1s);
  lines = scrape(m);
  auto calls = sample_value(lines, "remedy_route_calls_total",
                            {{"target", "orders"}});
  REQUIRE(calls);
  CHECK(*calls >= 4);
  CHECK(sample_value(lines, "remedy_route_latency_seconds_count",
                     {{"target", "orders"}})
        == calls);
  CHECK(sample_value(lines, "remedy_route_errors_total", {{"target", "orders"}})
        >= 2.0);
  // Virtual time: every call took 0 ms, all in the first bucket.
  CHECK(sample_value(lines, "remedy_route_latency_seconds_bucket",
                     {{"target", "orders"}, {"le", "0.0005"}})
        == calls);
  // After the open duration a probe closes it again.
  advance(1ms);
  CHECK(ask<int>(*r, work_atom::value));
  lines = scrape(m);
  CHECK(state("closed") == 1.0);
  CHECK(state("open") == 0.0);
  CHECK(
    sample_value(lines, "remedy_breaker_transitions_total",
                 {{"route", "orders"}, {"from", "half_open"}, {"to", "closed"}})
    == 1.0);
  auto [report, doc] = health(m);
  CHECK(report.healthy);
  CHECK(doc.at("breakers").at("orders").as_string() == "closed");
}

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: a real route's bulkhead rejections, in-flight "
                 "calls and timeouts",
                 "[metrics]") {
  auto m = spawn_m();
  auto tgt = track(sys.spawn(target));
  route_settings rs;
  rs.name = "stock";
  rs.timeout = 2s;
  bulkhead_settings pool;
  pool.max_concurrent = 1;
  pool.max_queue = 1;
  pool.max_wait = 500ms;
  rs.bulkhead = pool;
  rs.metrics_interval = 1s;
  auto r = spawn_route(sys, tgt, rs);
  REQUIRE(r);
  track(*r);
  run();
  auto held = self->request(*r, caf::infinite, hold_atom::value);
  auto queued = self->request(*r, caf::infinite, work_atom::value);
  run();
  auto full = ask<int>(*r, work_atom::value); // no permit, no queue slot
  REQUIRE(!full);
  CHECK(is(full.error(), errc::bulkhead_full));
  CHECK(value(m, "remedy_bulkhead_rejections_total",
              {{"route", "stock"}, {"reason", "full"}})
        == 1);
  // The queued request waits past its max wait (0.5 s); at 1 s the route
  // samples one call in flight, the held one.
  advance_exact(1s);
  REQUIRE(has_reply());
  queued.receive([](int) { FAIL("the queued request was answered"); },
                 [](caf::error& err) {
                   CHECK(is(err, errc::bulkhead_timeout));
                 });
  auto lines = scrape(m);
  CHECK(sample_value(lines, "remedy_bulkhead_rejections_total",
                     {{"route", "stock"}, {"reason", "timeout"}})
        == 1);
  CHECK(sample_value(lines, "remedy_route_in_flight", {{"target", "stock"}})
        == 1);
  CHECK(sample_value(lines, "remedy_route_timeouts_total", {{"route", "stock"}})
        == std::nullopt);
  // The held request reaches the route's deadline at 2 s; the route's next
  // sweep (on a multiple of its 10 ms interval) finds it.
  advance_exact(1s + rs.sweep_interval);
  REQUIRE(has_reply());
  held.receive([](int) { FAIL("the held request was answered"); },
               [](caf::error& err) { CHECK(is(err, errc::timeout)); });
  CHECK(value(m, "remedy_route_timeouts_total", {{"route", "stock"}}) == 1);
  // No breaker on this route: no breaker state, and healthy throughout.
  auto [report, doc] = health(m);
  CHECK(report.healthy);
  CHECK(doc.at("breakers").as_object().empty());
}

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: faults raised and cleared as the classifier "
                 "publishes them",
                 "[metrics]") {
  auto m = spawn_m();
  auto f = make_fault(41, fault_class::crash, "svc/worker-3");
  publish(sys, "fault.raised",
          caf::make_message(fault_event{fault_event_kind::raised, f}));
  run();
  CHECK(value(m, "remedy_open_faults", {{"class", "crash"}}) == 1);
  CHECK(
    value(m, "remedy_faults_total", {{"class", "crash"}, {"event", "raised"}})
    == 1);
  {
    auto [report, doc] = health(m);
    CHECK(!report.healthy);
    CHECK(reason_has(doc, "fault 41 (crash) of 'svc/worker-3' is open"));
    auto& faults = doc.at("open_faults").as_array();
    REQUIRE(faults.size() == 1);
    CHECK(faults[0].at("target").as_string() == "svc/worker-3");
    CHECK(faults[0].at("first_seen_s").as_double() == 5.0);
  }
  // A predicted exhaustion is listed but not unhealthy by default.
  auto p = make_fault(42, fault_class::resource_exhaustion_predicted, "db");
  publish(sys, "fault.raised",
          caf::make_message(fault_event{fault_event_kind::raised, p}));
  f.active = false;
  publish(sys, "fault.cleared",
          caf::make_message(fault_event{fault_event_kind::cleared, f}));
  run();
  CHECK(value(m, "remedy_open_faults", {{"class", "crash"}}) == 0);
  CHECK(
    value(m, "remedy_open_faults", {{"class", "resource_exhaustion_predicted"}})
    == 1);
  {
    auto [report, doc] = health(m);
    CHECK(report.healthy);
    CHECK(doc.at("open_faults").as_array().size() == 1);
  }
  // A classifier's snapshot replaces what the actor knew.
  publish(sys, "classifier.snapshot",
          caf::make_message(fault_snapshot{
            "classifier", {make_fault(43, fault_class::hang, "svc/db")}}));
  run();
  CHECK(
    value(m, "remedy_open_faults", {{"class", "resource_exhaustion_predicted"}})
    == 0);
  CHECK(value(m, "remedy_open_faults", {{"class", "hang"}}) == 1);
  auto [report, doc] = health(m);
  CHECK(!report.healthy);
  CHECK(reason_has(doc, "fault 43 (hang)"));
}

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: a real classifier's faults, also those raised "
                 "before the metrics actor started",
                 "[metrics]") {
  auto cls = spawn_classifier(sys);
  REQUIRE(cls);
  track(*cls);
  run();
  auto d = detection::raise(detection_kind::crash, "svc/worker-1", 1s);
  publish(sys, topic(d), caf::make_message(d));
  run();
  // Started after the raise: it catches up through classifier.sync.
  auto m = spawn_m();
  CHECK(value(m, "remedy_open_faults", {{"class", "crash"}}) == 1);
  CHECK(
    value(m, "remedy_faults_total", {{"class", "crash"}, {"event", "raised"}})
    == 0); // it saw no raise, only the snapshot
  {
    auto [report, doc] = health(m);
    CHECK(!report.healthy);
    auto& faults = doc.at("open_faults").as_array();
    REQUIRE(faults.size() == 1);
    CHECK(faults[0].at("target").as_string() == "svc/worker-1");
  }
  // A raise it sees as it happens.
  auto h = detection::raise(detection_kind::hang, "svc/worker-2", 2s);
  publish(sys, topic(h), caf::make_message(h));
  run();
  auto lines = scrape(m);
  CHECK(sample_value(lines, "remedy_detections_total",
                     {{"kind", "hang"}, {"event", "raised"}})
        == 1);
  CHECK(sample_value(lines, "remedy_faults_total",
                     {{"class", "hang"}, {"event", "raised"}})
        == 1);
  CHECK(sample_value(lines, "remedy_open_faults", {{"class", "hang"}}) == 1);
}

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: the predicted-fault rule follows the settings",
                 "[metrics]") {
  metrics_settings s;
  s.predicted_faults_unhealthy = true;
  auto m = spawn_m(s);
  auto p = make_fault(7, fault_class::resource_exhaustion_predicted, "db");
  publish(sys, "fault.raised",
          caf::make_message(fault_event{fault_event_kind::raised, p}));
  run();
  auto [report, doc] = health(m);
  CHECK(!report.healthy);
}

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: healings, detections and scheduler events",
                 "[metrics]") {
  auto m = spawn_m();
  auto heal = [&](healing_event_kind k, uint64_t id, std::string strategy,
                  bool dry_run = false) {
    healing_event ev;
    ev.kind = k;
    ev.healing = id;
    ev.fault = 100 + id;
    ev.cls = fault_class::hang;
    ev.target = "svc/worker-" + std::to_string(id);
    ev.strategy = std::move(strategy);
    ev.dry_run = dry_run;
    ev.time_to_recover = 1500ms;
    publish(sys, topic(ev), caf::make_message(ev));
    run();
  };
  heal(healing_event_kind::decided, 1, "restart");
  heal(healing_event_kind::acted, 1, "restart");
  heal(healing_event_kind::decided, 2, "isolate");
  heal(healing_event_kind::decided, 3, "restart", true); // dry run
  CHECK(value(m, "remedy_healings_in_progress") == 2);
  {
    auto [report, doc] = health(m);
    CHECK(report.healthy); // healings alone do not make the node unhealthy
    auto& hs = doc.at("healings").as_array();
    REQUIRE(hs.size() == 2);
    CHECK(hs[0].at("strategy").as_string() == "restart");
    CHECK(hs[0].at("state").as_string() == "acted");
    CHECK(hs[1].at("target").as_string() == "svc/worker-2");
  }
  heal(healing_event_kind::succeeded, 1, "restart");
  heal(healing_event_kind::failed, 2, "isolate");
  heal(healing_event_kind::skipped, 2, "");
  auto lines = scrape(m);
  CHECK(sample_value(lines, "remedy_healings_in_progress", {}) == 0);
  CHECK(sample_value(lines, "remedy_healing_events_total",
                     {{"strategy", "restart"}, {"event", "succeeded"}})
        == 1);
  CHECK(sample_value(lines, "remedy_healing_events_total",
                     {{"strategy", "restart"}, {"event", "dry_run"}})
        == 1);
  CHECK(sample_value(lines, "remedy_healing_events_total",
                     {{"strategy", "isolate"}, {"event", "failed"}})
        == 1);
  CHECK(sample_value(lines, "remedy_healing_events_total",
                     {{"strategy", "none"}, {"event", "skipped"}})
        == 1);
  CHECK(sample_value(lines, "remedy_healing_recovery_seconds_bucket",
                     {{"class", "hang"}, {"le", "2.5"}})
        == 1);
  CHECK(sample_value(lines, "remedy_healing_recovery_seconds_bucket",
                     {{"class", "hang"}, {"le", "1"}})
        == 0);
  // Detections, as detectors publish them.
  auto d = detection::raise(detection_kind::hang, "svc/worker-1", 1s);
  publish(sys, topic(d), caf::make_message(d));
  auto c = detection::clear(detection_kind::hang, "svc/worker-1", 2s);
  publish(sys, topic(c), caf::make_message(c));
  // Scheduler ejections.
  scheduler_event ej{
    scheduler_event_kind::ejected, "pool", "w1", "5 failed", 1s, 1s};
  publish(sys, topic(ej), caf::make_message(ej));
  ej.worker = "w2";
  publish(sys, topic(ej), caf::make_message(ej));
  scheduler_event back{
    scheduler_event_kind::returned, "pool", "w1", "probe", 0s, 2s};
  publish(sys, topic(back), caf::make_message(back));
  run();
  lines = scrape(m);
  CHECK(sample_value(lines, "remedy_detections_total",
                     {{"kind", "hang"}, {"event", "raised"}})
        == 1);
  CHECK(sample_value(lines, "remedy_detections_total",
                     {{"kind", "hang"}, {"event", "cleared"}})
        == 1);
  CHECK(sample_value(lines, "remedy_scheduler_events_total",
                     {{"scheduler", "pool"}, {"event", "ejected"}})
        == 2);
  CHECK(sample_value(lines, "remedy_scheduler_ejected_workers",
                     {{"scheduler", "pool"}})
        == 1);
}

TEST_CASE_METHOD(metrics_fixture,
                 "metrics: settings are checked and strangers get an error",
                 "[metrics]") {
  metrics_settings bad;
  bad.tree_timeout = 0s;
  CHECK(is(spawn_metrics(sys, bad).error(), errc::invalid_argument));
  bad = {};
  bad.latency_buckets = {1, 0.5};
  CHECK(is(spawn_metrics(sys, bad).error(), errc::invalid_argument));
  auto m = spawn_m();
  auto x = ask<int>(m, work_atom::value);
  REQUIRE(!x);
  CHECK(is(x.error(), errc::unexpected_message));
  // A plain message of an unknown kind (what the bus may carry) is dropped
  // without an answer, and the actor lives on.
  self->send(m, work_atom::value);
  run();
  CHECK(!has_reply());
  auto text = ask<std::string>(m, metrics_atom::value);
  REQUIRE(text);
  validate(*text);
}
