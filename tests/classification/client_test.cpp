// The typed client API of a route, a detector, a classifier and a health
// view, from a scoped_actor on a real scheduler (the supervisor's is in
// tests/supervision/supervisor_actor_test.cpp), and what the compiler refuses.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "remedy/classification/classifier.hpp"
#include "remedy/classification/classifier_actor.hpp"
#include "remedy/classification/health_view_actor.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/detection/detector_actor.hpp"
#include "remedy/detection/detector_handle.hpp"
#include "remedy/detection/threshold_detector.hpp"
#include "remedy/routing/route_actor.hpp"
#include "remedy/routing/route_builder.hpp"
#include "remedy/runtime/config.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

static_assert(accepts<route_actor, route_stats_atom>);
static_assert(accepts<route_actor, bulkhead_resize_atom, uint32_t, uint32_t>);
static_assert(!accepts<route_actor, bulkhead_resize_atom, std::string>);
static_assert(accepts<health_view_actor, health_atom, std::string>);
static_assert(!accepts<health_view_actor, quarantine_atom>);
static_assert(!accepts<classifier_actor, health_atom>);
static_assert(accepts<detector_actor, detector_stats_atom>);

struct system_fixture {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::vector<caf::actor> spawned;

  caf::actor keep(caf::actor x) {
    spawned.push_back(x);
    return x;
  }

  ~system_fixture() {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  }
};

} // namespace

TEST_CASE_METHOD(system_fixture,
                 "typed route requests: stats, breaker control, resize",
                 "[routing][client]") {
  auto echo = keep(sys.spawn([] { return caf::behavior{[](int x) { return x; }}; }));
  circuit_breaker_settings breaker;
  auto route = route_builder("echo").breaker(breaker).to(sys, echo);
  REQUIRE(route);
  keep(*route);
  CHECK(force_open_breaker(self, *route));
  int answered = 0;
  caf::error refused;
  self->request(*route, 1s, 1).receive([&](int) { ++answered; },
                                       [&](caf::error& e) { refused = e; });
  CHECK(is(refused, errc::breaker_open));
  auto st = route_stats_of(self, *route);
  REQUIRE(st);
  CHECK(st->state == breaker_state::forced_open);
  CHECK(st->rejected_open == 1);
  CHECK(reset_breaker(self, *route));
  self->request(*route, 1s, 2).receive([&](int) { ++answered; },
                                       [&](caf::error&) {});
  CHECK(answered == 1);
  CHECK(disable_breaker(self, *route));
  CHECK(breaker_metrics_only(self, *route));
  // No bulkhead on this route: resizing fails and names the route.
  auto resized = resize_bulkhead(self, *route, 4u, 8u);
  REQUIRE(!resized);
  CHECK(is(resized.error(), errc::not_supported));
  auto plain = route_builder("plain").to(sys, echo);
  REQUIRE(plain);
  keep(*plain);
  auto no_breaker = reset_breaker(self, *plain);
  REQUIRE(!no_breaker);
  CHECK(is(no_breaker.error(), errc::not_supported));
}

TEST_CASE_METHOD(system_fixture,
                 "typed detector, classifier and health view requests",
                 "[classification][client]") {
  threshold_detector_settings s;
  threshold_detector_rule r;
  r.metric = "queue_depth";
  r.target = "app/q";
  r.threshold.limit = 100;
  s.rules.push_back(r);
  auto det = spawn_detector<threshold_detector>(sys, s);
  REQUIRE(det);
  keep(*det);
  sample x;
  x.target = "app/q";
  x.metric = "queue_depth";
  x.value = 10;
  x.at = 1s;
  caf::anon_send(*det, x);
  auto stats = detector_stats_of(self, *det);
  REQUIRE(stats);
  CHECK(stats->samples == 1);
  auto cls = spawn_classifier(sys);
  REQUIRE(cls);
  keep(*cls);
  auto faults = active_faults(self, *cls);
  REQUIRE(faults);
  CHECK(faults->empty());
  auto view = spawn_health_view(sys);
  REQUIRE(view);
  keep(*view);
  auto h = health_of(self, *view, "app/q");
  REQUIRE(h);
  CHECK(h->state == health_state::healthy);
  auto q = quarantine(self, *view, "app/q");
  REQUIRE(q);
  CHECK(q->state == health_state::quarantined);
  auto all = all_health(self, *view);
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK(all->front().target == "app/q");
  auto released = release(self, *view, "app/q");
  REQUIRE(released);
  CHECK(released->state == health_state::healthy);
}
