// Detectors, classifier and health view as actors under CAF's test
// coordinator: real heartbeats and route samples on the bus, virtual time.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "remedy/classification/classifier.hpp"
#include "remedy/classification/detection_tree.hpp"
#include "remedy/detection/detector_actor.hpp"
#include "remedy/classification/health_view.hpp"
#include "remedy/detection/heartbeat_detector.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_settings.hpp"
#include "remedy/detection/threshold_detector.hpp"
#include "remedy/core/atoms.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/detection/atoms.hpp"
#include "remedy/classification/atoms.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/heartbeats.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/core/type_ids.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using stall_atom = caf::atom_constant<caf::atom("t_stall")>;
using work_atom = caf::atom_constant<caf::atom("t_work")>;

/// Beats every second until told to stall: then it keeps taking messages
/// but drops its heartbeat ticks, which is what an actor stuck in a handler
/// looks like from outside.
caf::behavior worker(caf::event_based_actor* self, std::string name) {
  return with_heartbeats(self, name, 1s,
                         {
                           [](work_atom, int x) { return x; },
                           [self](stall_atom) {
                             self->become(caf::behavior{
                               [](heartbeat_tick_atom) {},
                               [](work_atom, int x) { return x; },
                             });
                           },
                         });
}

struct box {
  std::vector<fault_event> faults;
  std::vector<target_health> health;
  std::vector<detection> detections;
};

caf::behavior listener(caf::event_based_actor* self, std::shared_ptr<box> b) {
  subscribe(self, "fault.");
  subscribe(self, "health.");
  subscribe(self, "detection.");
  return {
    [=](const fault_event& x) { b->faults.push_back(x); },
    [=](const target_health& x) { b->health.push_back(x); },
    [=](const detection& x) { b->detections.push_back(x); },
  };
}

struct pipeline_fixture : fixture {
  std::shared_ptr<box> seen = std::make_shared<box>();
  caf::actor classifier_actor;
  caf::actor health;

  pipeline_fixture() {
    track(sys.spawn(listener, seen));
    classifier_settings cs;
    cs.clear_after = 2s;
    classifier_actor = track(*spawn_classifier(sys, cs));
    health = track(*spawn_health_view(sys));
    run();
  }
};

} // namespace

TEST_CASE_METHOD(pipeline_fixture,
                 "a worker whose heartbeats stop is a hang, faulty in the "
                 "health view, healthy again once it beats",
                 "[detection][pipeline]") {
  heartbeat_detector_settings hs;
  auto hb = track(*spawn_detector<heartbeat_detector>(sys, hs));
  auto w = track(sys.spawn(worker, "root/w"));
  run();
  for (int i = 0; i < 30; ++i)
    advance(1s);
  auto h = ask<target_health>(health, health_atom::value, "root/w");
  REQUIRE(h);
  CHECK(h->state == health_state::healthy);
  CHECK(seen->faults.empty());
  // Stall: heartbeats stop, the actor lives.
  caf::anon_send(w, stall_atom::value);
  run();
  auto stalled_at = now();
  for (int i = 0; i < 100 && seen->faults.empty(); ++i)
    advance(100ms);
  REQUIRE(seen->faults.size() == 1);
  auto& f = seen->faults[0].what;
  CHECK(f.cls == fault_class::hang);
  CHECK(f.target == "root/w");
  // Remedy's phi defaults (1 s pause allowance) suspect after about 2.5 s.
  auto latency = now() - stalled_at;
  CHECK(latency > 1s);
  CHECK(latency < 5s);
  h = ask<target_health>(health, health_atom::value, "root/w");
  REQUIRE(h);
  CHECK(h->state == health_state::faulty);
  REQUIRE(h->faults.size() == 1);
  // The hang clears with the next heartbeat; the fault clears 2 s later.
  auto stats = ask<detector_stats>(hb, detector_stats_atom::value);
  REQUIRE(stats);
  CHECK(stats->active == 1);
  caf::anon_send_exit(w, caf::exit_reason::kill);
  run();
  // A kill is a down: the hang becomes a crash (crash wins over hang).
  REQUIRE(seen->faults.size() >= 3);
  CHECK(seen->faults[1].kind == fault_event_kind::raised);
  CHECK(seen->faults[1].what.cls == fault_class::crash);
  CHECK(seen->faults[2].kind == fault_event_kind::cleared);
  CHECK(seen->faults[2].what.cls == fault_class::hang);
  // The health view never said healthy in between.
  for (size_t i = 0; i + 1 < seen->health.size(); ++i)
    CHECK(seen->health[i].state != health_state::healthy);
  // A new incarnation beats: target_down clears, the crash fault clears
  // after the classifier's clear_after.
  auto w2 = track(sys.spawn(worker, "root/w"));
  run();
  for (int i = 0; i < 30; ++i)
    advance(100ms);
  h = ask<target_health>(health, health_atom::value, "root/w");
  REQUIRE(h);
  CHECK(h->state == health_state::healthy);
  CHECK(seen->faults.back().kind == fault_event_kind::cleared);
  CHECK(seen->faults.back().what.cls == fault_class::crash);
  // Health changes were published: healthy -> faulty -> ... -> healthy.
  REQUIRE_FALSE(seen->health.empty());
  CHECK(seen->health.front().state == health_state::faulty);
  CHECK(seen->health.back().state == health_state::healthy);
}

TEST_CASE_METHOD(pipeline_fixture,
                 "a route publishes its samples; a call stuck at the target "
                 "is a hang by the route's oldest_ms",
                 "[detection][pipeline]") {
  auto td = track(*spawn_detector<threshold_detector>(
    sys, threshold_detector_settings::route_defaults()));
  // A target that never answers its second request.
  auto target = track(sys.spawn([](caf::event_based_actor* self) {
    auto n = std::make_shared<int>(0);
    return caf::behavior{
      [=](work_atom, int x) -> caf::result<int> {
        if (++*n == 2)
          return self->make_response_promise<int>(); // never delivered
        return x;
      },
    };
  }));
  route_settings rs;
  rs.name = "db-route";
  rs.metrics_target = "root/db";
  rs.metrics_interval = 1s;
  auto r = track(*spawn_route(sys, target, rs));
  run();
  auto one = ask<int>(r, work_atom::value, 1);
  REQUIRE(one);
  auto stuck = self->request(r, caf::infinite, work_atom::value, 2);
  run();
  for (int i = 0; i < 8; ++i)
    advance(1s);
  CHECK_FALSE(has_reply()); // the stuck call is still unanswered
  REQUIRE_FALSE(seen->faults.empty());
  auto& f = seen->faults[0].what;
  CHECK(f.cls == fault_class::hang);
  CHECK(f.target == "root/db");
  REQUIRE(f.evidence.size() == 1);
  CHECK(f.evidence[0].metric == "oldest_ms");
  CHECK(f.evidence[0].value >= 5000);
  auto st = ask<detector_stats>(td, detector_stats_atom::value);
  REQUIRE(st);
  // The detector subscribed to the metrics its rules read (oldest_ms and
  // error_rate), so only those samples reached it: both after the first
  // second (the one answered call), then oldest_ms each second; the route's
  // calls, latency, in_flight samples were never sent to it.
  CHECK(st->samples == 2 + 7);
  CHECK(st->ignored() == 0);
  CHECK(st->active == 1);
  (void) stuck;
}

TEST_CASE("health book: states from faults, quarantine overrides",
          "[detection][health]") {
  health_book book{health_view_settings{}};
  fault f;
  f.id = 1;
  f.cls = fault_class::slow;
  f.target = "api";
  f.confidence = 0.5;
  auto h = book.apply(fault_event{fault_event_kind::raised, f}, 1s);
  REQUIRE(h);
  CHECK(h->state == health_state::suspect); // below the 0.7 bar
  f.confidence = 0.9;
  h = book.apply(fault_event{fault_event_kind::updated, f}, 2s);
  REQUIRE(h);
  CHECK(h->state == health_state::faulty);
  CHECK(h->since == 2s);
  fault p;
  p.id = 2;
  p.cls = fault_class::resource_exhaustion_predicted;
  p.target = "api";
  p.confidence = 1.0;
  CHECK_FALSE(book.apply(fault_event{fault_event_kind::raised, p}, 3s));
  h = book.quarantine("api", true, 4s);
  REQUIRE(h);
  CHECK(h->state == health_state::quarantined);
  CHECK_FALSE(book.apply(fault_event{fault_event_kind::cleared, f}, 5s));
  h = book.quarantine("api", false, 6s);
  REQUIRE(h);
  CHECK(h->state == health_state::suspect); // only the prediction is left
  h = book.apply(fault_event{fault_event_kind::cleared, p}, 7s);
  REQUIRE(h);
  CHECK(h->state == health_state::healthy);
  CHECK(book.get("unknown").state == health_state::healthy);
  CHECK(book.all().size() == 1);
  health_view_settings bad;
  bad.faulty_confidence = 2;
  CHECK_THAT(context_of(bad.validate()), Catch::Contains("faulty_confidence"));
}

TEST_CASE_METHOD(fixture,
                 "detection_tree runs the whole pipeline in a supervision "
                 "tree and rejects invalid settings at spawn",
                 "[detection][pipeline]") {
  auto tree = supervisor_builder("app", strategy::one_for_one)
                .supervisor(detection_tree("detection"))
                .worker("w", start(worker, std::string{"app/w"}))
                .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  run();
  auto health = tree->endpoint("detection/health");
  REQUIRE(health);
  for (int i = 0; i < 20; ++i)
    advance(1s);
  caf::anon_send(tree->endpoint("w"), stall_atom::value);
  run();
  for (int i = 0; i < 50; ++i)
    advance(100ms);
  auto h = ask<target_health>(health, health_atom::value, "app/w");
  REQUIRE(h);
  CHECK(h->state == health_state::faulty);
  REQUIRE(h->faults.size() == 1);
  CHECK(h->faults[0].cls == fault_class::hang);
  // Invalid detector settings: the tree does not start, and says why.
  detection_tree_settings bad;
  bad.detectors.adaptive.front().z_threshold = -1;
  auto broken = supervisor_builder("app2", strategy::one_for_one)
                  .supervisor(detection_tree("detection", bad))
                  .spawn(sys);
  if (broken) {
    track(broken->root);
    auto err = ask_unit(broken->root, await_started_atom::value);
    REQUIRE(err);
    CHECK_THAT(render(err), Catch::Contains("z_threshold"));
  } else {
    CHECK_THAT(render(broken.error()), Catch::Contains("z_threshold"));
  }
}

TEST_CASE_METHOD(pipeline_fixture,
                 "a detector actor counts bad samples, ignores them and keeps "
                 "detecting",
                 "[detection][pipeline]") {
  threshold_detector_settings s;
  threshold_detector_rule r;
  r.metric = "queue_depth";
  r.target = "app/q";
  r.threshold.limit = 100;
  s.rules.push_back(r);
  auto d = track(*spawn_detector<threshold_detector>(sys, s));
  run();
  auto pub = [&](std::string target, double v, caf::timespan at) {
    publish_sample(self.ptr(), sample{std::move(target), "queue_depth", v, at});
    run();
  };
  pub("app/q", std::nan(""), 1s);
  pub("app/q", std::numeric_limits<double>::infinity(), 2s);
  pub("app/q", 10, 3s);
  pub("app/q", 10, 2s);     // time going backwards
  pub("app/other", 500, 4s); // a target the rule does not watch
  auto st = ask<detector_stats>(d, detector_stats_atom::value);
  REQUIRE(st);
  CHECK(st->samples == 5);
  CHECK(st->ignored_invalid == 2);
  CHECK(st->ignored_backwards == 1);
  CHECK(st->ignored_unknown == 1);
  CHECK(seen->detections.empty());
  pub("app/q", 150, 5s);
  REQUIRE(seen->detections.size() == 1);
  CHECK(seen->detections[0].target == "app/q");
  CHECK(seen->detections[0].active);
  // Invalid settings never make an actor.
  s.rules[0].threshold.for_duration = -1s;
  auto bad = spawn_detector<threshold_detector>(sys, s);
  REQUIRE_FALSE(bad);
  CHECK_THAT(render(bad.error()), Catch::Contains("for_duration"));
}
