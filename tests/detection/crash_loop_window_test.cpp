// crash_loop_window as a pure value: firing on the N-th event within T
// (an event exactly T ago still counts), once per burst, re-arming when the
// count drops below N, a steady loop, N = 1, count() with saturation and
// arbitrary query times, armed() and rearm_at(), rejected events, reset,
// validate(), and random event streams checked against a model that keeps
// every event.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "remedy/detection/crash_loop_window.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using time_point = crash_loop_window::time_point;
using ts = caf::timespan;

const time_point t0 = time_point{} + 1000h;

time_point at_s(int64_t s) {
  return t0 + std::chrono::seconds(s);
}

crash_loop_settings make(uint32_t events, ts window) {
  crash_loop_settings s;
  s.name = "db";
  s.events = events;
  s.window = window;
  return s;
}


} // namespace

TEST_CASE("crash loop: the N-th event within T fires, once per burst",
          "[crash_loop][detector]") {
  crash_loop_window w{make(3, 10s)};
  CHECK(w.count(t0) == 0);
  CHECK(w.armed(t0));
  CHECK_FALSE(w.record(at_s(0)));
  CHECK_FALSE(w.record(at_s(1)));
  CHECK(w.count(at_s(1)) == 2);
  CHECK(w.record(at_s(2)));
  CHECK(w.count(at_s(2)) == 3);
  CHECK(w.fired() == 1);
  CHECK_FALSE(w.armed(at_s(2)));
  // The burst goes on: no second firing, and the count saturates at N.
  CHECK_FALSE(w.record(at_s(3)));
  CHECK_FALSE(w.record(at_s(3)));
  CHECK(w.count(at_s(3)) == 3);
  CHECK(w.fired() == 1);
}

TEST_CASE("crash loop: an event exactly T ago still counts",
          "[crash_loop][detector]") {
  crash_loop_window w{make(3, 10s)};
  CHECK_FALSE(w.record(at_s(0)));
  CHECK_FALSE(w.record(at_s(5)));
  CHECK(w.record(at_s(10))); // 10 - 0 = T: counts
  crash_loop_window v{make(3, 10s)};
  CHECK_FALSE(v.record(at_s(0)));
  CHECK_FALSE(v.record(at_s(5)));
  CHECK_FALSE(v.record(at_s(10) + 1ns)); // the first is 1 ns too old
  // At 10 s: 0 and 5 (the third is still ahead); 1 ns later: 5 and the
  // third (0 is too old).
  CHECK(v.count(at_s(10)) == 2);
  CHECK(v.count(at_s(10) + 1ns) == 2);
  CHECK(v.count(at_s(15)) == 2);
  CHECK(v.count(at_s(15) + 1ns) == 1);
}

TEST_CASE("crash loop: re-arms once the count drops below N",
          "[crash_loop][detector]") {
  crash_loop_window w{make(3, 10s)};
  CHECK_FALSE(w.record(at_s(0)));
  CHECK_FALSE(w.record(at_s(1)));
  CHECK(w.record(at_s(2)));
  CHECK_FALSE(w.record(at_s(3)));
  // The last three are 1, 2, 3: the count drops below 3 once 1 is more than
  // 10 s old, at 11 s + 1 ns.
  CHECK(w.rearm_at() == at_s(11) + 1ns);
  CHECK_FALSE(w.armed(at_s(11)));
  CHECK(w.armed(at_s(11) + 1ns));
  // At 13 s the window has re-armed; 2, 3, 13 span 11 s: no loop.
  CHECK_FALSE(w.record(at_s(13)));
  CHECK_FALSE(w.rearm_at());
  CHECK(w.armed(at_s(13)));
  // 3, 13, 14 span 11 s: no loop; 13, 14, 15 span 2 s: fires again.
  CHECK_FALSE(w.record(at_s(14)));
  CHECK(w.record(at_s(15)));
  CHECK(w.fired() == 2);
}

TEST_CASE("crash loop: a steady loop slower than N per T fires per window",
          "[crash_loop][detector]") {
  // One event every 4 s with N = 3, T = 10 s: 0, 4, 8 fire (8 s apart).
  // Before 12 the count is 2 (4 and 8; 0 is 12 s old): re-armed, and 4, 8,
  // 12 fire again. So every event from the third on fires: each one ends a
  // quiet gap in which fewer than N events counted.
  crash_loop_window w{make(3, 10s)};
  std::vector<bool> fired;
  for (int s = 0; s <= 24; s += 4)
    fired.push_back(w.record(at_s(s)));
  CHECK(fired == std::vector<bool>{false, false, true, true, true, true, true});
  // One every 5 s: 0, 5, 10 fire (10 s apart, counts); before 15 the last
  // three are 0, 5, 10 and 0 is 15 s old: re-armed; 5, 10, 15 fire again.
  crash_loop_window v{make(3, 10s)};
  fired.clear();
  for (int s = 0; s <= 20; s += 5)
    fired.push_back(v.record(at_s(s)));
  CHECK(fired == std::vector<bool>{false, false, true, true, true});
  // A fast burst fires once: 20 events 100 ms apart.
  crash_loop_window u{make(3, 10s)};
  int fires = 0;
  for (int i = 0; i < 20; ++i)
    fires += u.record(t0 + i * 100ms) ? 1 : 0;
  CHECK(fires == 1);
}

TEST_CASE("crash loop: N = 1 fires on the first event of each quiet period",
          "[crash_loop][detector]") {
  crash_loop_window w{make(1, 10s)};
  CHECK(w.record(at_s(0)));
  CHECK_FALSE(w.record(at_s(5)));  // 0 still counts: no re-arm
  CHECK_FALSE(w.record(at_s(15))); // 5 still counts (10 s ago)
  CHECK(w.record(at_s(26)));       // 15 is 11 s old: re-armed
  CHECK(w.fired() == 2);
}

TEST_CASE("crash loop: count() at any time", "[crash_loop][detector]") {
  crash_loop_window w{make(4, 10s)};
  for (int s : {0, 2, 4, 6})
    w.record(at_s(s));
  CHECK(w.count(at_s(6)) == 4);
  CHECK(w.count(at_s(10)) == 4);
  CHECK(w.count(at_s(11)) == 3); // 0 is 11 s old
  CHECK(w.count(at_s(16)) == 1); // only 6
  CHECK(w.count(at_s(17)) == 0);
  // Before the events: only those at or before the query time count.
  CHECK(w.count(at_s(3)) == 2);
  CHECK(w.count(at_s(-1)) == 0);
  CHECK(w.count(time_point::min()) == 0);
  CHECK(w.count(time_point::max()) == 0);
}

TEST_CASE("crash loop: events earlier than the previous one are rejected",
          "[crash_loop][detector]") {
  crash_loop_window w{make(2, 10s)};
  CHECK_FALSE(w.record(at_s(5)));
  CHECK_FALSE(w.record(at_s(4)));
  CHECK_FALSE(w.record(time_point::min()));
  CHECK(w.rejected() == 2);
  CHECK(w.count(at_s(5)) == 1);
  CHECK(w.record(at_s(5))); // the same time is fine
}

TEST_CASE("crash loop: extreme times do not overflow",
          "[crash_loop][detector]") {
  crash_loop_window w{make(2, ts::max())};
  CHECK_FALSE(w.record(time_point::min()));
  CHECK(w.record(time_point::max()));
  // max - min overflows a timespan; it saturates at ts::max(), which the
  // window still covers.
  CHECK(w.count(time_point::max()) == 2);
  CHECK(w.rearm_at());
  crash_loop_window v{make(2, 1s)};
  CHECK_FALSE(v.record(time_point::min()));
  CHECK_FALSE(v.record(time_point::max()));
  CHECK(v.count(time_point::max()) == 1);
}

TEST_CASE("crash loop: reset() forgets the events and re-arms",
          "[crash_loop][detector]") {
  crash_loop_window w{make(2, 10s)};
  CHECK_FALSE(w.record(at_s(0)));
  CHECK(w.record(at_s(1)));
  CHECK_FALSE(w.record(at_s(0))); // rejected
  w.reset();
  CHECK(w.count(at_s(1)) == 0);
  CHECK(w.armed(at_s(1)));
  CHECK_FALSE(w.rearm_at());
  CHECK(w.fired() == 1);
  CHECK(w.rejected() == 1);
  CHECK_FALSE(w.record(at_s(0))); // any time is fine again
  CHECK(w.record(at_s(1)));
}

TEST_CASE("crash loop settings: defaults and boundary values are valid",
          "[crash_loop][detector]") {
  crash_loop_settings s;
  CHECK(!s.validate());
  CHECK(s.name == "crash_loop");
  CHECK(s.events == 5);
  CHECK(s.window == ts{60s});
  CHECK(!make(1, 1ns).validate());
  CHECK(!make(65536, ts::max()).validate());
}

TEST_CASE("crash loop settings: validate() names the window and the field",
          "[crash_loop][detector]") {
  std::vector<bad_setting<crash_loop_settings>> cases{
    {"events", "0", make(0, 10s)},
    {"events", "65537", make(65537, 10s)},
    {"window", "0ns", make(3, ts{0})},
    {"window", "-10s", make(3, -10s)},
  };
  check_rejected(cases, "crash loop window 'db': ");
  auto s = make(3, 10s);
  s.name.clear();
  REQUIRE(s.validate());
  CHECK(contains(context_of(s.validate()), "empty name"));
}

TEST_CASE("crash loop: invalid settings are clamped",
          "[crash_loop][detector]") {
  crash_loop_window w{make(0, -1s)};
  // N = 1, T = 1 ns.
  CHECK(w.record(t0));
  CHECK_FALSE(w.record(t0 + 1ns));
  CHECK(w.record(t0 + 3ns));
}

TEST_CASE("crash loop: random event streams match a model keeping every event",
          "[crash_loop][detector]") {
  std::mt19937_64 rng{77};
  std::uniform_int_distribution<int64_t> gap_ms{0, 4000};
  std::uniform_int_distribution<uint32_t> n_dist{1, 6};
  std::uniform_int_distribution<int64_t> window_ms{1, 10000};
  size_t mismatches = 0;
  size_t events = 0;
  std::string first;
  for (int round = 0; round < 1000; ++round) {
    auto n = n_dist(rng);
    auto window = ts{std::chrono::milliseconds(window_ms(rng))};
    crash_loop_window w{make(n, window)};
    std::deque<time_point> all; // events in [now - T, now]
    bool fired = false;
    auto t = t0;
    for (int i = 0; i < 1000; ++i) {
      t += std::chrono::milliseconds(gap_ms(rng) * (rng() % 8 == 0 ? 0 : 1));
      while (!all.empty() && t - all.front() > window)
        all.pop_front();
      if (fired && all.size() < n)
        fired = false;
      all.push_back(t);
      bool expected = false;
      if (!fired && all.size() >= n) {
        fired = true;
        expected = true;
      }
      auto got = w.record(t);
      auto count = w.count(t);
      auto model_count = std::min<size_t>(all.size(), n);
      ++events;
      if (got != expected || count != model_count) {
        if (mismatches++ == 0)
          first = "round " + std::to_string(round) + " event "
                  + std::to_string(i);
      }
    }
  }
  CAPTURE(first, events);
  CHECK(mismatches == 0);
}
