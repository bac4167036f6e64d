// The orchestrator's limits as a value: one healing per target, cooldown,
// a cap on healings at once, and a disruption budget per group.

#include <catch2/catch.hpp>

#include "remedy/healing/healing_limits.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {
using tp = healing_limits::time_point;
} // namespace

TEST_CASE("one healing per target, then its cooldown", "[healing][limits]") {
  healing_limits l{8, 0.25, 5s};
  tp t0{};
  CHECK(l.check("a", "", 1, t0) == admission::admitted);
  l.begin("a", "");
  CHECK(l.check("a", "", 1, t0) == admission::busy);
  CHECK(l.check("b", "", 1, t0) == admission::admitted);
  l.end("a", "", t0 + 1s);
  CHECK(l.check("a", "", 1, t0 + 1s) == admission::cooling);
  CHECK(l.check("a", "", 1, t0 + 5999ms) == admission::cooling);
  CHECK(l.check("a", "", 1, t0 + 6s) == admission::admitted);
  CHECK(l.cooldown_until("a") == t0 + 6s);
}

TEST_CASE("the cap counts healings over all targets", "[healing][limits]") {
  healing_limits l{2, 1.0, 0s};
  tp t0{};
  l.begin("a", "");
  l.begin("b", "");
  CHECK(l.active() == 2);
  CHECK(l.check("c", "", 1, t0) == admission::capped);
  l.end("a", "", t0);
  CHECK(l.check("c", "", 1, t0) == admission::admitted);
}

TEST_CASE("the disruption budget: at most floor(share * size), at least one, "
          "of a group at once",
          "[healing][limits]") {
  healing_limits l{100, 0.25, 0s};
  CHECK(l.budget(1) == 1);
  CHECK(l.budget(3) == 1);
  CHECK(l.budget(4) == 1);
  CHECK(l.budget(8) == 2);
  CHECK(l.budget(100) == 25);
  tp t0{};
  l.begin("w1", "pool");
  l.begin("w2", "pool");
  CHECK(l.active_in("pool") == 2);
  CHECK(l.check("w3", "pool", 8, t0) == admission::over_budget);
  CHECK(l.check("x", "other", 8, t0) == admission::admitted);
  l.end("w1", "pool", t0);
  CHECK(l.check("w3", "pool", 8, t0) == admission::admitted);
}

TEST_CASE("ending a healing that did not begin changes nothing",
          "[healing][limits]") {
  healing_limits l{1, 0.5, 10s};
  tp t0{};
  l.end("ghost", "g", t0);
  CHECK(l.active() == 0);
  CHECK(l.check("ghost", "g", 2, t0) == admission::admitted);
}
