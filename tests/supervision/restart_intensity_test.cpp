// restart_intensity as a pure value: OTP's sliding window of restarts, with
// its boundary (a restart exactly `period` ago still counts), max 0, count()
// without side effects, clear() and validate().

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/supervision/restart_intensity.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

using time_point = restart_intensity::time_point;

// An arbitrary origin far from the clock's epoch, so that `t0 - period` is
// still a valid time point.
const time_point t0 = time_point{} + 1000h;

} // namespace

TEST_CASE("restart_intensity defaults to OTP's 1 restart in 5 seconds",
          "[restart_intensity]") {
  restart_intensity ri;
  CHECK(ri.max_restarts() == 1);
  CHECK(ri.period() == caf::timespan{5s});
  CHECK(!ri.validate());
  CHECK(ri.count(t0) == 0);
  CHECK(ri.record(t0));
  CHECK_FALSE(ri.record(t0 + 1s));
}

TEST_CASE("restart_intensity accessors return the constructor arguments",
          "[restart_intensity]") {
  restart_intensity ri{7, 250ms};
  CHECK(ri.max_restarts() == 7);
  CHECK(ri.period() == caf::timespan{250ms});
}

TEST_CASE("a restart exactly `period` ago still counts",
          "[restart_intensity]") {
  restart_intensity ri{1, 5s};
  REQUIRE(ri.record(t0));
  CHECK(ri.count(t0 + 5s) == 1);
  // Two restarts within [now - period, now]: exceeds a limit of 1.
  CHECK_FALSE(ri.record(t0 + 5s));
  CHECK(ri.count(t0 + 5s) == 2);
}

TEST_CASE("a restart one nanosecond more than `period` ago no longer counts",
          "[restart_intensity]") {
  restart_intensity ri{1, 5s};
  REQUIRE(ri.record(t0));
  CHECK(ri.count(t0 + 5s + 1ns) == 0);
  CHECK(ri.record(t0 + 5s + 1ns));
  CHECK(ri.count(t0 + 5s + 1ns) == 1);
}

TEST_CASE("the boundary holds for a one-nanosecond period",
          "[restart_intensity]") {
  restart_intensity ri{1, 1ns};
  REQUIRE(ri.record(t0));
  CHECK_FALSE(ri.record(t0 + 1ns)); // t0 is exactly 1 ns ago: counts
  restart_intensity rj{1, 1ns};
  REQUIRE(rj.record(t0));
  CHECK(rj.record(t0 + 2ns)); // t0 is 2 ns ago: forgotten
}

TEST_CASE("max_restarts 0 means the first restart exceeds the limit",
          "[restart_intensity]") {
  restart_intensity ri{0, 5s};
  CHECK(!ri.validate());
  CHECK_FALSE(ri.record(t0));
  CHECK(ri.count(t0) == 1);
  // Even after the window has passed, every single restart exceeds.
  CHECK_FALSE(ri.record(t0 + 1h));
  CHECK(ri.count(t0 + 1h) == 1);
}

TEST_CASE("max_restarts N allows exactly N restarts at the same instant",
          "[restart_intensity]") {
  for (size_t n : {1u, 2u, 3u, 10u, 1000u}) {
    CAPTURE(n);
    restart_intensity ri{n, 1s};
    for (size_t i = 0; i < n; ++i)
      REQUIRE(ri.record(t0));
    CHECK(ri.count(t0) == n);
    CHECK_FALSE(ri.record(t0));
    CHECK(ri.count(t0) == n + 1);
  }
}

TEST_CASE("count() reports restarts in the window without recording one",
          "[restart_intensity]") {
  restart_intensity ri{3, 10s};
  CHECK(ri.count(t0) == 0);
  REQUIRE(ri.record(t0));
  REQUIRE(ri.record(t0 + 4s));
  // Repeated calls do not change anything.
  for (int i = 0; i < 3; ++i) {
    CHECK(ri.count(t0 + 4s) == 2);
    CHECK(ri.count(t0 + 10s) == 2);       // t0 exactly period ago
    CHECK(ri.count(t0 + 10s + 1ns) == 1); // t0 gone, t0+4s stays
    CHECK(ri.count(t0 + 14s) == 1);       // t0+4s exactly period ago
    CHECK(ri.count(t0 + 14s + 1ns) == 0);
  }
  // count() at a late time did not expire anything: an earlier count and the
  // next record still see both restarts.
  CHECK(ri.count(t0 + 5s) == 2);
  CHECK(ri.record(t0 + 5s)); // 3 restarts in the window: limit holds
  CHECK(ri.count(t0 + 5s) == 3);
  CHECK_FALSE(ri.record(t0 + 6s)); // 4 > 3
}

TEST_CASE("clear() forgets every recorded restart", "[restart_intensity]") {
  restart_intensity ri{2, 5s};
  REQUIRE(ri.record(t0));
  REQUIRE(ri.record(t0));
  REQUIRE_FALSE(ri.record(t0));
  REQUIRE(ri.count(t0) == 3);
  ri.clear();
  CHECK(ri.count(t0) == 0);
  CHECK(ri.max_restarts() == 2);
  CHECK(ri.period() == caf::timespan{5s});
  // The full budget is available again.
  CHECK(ri.record(t0));
  CHECK(ri.record(t0));
  CHECK_FALSE(ri.record(t0));
}

TEST_CASE("the window slides over spaced restarts", "[restart_intensity]") {
  // At most 3 restarts in any 10 s.
  restart_intensity ri{3, 10s};
  CHECK(ri.record(t0 + 0s));  // {0}
  CHECK(ri.record(t0 + 4s));  // {0, 4}
  CHECK(ri.record(t0 + 8s));  // {0, 4, 8}
  CHECK(ri.record(t0 + 12s)); // 0 is 12 s ago: {4, 8, 12}
  CHECK(ri.count(t0 + 12s) == 3);
  CHECK_FALSE(ri.record(t0 + 14s)); // 4 is exactly 10 s ago: {4, 8, 12, 14}
  CHECK(ri.count(t0 + 14s) == 4);
  CHECK(ri.count(t0 + 18s) == 3); // {8, 12, 14}
  CHECK(ri.record(t0 + 25s));     // everything before 15 s gone: {25}
  CHECK(ri.count(t0 + 25s) == 1);
}

TEST_CASE("restarts spaced by more than the period never exceed",
          "[restart_intensity]") {
  restart_intensity ri{1, 5s};
  for (int i = 0; i < 100; ++i) {
    CAPTURE(i);
    REQUIRE(ri.record(t0 + i * (5s + 1ns)));
    REQUIRE(ri.count(t0 + i * (5s + 1ns)) == 1);
  }
}

TEST_CASE("restarts spaced by exactly the period exceed a limit of 1",
          "[restart_intensity]") {
  restart_intensity ri{1, 5s};
  REQUIRE(ri.record(t0));
  CHECK_FALSE(ri.record(t0 + 5s));
  // At 10 s, 0 is gone but 5 is exactly one period ago: {5, 10}.
  CHECK_FALSE(ri.record(t0 + 10s));
  CHECK(ri.count(t0 + 10s) == 2);
}

TEST_CASE("a burst exceeds and then ages out", "[restart_intensity]") {
  restart_intensity ri{2, 1s};
  std::vector<bool> results;
  for (auto t : {0ms, 100ms, 200ms, 1100ms, 1201ms, 2300ms})
    results.push_back(ri.record(t0 + t));
  // 0,100 ok; 200 exceeds (3); 1100: {100,200,1100} exceeds (100 is exactly
  // 1 s ago); 1201: {1100,1201} ok (200 is 1001 ms ago); 2300: {2300} ok.
  CHECK(results == std::vector<bool>{true, true, false, false, true, true});
}

TEST_CASE("validate() rejects a period that is not positive",
          "[restart_intensity]") {
  for (auto p : {caf::timespan{0}, caf::timespan{-1}, caf::timespan{-5s}}) {
    CAPTURE(p.count());
    auto err = restart_intensity{1, p}.validate();
    REQUIRE(err);
    CHECK(is(err, errc::invalid_argument));
    CHECK_THAT(context_of(err), Catch::Contains("period"));
    CHECK_THAT(context_of(err),
               Catch::Contains(std::to_string(p.count()) + "ns"));
  }
  CHECK(!restart_intensity{1, caf::timespan{1}}.validate());
  CHECK(!restart_intensity{0, 1h}.validate());
  CHECK(!restart_intensity{1000000, 5s}.validate());
}
