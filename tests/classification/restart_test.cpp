// A classifier and a health view under a supervisor converge after either
// restarts: a restarted classifier's faults replace its previous
// incarnation's in the view (and never share an id with them), and a
// restarted health view keeps the operator's quarantines and catches up with
// the faults the classifier holds.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "remedy/classification/atoms.hpp"
#include "remedy/classification/classifier.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/classification/health_view.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/detection/detection.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

struct restart_fixture : fixture {
  caf::actor sup;

  restart_fixture() {
    supervisor_flags flags;
    flags.name = "detect";
    flags.intensity = 10;
    classifier_settings cs;
    cs.clear_after = 2s;
    sup = track(*spawn_supervisor(
      sys, flags,
      {child_spec::worker("health", health_view_start()),
       child_spec::worker("classifier", classifier_start(cs))}));
    run();
  }

  caf::actor child(const std::string& id) {
    auto xs = ask<std::vector<child_info>>(sup, which_children_atom::value);
    REQUIRE(xs);
    for (auto& x : *xs)
      if (x.id == id)
        return x.current;
    FAIL("no child " << id);
    return {};
  }

  void crash_of(const std::string& target) {
    caf::anon_send(child("classifier"),
                   detection::raise(detection_kind::crash, target,
                                    now().time_since_epoch())
                     .with_detail("exited: test"));
    run();
  }

  target_health health_of(const std::string& target) {
    auto h = ask<target_health>(child("health"), health_atom::value, target);
    REQUIRE(h);
    return *h;
  }

  void kill(const std::string& id) {
    caf::anon_send_exit(child(id), caf::exit_reason::kill);
    run();
  }
};

} // namespace

TEST_CASE_METHOD(restart_fixture,
                 "a restarted classifier's faults replace its previous "
                 "incarnation's in the health view",
                 "[classification][restart]") {
  crash_of("app/db");
  auto before = health_of("app/db");
  REQUIRE(before.state == health_state::faulty);
  REQUIRE(before.faults.size() == 1);
  auto old_id = before.faults[0].id;
  auto old_classifier = child("classifier");
  kill("classifier");
  REQUIRE(child("classifier") != old_classifier); // restarted
  // The new incarnation holds no fault: the old one's is gone from the view.
  auto after = health_of("app/db");
  CHECK(after.state == health_state::healthy);
  CHECK(after.faults.empty());
  crash_of("app/db");
  auto again = health_of("app/db");
  REQUIRE(again.faults.size() == 1);
  CHECK(again.faults[0].id != old_id);
  CHECK((again.faults[0].id >> 32) != (old_id >> 32));
  CHECK(again.state == health_state::faulty);
}

TEST_CASE_METHOD(restart_fixture,
                 "a restarted health view keeps its quarantines and catches "
                 "up with the classifier's faults",
                 "[classification][restart]") {
  crash_of("app/db");
  auto q = ask<target_health>(child("health"), quarantine_atom::value,
                              std::string{"app/cache"});
  REQUIRE(q);
  REQUIRE(q->state == health_state::quarantined);
  auto old_view = child("health");
  kill("health");
  REQUIRE(child("health") != old_view);
  CHECK(health_of("app/cache").state == health_state::quarantined);
  auto db = health_of("app/db");
  CHECK(db.state == health_state::faulty);
  CHECK(db.faults.size() == 1);
  // A release after the restart is remembered across the next one too.
  auto r = ask<target_health>(child("health"), release_atom::value,
                              std::string{"app/cache"});
  REQUIRE(r);
  CHECK(r->state == health_state::healthy);
  kill("health");
  CHECK(health_of("app/cache").state == health_state::healthy);
}

TEST_CASE("health_book::sync replaces faults and keeps quarantines",
          "[classification][restart]") {
  health_book book{health_view_settings{}};
  fault f;
  f.id = 7;
  f.cls = fault_class::crash;
  f.target = "a";
  f.confidence = 1.0;
  f.severity = 1.0;
  CHECK(book.apply(fault_event{fault_event_kind::raised, f}, 1s));
  CHECK(book.quarantine("b", true, 1s));
  fault g = f;
  g.id = (uint64_t{2} << 32) + 1;
  g.target = "c";
  auto changed = book.sync(fault_snapshot{"classifier", {g}}, 2s);
  CHECK(changed.size() == 2); // a healthy again, c faulty; b unchanged
  CHECK(book.get("a").state == health_state::healthy);
  CHECK(book.get("b").state == health_state::quarantined);
  CHECK(book.get("c").state == health_state::faulty);
  REQUIRE(book.get("c").faults.size() == 1);
  CHECK(book.get("c").faults[0].id == g.id);
}
