// adaptive_detector_settings::for_kind: durations scale with the sampling
// interval, so the same anomaly (a level shift, a spike, a drop) sampled
// every second and every 5 minutes gives the same raises, and the same
// clears give or take a sample.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "remedy/core/sample.hpp"
#include "remedy/core/error.hpp"
#include "remedy/detection/adaptive_detector.hpp"
#include "remedy/detection/detector_set.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

struct noise {
  uint64_t state = 7;
  double operator()() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53)
             * 2.0
           - 1.0;
  }
};

enum class shape { shift, spike, drop };

const char* name(shape x) {
  return x == shape::shift ? "shift" : x == shape::spike ? "spike" : "drop";
}

constexpr size_t length = 3000;
constexpr size_t onset = 2000;

/// 100 +- 2 with the anomaly at `onset`: +60 from then on (shift), +80 for
/// one sample (spike), -60 for 100 samples (drop).
std::vector<double> series(shape s) {
  noise n;
  std::vector<double> xs;
  for (size_t i = 0; i < length; ++i) {
    auto x = 100.0 + 2.0 * n();
    if (s == shape::shift && i >= onset)
      x += 60.0;
    if (s == shape::spike && i == onset)
      x += 80.0;
    if (s == shape::drop && i >= onset && i < onset + 100)
      x -= 60.0;
    xs.push_back(x);
  }
  return xs;
}

struct outcome {
  std::vector<size_t> raises;
  std::vector<size_t> clears;
};

/// Feeds `xs` one `interval` apart (from a day in, so a seasonal profile
/// starts mid-period) and returns the sample indexes of raises and clears.
outcome run(metric_kind kind, caf::timespan interval,
            const std::vector<double>& xs) {
  auto settings = adaptive_detector_settings::for_kind(kind, interval, {"m"});
  REQUIRE(!settings.validate());
  adaptive_detector d{settings};
  outcome result;
  for (size_t i = 0; i < xs.size(); ++i) {
    sample x{"t", "m", xs[i], 24h + interval * static_cast<int64_t>(i)};
    detections out;
    d.feed(x, out);
    for (auto& det : out)
      (det.active ? result.raises : result.clears).push_back(i);
  }
  return result;
}

} // namespace

TEST_CASE("adaptive profiles: the same anomaly sampled every second and "
          "every 5 minutes gives the same raises and clears",
          "[detection][adaptive][profile]") {
  struct expectation {
    metric_kind kind;
    shape anomaly;
    bool raised;
  };
  std::vector<expectation> cases{
    {metric_kind::gauge, shape::shift, true},
    {metric_kind::gauge, shape::spike, true},
    {metric_kind::gauge, shape::drop, true},
    {metric_kind::rate, shape::shift, true},
    {metric_kind::rate, shape::spike, true},
    {metric_kind::rate, shape::drop, true},
    {metric_kind::latency, shape::shift, true},
    {metric_kind::latency, shape::spike, true},
    {metric_kind::latency, shape::drop, false},
    {metric_kind::utilisation, shape::shift, true},
    {metric_kind::utilisation, shape::spike, true},
    {metric_kind::utilisation, shape::drop, false},
    {metric_kind::count, shape::shift, true},
    {metric_kind::count, shape::spike, true},
    {metric_kind::count, shape::drop, false},
  };
  for (auto& c : cases) {
    CAPTURE(to_string(c.kind), name(c.anomaly));
    auto xs = series(c.anomaly);
    auto fast = run(c.kind, 1s, xs);
    auto slow = run(c.kind, 5min, xs);
    CHECK(fast.raises == slow.raises);
    // Clears within two samples: the 5-minute profile has the daily season
    // (off at 1 s), whose bin offsets move a clear by a sample.
    REQUIRE(fast.clears.size() == slow.clears.size());
    for (size_t i = 0; i < fast.clears.size(); ++i) {
      auto a = fast.clears[i];
      auto b = slow.clears[i];
      CHECK((a > b ? a - b : b - a) <= 2);
    }
    if (c.raised) {
      REQUIRE(fast.raises.size() == 1);
      CHECK(fast.raises[0] == onset);
      // Every raise clears within the series (the shift is accepted as the
      // new normal).
      CHECK(fast.clears.size() == 1);
    } else {
      CHECK(fast.raises.empty());
    }
  }
}

TEST_CASE("adaptive profiles: durations are the defaults' counts of 5-minute "
          "intervals, the season is on from 1 minute to 1 hour, gauge at 5 "
          "minutes is the defaults",
          "[detection][adaptive][profile]") {
  auto s = adaptive_detector_settings::for_kind(metric_kind::gauge, 1s, {"m"});
  CHECK(s.half_life == caf::timespan{576s});
  CHECK(s.spread_half_life == caf::timespan{2016s});
  CHECK(s.warm_up == caf::timespan{144s});
  CHECK(s.accept_after == caf::timespan{72s});
  CHECK(s.clear_after == caf::timespan{72s});
  CHECK(s.season.count() == 0);
  CHECK(s.week.count() == 0);
  CHECK(!s.validate());
  CHECK(adaptive_detector_settings::for_kind(metric_kind::gauge, 1min, {"m"})
          .season
        == caf::timespan{24h});
  CHECK(adaptive_detector_settings::for_kind(metric_kind::gauge, 1h, {"m"})
          .season
        == caf::timespan{24h});
  CHECK(adaptive_detector_settings::for_kind(metric_kind::gauge, 2h, {"m"})
          .season.count()
        == 0);
  // The weekly season goes with the daily one, a week after two weeks
  // whatever the interval.
  for (auto interval : {caf::timespan{1min}, caf::timespan{10min},
                        caf::timespan{1h}}) {
    auto w = adaptive_detector_settings::for_kind(metric_kind::rate, interval,
                                                  {"m"});
    CHECK(w.week == caf::timespan{24h * 7});
    CHECK(w.week_after == caf::timespan{24h * 14});
    CHECK(!w.validate());
  }
  for (auto interval : {caf::timespan{1s}, caf::timespan{59s},
                        caf::timespan{2h}})
    CHECK(adaptive_detector_settings::for_kind(metric_kind::rate, interval,
                                               {"m"})
            .week.count()
          == 0);
  auto g = adaptive_detector_settings::for_kind(metric_kind::gauge, 5min,
                                                {"m"});
  adaptive_detector_settings d;
  CHECK(g.half_life == d.half_life);
  CHECK(g.spread_half_life == d.spread_half_life);
  CHECK(g.warm_up == d.warm_up);
  CHECK(g.warm_up_samples == d.warm_up_samples);
  CHECK(g.accept_after == d.accept_after);
  CHECK(g.raise_after == d.raise_after);
  CHECK(g.clear_after == d.clear_after);
  CHECK(g.season == d.season);
  CHECK(g.season_bins == d.season_bins);
  CHECK(g.season_half_life == d.season_half_life);
  CHECK(g.week == d.week);
  CHECK(g.week_bins == d.week_bins);
  CHECK(g.week_half_life == d.week_half_life);
  CHECK(g.week_after == d.week_after);
  CHECK(g.side == d.side);
  CHECK(g.z_threshold == d.z_threshold);
  CHECK(g.spread_floor == d.spread_floor);
  CHECK(g.relative_floor == d.relative_floor);
  CHECK(g.min_deviation == d.min_deviation);
  CHECK(g.anomaly_learning == d.anomaly_learning);
  CHECK(g.gap_intervals == d.gap_intervals);
  // Any metric names; none is an error at validation, like the defaults.
  auto any = adaptive_detector_settings::for_kind(
    metric_kind::latency, 10s, {"p99_ms", "whatever.you.call.it"});
  CHECK(!any.validate());
  CHECK(adaptive_detector_settings::for_kind(metric_kind::rate, 10s)
          .validate());
  // A non-positive interval is rejected at validation.
  CHECK(adaptive_detector_settings::for_kind(metric_kind::rate, 0s, {"m"})
          .validate());
}

TEST_CASE("the recommended set watches any metric by kind: watch adds to the "
          "kind's detector, a second interval gets its own, and a drop of a "
          "user's rate raises",
          "[detection][adaptive][profile]") {
  auto set = default_detectors();
  auto before = set.adaptive.size();
  REQUIRE(before == 2);
  CHECK(set.adaptive[0].metrics == std::vector<std::string>{"latency_ms"});
  CHECK(set.adaptive[1].metrics == std::vector<std::string>{"error_rate"});
  set.watch(metric_kind::latency, {"p99_ms", "latency_ms"});
  CHECK(set.adaptive.size() == before);
  CHECK(set.adaptive[0].metrics
        == std::vector<std::string>{"latency_ms", "p99_ms"});
  set.watch(metric_kind::rate, {"orders_per_s"})
    .watch(metric_kind::rate, {"logins_per_min"}, 1min);
  REQUIRE(set.adaptive.size() == before + 2);
  CHECK(set.adaptive[2].name == "adaptive.rate");
  CHECK(set.adaptive[3].name == "adaptive.rate.60000ms");
  CHECK(set.adaptive[3].half_life == caf::timespan{576min});
  CHECK(!set.validate());
  auto ds = make_detectors(set);
  REQUIRE(ds);
  // Orders at 50 +- 2 a second, then none for 2 minutes: a rate's drop is a
  // fault, raised after the drop and never before.
  noise n;
  std::vector<size_t> raised;
  for (size_t i = 0; i < 1200; ++i) {
    auto v = 50.0 + 2.0 * n();
    if (i >= 1000 && i < 1120)
      v = 0.0;
    detections out;
    for (auto& d : *ds)
      d->feed(sample{"shop", "orders_per_s", v, 1s * static_cast<int64_t>(i)},
              out);
    for (auto& det : out)
      if (det.active) {
        CHECK(det.detector == "adaptive.rate");
        CHECK(det.metric == "orders_per_s");
        raised.push_back(i);
      }
  }
  REQUIRE(raised.size() == 1);
  CHECK(raised[0] == 1000);
  // An invalid watch setting names itself.
  set.adaptive[3].z_threshold = 0;
  CHECK_THAT(render(set.validate()), Catch::Contains("adaptive.rate.60000ms"));
}
