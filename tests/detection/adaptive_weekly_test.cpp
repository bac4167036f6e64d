// adaptive_detector's weekly season: a series sampled every 5 minutes over
// 5 weeks, weekdays at 100 and weekends at 40 % of that, plus a daily swing
// and small noise. With the weekly offsets the weekend transitions stop
// raising once the series is `week_after` old; without them they raise
// every week; before `week_after` the weekly offsets change nothing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/detection/adaptive_detector.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

constexpr caf::timespan step = 5min;
constexpr int64_t per_day = 24 * 12;
constexpr int64_t days = 35;

struct noise {
  uint64_t state = 11;
  double operator()() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53)
             * 2.0
           - 1.0;
  }
};

caf::timespan day(double d) {
  return std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double, std::ratio<86400>>{d});
}

/// Sample i (5 minutes apart from time 0, a Monday for the weekly bins):
/// 100 on weekdays, 40 on Saturdays and Sundays, +- 10 over the day, +- 1
/// of noise; `anomaly` adds 100 for two hours from Saturday noon of week 4
/// (day 26.5): weekend traffic above even a weekday's.
std::vector<double> series(bool anomaly) {
  noise n;
  std::vector<double> xs;
  for (int64_t i = 0; i < days * per_day; ++i) {
    auto d = i / per_day;
    auto of_day = static_cast<double>(i % per_day) / per_day;
    auto weekend = d % 7 >= 5;
    auto x = (weekend ? 40.0 : 100.0)
             + 10.0 * std::sin(2.0 * 3.14159265358979 * of_day) + n();
    if (anomaly && i >= 26 * per_day + per_day / 2
        && i < 26 * per_day + per_day / 2 + 24)
      x += 100.0;
    xs.push_back(x);
  }
  return xs;
}

/// The defaults, with or without the weekly season.
adaptive_detector_settings settings(bool weekly, double z = 8.0) {
  adaptive_detector_settings x;
  x.metrics = {"m"};
  x.z_threshold = z;
  if (!weekly)
    x.week = caf::timespan{0};
  return x;
}

struct run {
  std::vector<caf::timespan> raises;
  std::vector<double> z;
};

run replay(const adaptive_detector_settings& s,
           const std::vector<double>& xs) {
  REQUIRE(!s.validate());
  adaptive_detector d{s};
  run r;
  for (size_t i = 0; i < xs.size(); ++i) {
    sample x{"t", "m", xs[i], step * static_cast<int64_t>(i)};
    detections out;
    d.feed(x, out);
    r.z.push_back(d.last_z());
    for (auto& det : out)
      if (det.active)
        r.raises.push_back(det.at);
  }
  return r;
}

double max_abs_z(const run& r, caf::timespan from, caf::timespan to) {
  auto m = 0.0;
  for (auto i = static_cast<size_t>(from / step);
       i < static_cast<size_t>(to / step) && i < r.z.size(); ++i)
    m = std::max(m, std::abs(r.z[i]));
  return m;
}

size_t raises_between(const run& r, caf::timespan from, caf::timespan to) {
  size_t n = 0;
  for (auto t : r.raises)
    if (t >= from && t < to)
      ++n;
  return n;
}

/// The weekend transitions (Saturday and Monday at midnight) of weeks 3-5.
const std::vector<double> late_transitions = {19, 21, 26, 28, 33};
const std::vector<double> late_saturdays = {19, 26, 33};

constexpr auto anomaly_from = 26.5;
constexpr auto anomaly_to = 26.5 + 2.0 / 24;

} // namespace

TEST_CASE("adaptive weekly: the weekend transitions of weeks 3-5 raise "
          "nothing with the weekly season, and stand out without it",
          "[adaptive][weekly]") {
  auto xs = series(false);
  auto with = replay(settings(true), xs);
  auto without = replay(settings(false), xs);
  // With the weekly offsets, nothing raises from the third week on, and
  // nothing comes near: the transitions are predicted.
  CHECK(raises_between(with, day(14), day(days)) == 0);
  CHECK(max_abs_z(with, day(14), day(days)) < 1.0);
  // Without them, every Saturday scores |z| > 2.5 (not 8: the spreads
  // widen with the weekends' residuals, which then hide anomalies of that
  // size, see the next case) ...
  for (auto d : late_saturdays) {
    INFO("Saturday at day " << d);
    CHECK(max_abs_z(without, day(d - 0.25), day(d + 0.5)) > 2.5);
  }
  // ... and a detector sensitive enough raises at every transition.
  auto sensitive = replay(settings(false, 2.5), xs);
  for (auto d : late_transitions) {
    INFO("transition at day " << d);
    CHECK(raises_between(sensitive, day(d - 0.25), day(d + 0.5)) >= 1);
  }
  // The first two weeks' transitions raise in both: the weekly offsets
  // join the prediction only after `week_after` (two weeks).
  CHECK(raises_between(with, day(5 - 0.25), day(5 + 0.5)) == 1);
  CHECK(raises_between(without, day(5 - 0.25), day(5 + 0.5)) == 1);
}

TEST_CASE("adaptive weekly: a weekend anomaly of week 4 still raises",
          "[adaptive][weekly]") {
  auto xs = series(true);
  auto with = replay(settings(true), xs);
  CHECK(raises_between(with, day(anomaly_from), day(anomaly_to)) == 1);
  // And nothing else from the third week on.
  CHECK(raises_between(with, day(14), day(days)) == 1);
  // Without the weekly offsets the spreads hide it.
  auto without = replay(settings(false), xs);
  CHECK(raises_between(without, day(anomaly_from), day(anomaly_to)) == 0);
}

TEST_CASE("adaptive weekly: nothing changes before week_after",
          "[adaptive][weekly]") {
  auto xs = series(false);
  auto without = replay(settings(false), xs);
  SECTION("the default two weeks") {
    auto with = replay(settings(true), xs);
    auto joined = static_cast<size_t>(14 * per_day);
    for (size_t i = 0; i < joined; ++i)
      REQUIRE(with.z[i] == without.z[i]);
    CHECK(with.raises == without.raises);
    // From then on it does change the prediction.
    CHECK(with.z[joined + per_day] != without.z[joined + per_day]);
  }
  SECTION("three weeks: the Saturday of week 3 stands out as without it") {
    auto s = settings(true);
    s.week_after = 21 * 24h;
    auto with = replay(s, xs);
    for (size_t i = 0; i < static_cast<size_t>(21 * per_day); ++i)
      REQUIRE(with.z[i] == without.z[i]);
    CHECK(max_abs_z(with, day(19 - 0.25), day(19 + 0.5)) > 2.5);
    CHECK(max_abs_z(with, day(26 - 0.25), day(26 + 0.5)) < 1.0);
    CHECK(raises_between(with, day(21), day(days)) == 0);
  }
}

TEST_CASE("adaptive weekly: one offset per day of the week also learns a "
          "weekday/weekend pattern",
          "[adaptive][weekly]") {
  auto s = settings(true);
  s.week_bins = 7;
  auto with = replay(s, series(false));
  CHECK(raises_between(with, day(14), day(days)) == 0);
  CHECK(max_abs_z(with, day(14), day(days)) < 2.0);
}

TEST_CASE("adaptive weekly: settings validate and name the bad field",
          "[adaptive][weekly]") {
  auto bad = [](auto change, const std::string& field) {
    auto s = settings(true);
    change(s);
    auto err = s.validate();
    REQUIRE(err);
    INFO(render(err));
    CHECK(render(err).find(field) != std::string::npos);
  };
  bad([](auto& s) { s.week = -1s; }, "week must be >= 0");
  bad([](auto& s) { s.week_bins = 1; }, "week_bins");
  bad([](auto& s) { s.week_bins = 10001; }, "week_bins");
  bad([](auto& s) { s.week_half_life = caf::timespan{0}; }, "week_half_life");
  bad([](auto& s) { s.week_after = -1s; }, "week_after");
  // Off, its other fields are not checked (as the daily season's).
  auto off = settings(false);
  off.week_bins = 0;
  CHECK(!off.validate());
}
