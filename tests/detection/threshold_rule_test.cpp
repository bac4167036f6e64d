// threshold_rule as a pure value: raising at the limit (above and below),
// the for-duration at its exact boundary and interrupted, hysteresis with a
// dead band and clear_for, advance() at next_deadline(), rejected samples,
// infinite values, reset, validate(), and random sequences checked against
// an independent model of the rule.

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "remedy/detection/threshold_rule.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace Catch {

template <>
struct StringMaker<remedy::threshold_edge> {
  static std::string convert(remedy::threshold_edge x) {
    return remedy::to_string(x);
  }
};

} // namespace Catch

namespace {

using time_point = threshold_rule::time_point;
using ts = caf::timespan;


const time_point t0 = time_point{} + 1000h;

constexpr auto none = threshold_edge::none;
constexpr auto raised = threshold_edge::raised;
constexpr auto cleared = threshold_edge::cleared;

threshold_settings
make(threshold_direction dir, double limit, ts for_duration = ts{0},
     std::optional<double> clear_limit = std::nullopt, ts clear_for = ts{0}) {
  threshold_settings s;
  s.name = "cpu";
  s.direction = dir;
  s.limit = limit;
  s.for_duration = for_duration;
  s.clear_limit = clear_limit;
  s.clear_for = clear_for;
  return s;
}

constexpr auto above = threshold_direction::above;
constexpr auto below = threshold_direction::below;


} // namespace

TEST_CASE("to_string names threshold directions and edges",
          "[threshold_rule][detector]") {
  CHECK(std::string{to_string(above)} == "above");
  CHECK(std::string{to_string(below)} == "below");
  CHECK(std::string{to_string(static_cast<threshold_direction>(9))}
        == "<invalid threshold_direction>");
  CHECK(std::string{to_string(none)} == "none");
  CHECK(std::string{to_string(raised)} == "raised");
  CHECK(std::string{to_string(cleared)} == "cleared");
  CHECK(std::string{to_string(static_cast<threshold_edge>(9))}
        == "<invalid threshold_edge>");
}

TEST_CASE("threshold: an above rule raises at the limit and clears below it",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 10)};
  CHECK_FALSE(r.active());
  CHECK(r.clear_limit() == 10.0);
  CHECK(r.update(5, t0) == none);
  CHECK(r.update(9.999, t0 + 1s) == none);
  CHECK(r.update(10, t0 + 2s) == raised); // reaching the limit counts
  CHECK(r.active());
  CHECK(r.update(12, t0 + 3s) == none);
  CHECK(r.update(10, t0 + 4s) == none); // still at the limit
  CHECK(r.update(9.999, t0 + 5s) == cleared);
  CHECK_FALSE(r.active());
  CHECK(r.last_value() == 9.999);
  CHECK_FALSE(r.next_deadline());
}

TEST_CASE("threshold: a below rule raises at the limit and clears above it",
          "[threshold_rule][detector]") {
  threshold_rule r{make(below, 0.2)};
  CHECK(r.update(0.5, t0) == none);
  CHECK(r.update(0.2, t0 + 1s) == raised);
  CHECK(r.update(0.1, t0 + 2s) == none);
  CHECK(r.update(0.2, t0 + 3s) == none);
  CHECK(r.update(0.21, t0 + 4s) == cleared);
}

TEST_CASE("threshold: for_duration raises exactly when it has elapsed",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 90, 30s)};
  CHECK(r.update(95, t0) == none);
  CHECK(r.pending_since() == t0);
  CHECK(r.next_deadline() == t0 + 30s);
  CHECK(r.update(99, t0 + 10s) == none);
  CHECK(r.update(91, t0 + 30s - 1ns) == none);
  CHECK(r.pending_since() == t0); // the period runs from the first sample
  CHECK(r.update(90, t0 + 30s) == raised);
  CHECK(r.active());
  CHECK_FALSE(r.pending_since());
  // Clearing has no hold time: the first value below clears.
  CHECK(r.update(89, t0 + 31s) == cleared);
}

TEST_CASE("threshold: a value that misses the condition restarts the period",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 90, 30s)};
  CHECK(r.update(95, t0) == none);
  CHECK(r.update(80, t0 + 20s) == none);
  CHECK_FALSE(r.pending_since());
  CHECK(r.update(95, t0 + 25s) == none);
  CHECK(r.pending_since() == t0 + 25s);
  CHECK(r.update(95, t0 + 54s) == none); // only 29 s since t0 + 25 s
  CHECK(r.update(95, t0 + 55s) == raised);
}

TEST_CASE("threshold: advance() raises at next_deadline() without a sample",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 90, 30s, 80.0, 60s)};
  CHECK(r.advance(t0) == none); // no sample yet
  CHECK(r.update(95, t0) == none);
  auto deadline = r.next_deadline();
  REQUIRE(deadline);
  CHECK(*deadline == t0 + 30s);
  CHECK(r.advance(t0 + 29s) == none);
  CHECK(r.advance(*deadline) == raised);
  CHECK_FALSE(r.next_deadline());
  // Clearing: 70 holds the clear condition from t0 + 40 s; 60 s later it
  // clears.
  CHECK(r.update(70, t0 + 40s) == none);
  CHECK(r.next_deadline() == t0 + 100s);
  CHECK(r.advance(t0 + 99s) == none);
  CHECK(r.advance(t0 + 100s) == cleared);
  // advance() before the last sample changes nothing.
  CHECK(r.advance(t0) == none);
  CHECK(r.rejected() == 0);
}

TEST_CASE("threshold: hysteresis clears only past clear_limit",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 90, ts{0}, 80.0)};
  CHECK(r.clear_limit() == 80.0);
  CHECK(r.update(85, t0) == none); // dead band, inactive: no raise
  CHECK(r.update(95, t0 + 1s) == raised);
  CHECK(r.update(85, t0 + 2s) == none); // dead band, active: no clear
  CHECK(r.update(80, t0 + 3s) == none); // at clear_limit: not past it
  CHECK(r.active());
  CHECK(r.update(79.5, t0 + 4s) == cleared);
  CHECK(r.update(85, t0 + 5s) == none);
  CHECK(r.update(90, t0 + 6s) == raised);
  // A below rule: raise at <= 10, clear above 20.
  threshold_rule low{make(below, 10, ts{0}, 20.0)};
  CHECK(low.update(10, t0) == raised);
  CHECK(low.update(15, t0 + 1s) == none);
  CHECK(low.update(20, t0 + 2s) == none);
  CHECK(low.update(20.5, t0 + 3s) == cleared);
}

TEST_CASE("threshold: clear_for needs the clear condition to hold",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 90, ts{0}, 80.0, 60s)};
  CHECK(r.update(95, t0) == raised);
  CHECK(r.update(70, t0 + 10s) == none);
  CHECK(r.pending_since() == t0 + 10s);
  // Back in the dead band: the clear period ends.
  CHECK(r.update(85, t0 + 40s) == none);
  CHECK_FALSE(r.pending_since());
  CHECK(r.update(70, t0 + 50s) == none);
  CHECK(r.update(70, t0 + 110s - 1ns) == none);
  CHECK(r.update(75, t0 + 110s) == cleared);
  CHECK_FALSE(r.active());
}

TEST_CASE("threshold: NaN and samples back in time are rejected",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 90, 10s)};
  CHECK(r.update(95, t0 + 5s) == none);
  CHECK(r.update(qnan, t0 + 6s) == none);
  CHECK(r.update(95, t0 + 4s) == none);
  CHECK(r.rejected() == 2);
  CHECK(r.pending_since() == t0 + 5s);
  CHECK(r.last_value() == 95.0);
  CHECK(r.update(95, t0 + 15s) == raised);
  // Samples at the same time are fine.
  CHECK(r.update(50, t0 + 15s) == cleared);
}

TEST_CASE("threshold: infinite values are ordinary values",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 1e300)};
  CHECK(r.update(pos_inf, t0) == raised);
  CHECK(r.update(-pos_inf, t0 + 1s) == cleared);
  threshold_rule low{make(below, -1e300)};
  CHECK(low.update(-pos_inf, t0) == raised);
}

TEST_CASE("threshold: the deadline saturates at the end of the clock",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 1, ts::max())};
  CHECK(r.update(2, time_point::max() - 1h) == none);
  CHECK(r.next_deadline() == time_point::max());
  CHECK(r.advance(time_point::max()) == none);
  threshold_rule s{make(above, 1, 1h)};
  CHECK(s.update(2, time_point::min()) == none);
  CHECK(s.update(2, time_point::max()) == raised);
}

TEST_CASE("threshold: reset() returns to inactive without samples",
          "[threshold_rule][detector]") {
  threshold_rule r{make(above, 10, 5s)};
  CHECK(r.update(20, t0) == none);
  CHECK(r.update(20, t0 + 5s) == raised);
  CHECK(r.update(1, t0 + 1s) == none); // rejected
  r.reset();
  CHECK_FALSE(r.active());
  CHECK_FALSE(r.pending_since());
  CHECK_FALSE(r.last_value());
  CHECK(r.rejected() == 1);
  CHECK(r.update(20, t0) == none); // any time is fine again
  CHECK(r.pending_since() == t0);
}

TEST_CASE("threshold settings: defaults and boundary values are valid",
          "[threshold_rule][detector]") {
  threshold_settings s;
  CHECK(!s.validate());
  CHECK(s.name == "threshold");
  CHECK(s.direction == above);
  CHECK(s.limit == 0.0);
  CHECK(s.for_duration == ts{0});
  CHECK_FALSE(s.clear_limit);
  CHECK(s.clear_for == ts{0});
  CHECK(!make(above, 90, 1ns, 90.0, 1ns).validate());
  CHECK(!make(below, 10, ts::max(), 10.0, ts::max()).validate());
  CHECK(!make(above, 90, ts{0}, -1e300).validate());
  CHECK(!make(below, -1e300, ts{0}, 1e300).validate());
}

TEST_CASE("threshold settings: validate() names the rule and the field",
          "[threshold_rule][detector]") {
  std::vector<bad_setting<threshold_settings>> cases{
    {"direction", "7", make(static_cast<threshold_direction>(7), 1)},
    {"limit", "nan", make(above, qnan)},
    {"limit", "inf", make(above, pos_inf)},
    {"limit", "-inf", make(below, -pos_inf)},
    {"for_duration", "-1ns", make(above, 1, -1ns)},
    {"clear_limit", "90.5", make(above, 90, ts{0}, 90.5)},
    {"clear_limit", "9", make(below, 10, ts{0}, 9.0)},
    {"clear_limit", "nan", make(above, 90, ts{0}, qnan)},
    {"clear_limit", "-inf", make(above, 90, ts{0}, -pos_inf)},
    {"clear_for", "-5s", make(above, 90, ts{0}, 80.0, -5s)},
  };
  check_rejected(cases, "threshold rule 'cpu': ");
  // The wrong side is spelled out.
  auto text = context_of(make(above, 90, ts{0}, 95.0).validate());
  CHECK(contains(text, "clear_limit must be <= limit (90)"));
  text = context_of(make(below, 10, ts{0}, 5.0).validate());
  CHECK(contains(text, "clear_limit must be >= limit (10)"));
  auto s = make(above, 1);
  s.name.clear();
  REQUIRE(s.validate());
  CHECK(contains(context_of(s.validate()), "empty name"));
}

TEST_CASE("threshold: invalid settings fall back to safe behaviour",
          "[threshold_rule][detector]") {
  // A clear_limit on the wrong side counts as the limit.
  threshold_rule r{make(above, 90, -5s, 95.0, -5s)};
  CHECK(r.clear_limit() == 90.0);
  CHECK(r.update(90, t0) == raised);
  CHECK(r.update(89, t0 + 1s) == cleared);
  // A NaN limit never raises.
  threshold_rule n{make(above, qnan)};
  CHECK(n.update(pos_inf, t0) == none);
  CHECK(n.update(-pos_inf, t0 + 1s) == none);
  // An invalid direction counts as above.
  threshold_rule d{make(static_cast<threshold_direction>(7), 1)};
  CHECK(d.update(2, t0) == raised);
}

TEST_CASE("threshold: random sequences match an independent model",
          "[threshold_rule][detector]") {
  // The model keeps the whole history since the last edge and asks, for
  // each sample, whether the samples from the start of the current run up
  // to now all meet the condition and span the hold time.
  std::mt19937_64 rng{2024};
  std::uniform_int_distribution<int> value{0, 20};
  std::uniform_int_distribution<int> step{0, 4}; // seconds, 0 allowed
  std::uniform_int_distribution<int> hold{0, 6};
  size_t mismatches = 0;
  std::string first;
  size_t updates = 0;
  for (int round = 0; round < 2000; ++round) {
    auto dir = round % 2 == 0 ? above : below;
    double limit = dir == above ? 12 : 8;
    double clear = dir == above ? limit - value(rng) % 5
                                : limit + value(rng) % 5;
    auto for_d = ts{std::chrono::seconds(hold(rng))};
    auto clear_d = ts{std::chrono::seconds(hold(rng))};
    threshold_rule r{make(dir, limit, for_d, clear, clear_d)};
    auto meets_raise = [&](double x) {
      return dir == above ? x >= limit : x <= limit;
    };
    auto meets_clear = [&](double x) {
      return dir == above ? x < clear : x > clear;
    };
    bool active = false;
    std::vector<std::pair<time_point, double>> since_edge;
    auto t = t0;
    for (int i = 0; i < 500; ++i) {
      t += std::chrono::seconds(step(rng));
      double x = value(rng);
      since_edge.emplace_back(t, x);
      // The run of samples meeting the current condition that ends now.
      auto meets = [&](double v) {
        return active ? meets_clear(v) : meets_raise(v);
      };
      auto start = since_edge.size();
      while (start > 0 && meets(since_edge[start - 1].second))
        --start;
      auto expected = none;
      if (start < since_edge.size()
          && t - since_edge[start].first >= (active ? clear_d : for_d)) {
        expected = active ? cleared : raised;
        active = !active;
        since_edge.clear();
      }
      auto got = r.update(x, t);
      ++updates;
      if (got != expected || r.active() != active) {
        if (mismatches++ == 0)
          first = "round " + std::to_string(round) + " step "
                  + std::to_string(i) + ": expected " + to_string(expected)
                  + " got " + to_string(got);
      }
    }
  }
  CAPTURE(first, updates);
  CHECK(mismatches == 0);
}
