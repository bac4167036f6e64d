// adaptive_detector run as a detector actor (spawn_detector) under CAF's
// test coordinator: bad input published on the bus (NaN, infinities,
// out-of-order and duplicate timestamps, a gap, a constant series, a series
// of zeros) is counted in the actor's stats, its warnings are bounded in
// rate, and a real anomaly afterwards is still raised on "detection.".
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "remedy/core/event_bus.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/core/type_ids.hpp"
#include "remedy/detection/adaptive_detector.hpp"
#include "remedy/detection/atoms.hpp"
#include "remedy/detection/detector_actor.hpp"
#include "remedy/detection/detector_handle.hpp"
#include "remedy/detection/type_ids.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();

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

caf::behavior listener(caf::event_based_actor* self,
                       std::shared_ptr<std::vector<detection>> seen) {
  subscribe(self, "detection.");
  return {
    [=](const detection& x) { seen->push_back(x); },
  };
}

/// One adaptive detector actor with the gauge profile for samples every
/// second, watching metric "m"; samples go out on the bus with explicit
/// times, one second apart unless a test says otherwise.
struct adaptive_fixture : fixture {
  std::shared_ptr<std::vector<detection>> seen
    = std::make_shared<std::vector<detection>>();
  caf::actor det;
  caf::timespan t{0};
  noise n;

  explicit adaptive_fixture(double gap_intervals = 0.0,
                            bool publish_scores = false) {
    track(sys.spawn(listener, seen));
    auto s = adaptive_detector_settings::for_kind(metric_kind::gauge, 1s,
                                                  {"m"});
    s.gap_intervals = gap_intervals;
    s.publish_scores = publish_scores;
    auto d = spawn_detector<adaptive_detector>(sys, s);
    REQUIRE(d);
    det = track(*d);
    run();
  }

  void publish(caf::timespan at, double value, std::string target = "t") {
    publish_sample(self.ptr(), sample{std::move(target), "m", value, at});
  }

  /// `k` samples of `level` plus noise of +-2, one second apart.
  void normal(int k, double level = 100.0, double amplitude = 2.0) {
    for (int i = 0; i < k; ++i) {
      t += 1s;
      publish(t, level + amplitude * n());
    }
    run();
  }

  detector_stats stats() {
    auto s = ask<detector_stats>(det, detector_stats_atom::value);
    REQUIRE(s);
    return *s;
  }

  size_t raises() const {
    size_t k = 0;
    for (auto& x : *seen)
      if (x.active)
        ++k;
    return k;
  }

  /// A real anomaly: 5 samples at 3x the level. Returns when it started.
  caf::timespan anomaly(double value = 300.0) {
    auto from = t + 1s;
    for (int i = 0; i < 5; ++i) {
      t += 1s;
      publish(t, value);
    }
    run();
    return from;
  }

  /// The last raise is the anomaly that started at `from`.
  void check_raised_at(caf::timespan from) {
    REQUIRE(!seen->empty());
    auto& x = seen->back();
    CHECK(x.active);
    CHECK(x.kind == detection_kind::anomaly);
    CHECK(x.target == "t");
    CHECK(x.metric == "m");
    CHECK(x.at == from);
    CHECK(x.score >= 0.5);
  }
};

} // namespace

TEST_CASE("adaptive detector actor: NaN and infinities are counted and "
          "skipped, and an anomaly after them still raises",
          "[detection][adaptive][actor]") {
  adaptive_fixture f;
  f.normal(300);
  for (int i = 0; i < 20; ++i) {
    f.t += 1s;
    f.publish(f.t, i % 3 == 0 ? not_a_number : i % 3 == 1 ? infinity : -infinity);
    f.normal(5);
  }
  auto st = f.stats();
  CHECK(st.detector == "adaptive.gauge");
  CHECK(st.samples == 300 + 20 * 6);
  CHECK(st.ignored_invalid == 20);
  CHECK(st.ignored() == 20);
  CHECK(f.raises() == 0);
  auto from = f.anomaly();
  f.check_raised_at(from);
  st = f.stats();
  CHECK(st.raised == 1);
  CHECK(st.active == 1);
}

TEST_CASE("adaptive detector actor: out-of-order samples are counted and "
          "dropped, duplicate timestamps counted and learned, and an anomaly "
          "after them still raises",
          "[detection][adaptive][actor]") {
  adaptive_fixture f;
  f.normal(300);
  for (int i = 0; i < 10; ++i) {
    // Far in the past with a wild value: dropped, so it cannot raise.
    f.publish(f.t - 30s, 1e6);
    // The same time as the previous sample, with a normal value.
    f.publish(f.t, 100.0 + f.n());
    f.normal(5);
  }
  auto st = f.stats();
  CHECK(st.samples == 300 + 10 * 7);
  CHECK(st.ignored_backwards == 10);
  CHECK(st.duplicate_timestamps == 10);
  CHECK(st.ignored_invalid == 0);
  CHECK(f.raises() == 0);
  auto from = f.anomaly();
  f.check_raised_at(from);
  CHECK(f.stats().raised == 1);
}

TEST_CASE("adaptive detector actor: after a gap it raises nothing on resume "
          "and still raises a real anomaly",
          "[detection][adaptive][actor]") {
  SECTION("default: the rates decay the model by the silence") {
    adaptive_fixture f;
    f.normal(300);
    f.t += 2h;
    f.normal(300);
    CHECK(f.raises() == 0);
    auto st = f.stats();
    CHECK(st.gaps == 0);
    CHECK(st.ignored() == 0);
    auto from = f.anomaly();
    f.check_raised_at(from);
  }
  SECTION("gap_intervals 20: the gap is counted and the model warms up "
          "again") {
    adaptive_fixture f{20.0};
    f.normal(300);
    f.t += 2h;
    f.normal(300);
    CHECK(f.raises() == 0);
    auto st = f.stats();
    CHECK(st.gaps == 1);
    CHECK(st.ignored() == 0);
    auto from = f.anomaly();
    f.check_raised_at(from);
  }
}

TEST_CASE("adaptive detector actor: a constant series raises nothing, and a "
          "shift of it raises",
          "[detection][adaptive][actor]") {
  adaptive_fixture f;
  f.normal(1000, 100.0, 0.0);
  CHECK(f.raises() == 0);
  CHECK(f.stats().samples == 1000);
  auto from = f.anomaly(150.0);
  f.check_raised_at(from);
  CHECK(f.stats().raised == 1);
}

TEST_CASE("adaptive detector actor: a series of zeros raises nothing, a "
          "burst raises, clears, and the next burst raises again",
          "[detection][adaptive][actor]") {
  adaptive_fixture f;
  f.normal(1000, 0.0, 0.0);
  CHECK(f.raises() == 0);
  auto from = f.anomaly(5.0);
  f.check_raised_at(from);
  // Back to zero: the raise clears (clear_after is 72 s at 1 s).
  f.normal(300, 0.0, 0.0);
  auto st = f.stats();
  CHECK(st.raised == 1);
  CHECK(st.cleared == 1);
  CHECK(st.active == 0);
  from = f.anomaly(5.0);
  f.check_raised_at(from);
  CHECK(f.stats().raised == 2);
}

TEST_CASE("adaptive detector actor: bad input is warned about at most once "
          "per interval of its clock, whatever the number of targets, and "
          "what arrives in between is reported when it ends",
          "[detection][adaptive][actor]") {
  adaptive_fixture f;
  f.normal(300);
  CHECK(f.stats().bad_input_warnings == 0);
  auto burst = [&](int k) {
    for (int i = 0; i < k; ++i)
      f.publish(f.t, not_a_number, "t" + std::to_string(i % 50));
    f.run();
  };
  // The first bad input is warned about at once ...
  burst(1000);
  CHECK(f.stats().ignored_invalid == 1000);
  CHECK(f.stats().bad_input_warnings == 1);
  // ... the rest of the interval only counts ...
  f.advance(bad_input_log_interval / 2);
  burst(1000);
  CHECK(f.stats().ignored_invalid == 2000);
  CHECK(f.stats().bad_input_warnings == 1);
  // ... and is reported once when the interval ends, with no input needed.
  f.advance(bad_input_log_interval / 2);
  CHECK(f.stats().bad_input_warnings == 2);
  // Nothing new: no warning.
  f.advance(6 * bad_input_log_interval);
  CHECK(f.stats().bad_input_warnings == 2);
  // After a quiet interval, the next bad input is warned about at once.
  f.publish(f.t, not_a_number);
  f.run();
  CHECK(f.stats().bad_input_warnings == 3);
  CHECK(f.stats().ignored_invalid == 2001);
  // The detector kept working through all of it.
  auto from = f.anomaly();
  f.check_raised_at(from);
}

namespace {

caf::behavior score_listener(caf::event_based_actor* self,
                             std::shared_ptr<std::vector<sample>> seen) {
  subscribe(self, "sample.m.score");
  return {
    [=](const sample& x) { seen->push_back(x); },
  };
}

} // namespace

TEST_CASE("adaptive detector actor: with publish_scores, every scored sample's "
          "score is a sample <metric>.score on the bus, low while normal and "
          "at least 0.5 on the anomaly",
          "[detection][adaptive][actor]") {
  auto scores = std::make_shared<std::vector<sample>>();
  adaptive_fixture f{0.0, true};
  f.track(f.sys.spawn(score_listener, scores));
  f.run();
  // Warm-up (144 s at 1 s) publishes no score.
  f.normal(100);
  CHECK(scores->empty());
  f.normal(200);
  REQUIRE(!scores->empty());
  CHECK(scores->size() <= 200);
  for (auto& x : *scores) {
    CHECK(x.target == "t");
    CHECK(x.metric == "m.score");
    CHECK(x.value >= 0.0);
    CHECK(x.value < 0.5);
  }
  auto normal = scores->size();
  auto from = f.anomaly();
  REQUIRE(scores->size() == normal + 5);
  CHECK((*scores)[normal].at == from);
  CHECK((*scores)[normal].value >= 0.5);
  CHECK((*scores)[normal].value <= 1.0);
  // The detector ignores its own score samples (not a watched metric).
  CHECK(f.stats().samples == 305);
  // Off by default: nothing published.
  adaptive_fixture quiet;
  auto before = scores->size();
  quiet.normal(300);
  CHECK(scores->size() == before);
}
