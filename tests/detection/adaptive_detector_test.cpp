// adaptive_detector as a value: one case per defect of anomaly_detector it
// addresses (stuck raises, drops, idle-plus-burst, mostly-zero series,
// gaps, bad input), and the continuous score in [0, 1]. Series are sampled
// every 5 minutes with deterministic noise.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/detection/adaptive_detector.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

constexpr caf::timespan step = 5min;

// Deterministic uniform noise in [-1, 1].
struct noise {
  uint64_t state = 42;
  double operator()() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53)
             * 2.0
           - 1.0;
  }
};

adaptive_detector_settings make_settings() {
  adaptive_detector_settings x;
  x.metrics = {"m"};
  return x;
}

// Feeds samples and records raises and clears with their times.
struct driver {
  adaptive_detector d;
  caf::timespan now{0};
  std::vector<caf::timespan> raises;
  std::vector<caf::timespan> clears;
  double min_score = 1.0;
  double max_score = 0.0;

  explicit driver(adaptive_detector_settings s = make_settings())
    : d(std::move(s)) {
  }

  void feed_at(caf::timespan at, double value) {
    sample x;
    x.target = "t";
    x.metric = "m";
    x.value = value;
    x.at = at;
    detections out;
    d.feed(x, out);
    for (auto& det : out)
      (det.active ? raises : clears).push_back(det.at);
    min_score = std::min(min_score, d.last_score());
    max_score = std::max(max_score, d.last_score());
  }

  // One sample `step` after the last.
  void next(double value) {
    now += step;
    feed_at(now, value);
  }

  size_t raises_between(caf::timespan from, caf::timespan to) const {
    size_t n = 0;
    for (auto t : raises)
      if (t >= from && t <= to)
        ++n;
    return n;
  }
};

constexpr size_t per_day = 24 * 12;

} // namespace

TEST_CASE("adaptive: settings validate and name the bad field",
          "[adaptive]") {
  CHECK(!make_settings().validate());
  auto bad = [](auto change, const std::string& field) {
    auto s = make_settings();
    change(s);
    auto err = s.validate();
    REQUIRE(err);
    INFO(render(err));
    CHECK(render(err).find(field) != std::string::npos);
  };
  bad([](auto& s) { s.metrics.clear(); }, "metrics");
  bad([](auto& s) { s.half_life = caf::timespan{0}; }, "half_life");
  bad([](auto& s) { s.spread_floor = -1; }, "spread_floor");
  bad([](auto& s) { s.relative_floor = std::nan(""); }, "relative_floor");
  bad([](auto& s) { s.min_deviation = 0; }, "min_deviation");
  bad([](auto& s) { s.z_threshold = 0; }, "z_threshold");
  bad([](auto& s) { s.anomaly_learning = 1.5; }, "anomaly_learning");
  bad([](auto& s) { s.clear_after = -1s; }, "clear_after");
  bad([](auto& s) { s.gap_intervals = 1; }, "gap_intervals");
  bad([](auto& s) { s.season_bins = 1; }, "season_bins");
  CHECK(!adaptive_detector::make(make_settings()).value()->name().empty());
  CHECK(!adaptive_detector::make(adaptive_detector_settings{}));
}

TEST_CASE("adaptive: a level shift raises, clears, and the next anomaly is "
          "seen",
          "[adaptive]") {
  driver x;
  noise n;
  for (size_t i = 0; i < 5 * per_day; ++i)
    x.next(100 + 2 * n());
  CHECK(x.raises.empty());
  auto shift = x.now + step;
  for (size_t i = 0; i < 3 * per_day; ++i)
    x.next(150 + 2 * n());
  REQUIRE(x.raises.size() >= 1);
  CHECK(x.raises.front() == shift);
  // It accepted the new level and cleared (anomaly_detector stays raised).
  REQUIRE(x.clears.size() >= 1);
  CHECK(x.clears.back() <= shift + 24h);
  CHECK(x.raises.size() == x.clears.size());
  // The shift's samples were learned (at half the rate), spreads included,
  // so for a while the next anomaly must stand out against the shift's
  // size: here 5 times it.
  auto spike = x.now + step;
  x.next(400);
  CHECK(x.raises.back() == spike);
  CHECK(x.d.last_score() > 0.5);
}

TEST_CASE("adaptive: a drop is detected (both sides by default)",
          "[adaptive]") {
  driver x;
  noise n;
  for (size_t i = 0; i < 5 * per_day; ++i)
    x.next(100 + 2 * n());
  CHECK(x.raises.empty());
  auto drop = x.now + step;
  x.next(40);
  REQUIRE(x.raises.size() == 1);
  CHECK(x.raises.front() == drop);
  CHECK(x.d.last_z() < -8.0);
  SECTION("not with side = above") {
    auto s = make_settings();
    s.side = anomaly_side::above;
    driver y{s};
    noise m;
    for (size_t i = 0; i < 5 * per_day; ++i)
      y.next(100 + 2 * m());
    y.next(40);
    CHECK(y.raises.empty());
    CHECK(y.d.last_score() == 0.0);
  }
}

TEST_CASE("adaptive: normal bursts of an idle-plus-burst series do not "
          "raise",
          "[adaptive]") {
  driver x;
  noise n;
  // Idle (0 or 1) with a burst of 3 samples around 50 every 5 h 10 min, so
  // the bursts wander through the day (no season to learn them from).
  for (size_t i = 0; i < 14 * per_day; ++i) {
    auto in_burst = i % 62 < 3;
    x.next(in_burst ? 50 + 10 * n() : (n() > 0.8 ? 1.0 : 0.0));
  }
  CHECK(x.raises_between(3 * 24h, x.now) == 0);
  // A burst far beyond the normal ones still raises.
  x.next(1000);
  CHECK(x.raises_between(x.now, x.now) == 1);
}

TEST_CASE("adaptive: a mostly-zero series keeps a sane deviation",
          "[adaptive]") {
  driver x;
  noise n;
  // About one sample in 12 is 1, the rest 0.
  for (size_t i = 0; i < 10 * per_day; ++i)
    x.next(n() > 5.0 / 6.0 ? 1.0 : 0.0);
  CHECK(x.raises_between(1 * 24h, x.now) == 0);
  // Ten days of zeros: the deviation has a floor relative to the series'
  // long-term spread and level, so a 1 is not a 10^9-sigma event.
  for (size_t i = 0; i < 10 * per_day; ++i)
    x.next(0.0);
  x.next(1.0);
  CHECK(std::isfinite(x.d.last_z()));
  CHECK(x.d.last_z() > 0.0);
  CHECK(x.d.last_z() < 100.0);
  CHECK(x.d.last_score() >= 0.0);
  CHECK(x.d.last_score() <= 1.0);
}

TEST_CASE("adaptive: a gap decays the model, or resets it", "[adaptive]") {
  SECTION("by default the rates decay it by the time elapsed") {
    driver x;
    noise n;
    for (size_t i = 0; i < 5 * per_day; ++i)
      x.next(100 + 2 * n());
    // Ten days of silence (five half-lives), then a new level.
    x.now += 10 * 24h;
    auto back = x.now + step;
    for (size_t i = 0; i < 2 * per_day; ++i)
      x.next(300 + 2 * n());
    // The first sample after the gap is a change; the model takes it
    // (weight 1 - 2^-5) and clears after `clear_after`.
    CHECK(x.raises.size() <= 1);
    REQUIRE(x.clears.size() == x.raises.size());
    if (!x.clears.empty())
      CHECK(x.clears.back() <= back + 6h + step);
    CHECK(x.d.gaps() == 0);
  }
  SECTION("with gap_intervals the level restarts and the model warms up") {
    auto s = make_settings();
    s.gap_intervals = 20;
    driver x{s};
    noise n;
    for (size_t i = 0; i < 5 * per_day; ++i)
      x.next(100 + 2 * n());
    x.now += 2 * 24h;
    for (size_t i = 0; i < 2 * per_day; ++i)
      x.next(300 + 2 * n());
    CHECK(x.raises.empty());
    CHECK(x.d.gaps() == 1);
    // Warm again: a drop is seen.
    x.next(200);
    CHECK(x.raises.size() == 1);
  }
}

TEST_CASE("adaptive: bad input is counted and the detector keeps working",
          "[adaptive]") {
  driver x;
  noise n;
  for (size_t i = 0; i < 3 * per_day; ++i) {
    x.next(100 + 2 * n());
    if (i % 100 == 7)
      x.feed_at(x.now, std::numeric_limits<double>::quiet_NaN());
    if (i % 100 == 8)
      x.feed_at(x.now, std::numeric_limits<double>::infinity());
    if (i % 100 == 9)
      x.feed_at(x.now - 1h, 100); // out of order
    if (i % 100 == 10)
      x.feed_at(x.now, 100 + 2 * n()); // duplicate timestamp
  }
  auto& st = x.d.stats();
  CHECK(st.ignored_invalid == 18);
  CHECK(st.ignored_backwards == 9);
  CHECK(x.d.duplicate_timestamps() == 9);
  CHECK(x.raises.empty());
  x.next(200);
  CHECK(x.raises.size() == 1);
  // Another metric is not watched.
  sample other;
  other.target = "t";
  other.metric = "other";
  other.value = 1e9;
  other.at = x.now + step;
  detections out;
  x.d.feed(other, out);
  CHECK(out.empty());
}

TEST_CASE("adaptive: the score is in [0, 1], 0 while warming up, and 0.5 at "
          "the threshold",
          "[adaptive]") {
  driver x;
  noise n;
  x.next(100);
  CHECK(x.d.last_score() == 0.0); // first sample
  for (size_t i = 0; i < 3 * per_day; ++i) {
    x.next(100 + 2 * n());
    if (x.now < 12h)
      CHECK(x.d.last_score() == 0.0);
  }
  for (double v : {100.0, 150.0, 1e6, -1e6, 1e300, -1e300, 0.0}) {
    x.next(v);
    auto s = x.d.last_score();
    CHECK(s >= 0.0);
    CHECK(s <= 1.0);
    auto z = std::abs(x.d.last_z());
    CHECK(s == Approx(z / (z + 8.0)));
  }
  CHECK(x.min_score >= 0.0);
  CHECK(x.max_score <= 1.0);
  // Every raise is at a score of at least 0.5.
  driver y;
  for (size_t i = 0; i < 3 * per_day; ++i)
    y.next(100 + 2 * n());
  detections out;
  sample s;
  s.target = "t";
  s.metric = "m";
  s.value = 180;
  s.at = y.now + step;
  y.d.feed(s, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].active);
  CHECK(out[0].score >= 0.5);
  CHECK(out[0].score == y.d.last_score());
}
