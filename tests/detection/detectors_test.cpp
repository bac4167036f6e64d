// The detectors as values: exact raise and clear points in explicit time,
// bad input counted and ignored, invalid settings rejected by name.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>

#include "remedy/detection/anomaly_detector.hpp"
#include "remedy/detection/crash_loop_detector.hpp"
#include "remedy/detection/heartbeat_detector.hpp"
#include "remedy/detection/threshold_detector.hpp"
#include "remedy/detection/trend_detector.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/supervision/supervision_event.hpp"

using namespace remedy;
using namespace std::chrono_literals;
using time_point = caf::actor_clock::time_point;

namespace {

time_point at(caf::timespan x) {
  return time_point{x};
}

sample make_sample(std::string target, std::string metric, double value,
                   caf::timespan t) {
  return sample{std::move(target), std::move(metric), value, t};
}

heartbeat make_beat(std::string target, caf::timespan t) {
  return heartbeat{std::move(target), 0, t, caf::actor_addr{}};
}

supervision_event exited(std::string child, caf::timespan t,
                         caf::error reason = caf::exit_reason::kill) {
  supervision_event ev;
  ev.kind = supervision_event_kind::child_exited;
  ev.supervisor = "root";
  ev.child = std::move(child);
  ev.reason = std::move(reason);
  ev.at = t;
  return ev;
}

supervision_event restarted(std::string child, caf::timespan t) {
  supervision_event ev;
  ev.kind = supervision_event_kind::child_restarted;
  ev.supervisor = "root";
  ev.child = std::move(child);
  ev.at = t;
  return ev;
}

template <class T>
T make_or_fail(caf::expected<std::unique_ptr<detector>> x) {
  REQUIRE(x);
  return T{}; // unused: callers construct directly after validating
}

} // namespace

// -- heartbeat ---------------------------------------------------------------

TEST_CASE("heartbeat detector: raises heartbeat_missed at the first check "
          "where phi reaches the threshold, and a heartbeat clears it",
          "[detection][heartbeat]") {
  heartbeat_detector_settings s;
  s.phi.threshold = 8.0;
  s.check_interval = 100ms;
  heartbeat_detector d{s};
  detections out;
  for (int i = 0; i <= 30; ++i)
    d.feed(make_beat("db", std::chrono::seconds(i)), at(i * 1s), out);
  CHECK(out.empty());
  // Silence from t = 30 s: find the first 100 ms check with phi >= 8 by the
  // estimator itself, then check that the detector raises exactly there.
  caf::timespan expected{0};
  for (auto t = 30s + 100ms; t < 60s; t += 100ms)
    if (d.phi("db", at(t)) >= 8.0) {
      expected = t;
      break;
    }
  REQUIRE(expected > 30s);
  for (auto t = 30s + 100ms; t < expected; t += 100ms)
    d.tick(at(t), out);
  CHECK(out.empty()); // not one check early
  d.tick(at(expected), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == detection_kind::heartbeat_missed); // no source known
  CHECK(out[0].active);
  CHECK(out[0].target == "db");
  CHECK(out[0].value >= 8.0);
  CHECK(out[0].at == expected);
  // Further checks do not raise again.
  d.tick(at(expected + 1s), out);
  CHECK(out.size() == 1);
  d.feed(make_beat("db", expected + 2s), at(expected + 2s), out);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].active);
  CHECK(out[1].kind == detection_kind::heartbeat_missed);
  CHECK(d.stats().raised == 1);
  CHECK(d.stats().cleared == 1);
  CHECK(d.stats().active == 0);
}

TEST_CASE("heartbeat detector: an abnormal exit is target_down, a normal "
          "exit (a deliberate stop) is not",
          "[detection][heartbeat]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  // Three incarnations; they end at once, only their addresses are used.
  auto a = sys.spawn([] {}).address();
  auto b = sys.spawn([] {}).address();
  auto c = sys.spawn([] {}).address();
  heartbeat_detector_settings s;
  s.check_interval = 100ms;
  heartbeat_detector d{s};
  detections out;
  auto beat = [&](const caf::actor_addr& src, caf::timespan t) {
    d.feed(heartbeat{"db", 0, t, src}, at(t), out);
  };
  for (int i = 0; i <= 10; ++i)
    beat(a, i * 1s);
  CHECK(out.empty());
  // A crash: target_down, cleared by the next incarnation's first beat.
  d.feed_down(a, caf::exit_reason::kill, at(10500ms), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == detection_kind::target_down);
  CHECK(out[0].active);
  beat(b, 11s);
  REQUIRE(out.size() == 2);
  CHECK(out[1].kind == detection_kind::target_down);
  CHECK_FALSE(out[1].active);
  for (int i = 12; i <= 20; ++i)
    beat(b, i * 1s);
  // A shutdown (a restart by a healer): nothing raised, and the silence
  // until the next incarnation is no hang either.
  d.feed_down(b, caf::exit_reason::user_shutdown, at(20500ms), out);
  for (auto t = 20600ms; t < 40s; t += 100ms)
    d.tick(at(t), out);
  CHECK(out.size() == 2);
  beat(c, 40s);
  CHECK(out.size() == 2); // no clear of a raise that never happened
  for (int i = 41; i <= 50; ++i)
    beat(c, i * 1s);
  CHECK(out.size() == 2);
  CHECK(d.stats().raised == 1);
  CHECK(d.stats().cleared == 1);
}

TEST_CASE("heartbeat detector: regular heartbeats with jitter never raise",
          "[detection][heartbeat]") {
  heartbeat_detector d{heartbeat_detector_settings{}};
  detections out;
  // 1 s +- 100 ms, checks every 100 ms, for an hour.
  auto t = 0ns;
  for (int i = 0; i < 3600; ++i) {
    t += 1s + (i % 3 - 1) * 100ms;
    d.feed(make_beat("db", t), at(t), out);
    for (int k = 1; k <= 9; ++k)
      d.tick(at(t + k * 100ms), out);
  }
  CHECK(out.empty());
}

TEST_CASE("heartbeat detector: a watch list ignores and counts other targets, "
          "and time going backwards is counted",
          "[detection][heartbeat]") {
  heartbeat_detector_settings s;
  s.targets = {"db"};
  heartbeat_detector d{s};
  detections out;
  d.feed(make_beat("cache", 1s), at(1s), out);
  CHECK(d.stats().ignored_unknown == 1);
  d.feed(make_beat("db", 5s), at(5s), out);
  d.feed(make_beat("db", 4s), at(4s), out);
  CHECK(d.stats().ignored_backwards == 1);
  CHECK(d.stats().heartbeats == 3);
  CHECK(out.empty());
}

TEST_CASE("heartbeat detector: invalid settings are rejected by name",
          "[detection][heartbeat]") {
  heartbeat_detector_settings s;
  s.check_interval = 0ns;
  auto x = heartbeat_detector::make(s);
  REQUIRE_FALSE(x);
  CHECK(is(x.error(), errc::invalid_argument));
  CHECK_THAT(context_of(x.error()), Catch::Contains("check_interval"));
  s = heartbeat_detector_settings{};
  s.phi.threshold = -1;
  x = heartbeat_detector::make(s);
  REQUIRE_FALSE(x);
  CHECK_THAT(context_of(x.error()), Catch::Contains("heartbeat detector"));
  CHECK(heartbeat_detector::make(heartbeat_detector_settings{}));
}

// -- threshold ---------------------------------------------------------------

namespace {

threshold_detector_settings latency_rule(caf::timespan hold) {
  threshold_detector_settings s;
  threshold_detector_rule r;
  r.metric = "latency_ms";
  r.threshold.limit = 100;
  r.threshold.for_duration = hold;
  r.threshold.clear_limit = 80;
  s.rules.push_back(r);
  return s;
}

} // namespace

TEST_CASE("threshold detector: raises once the condition held for its "
          "duration, by sample or by tick, and clears with hysteresis",
          "[detection][threshold]") {
  threshold_detector d{latency_rule(2s)};
  detections out;
  d.feed(make_sample("api", "latency_ms", 50, 0s), out);
  d.feed(make_sample("api", "latency_ms", 150, 1s), out);
  d.feed(make_sample("api", "latency_ms", 150, 2s), out);
  CHECK(out.empty()); // held 1 s only
  SECTION("a sample 2 s after the start raises") {
    d.feed(make_sample("api", "latency_ms", 120, 3s), out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].active);
    CHECK(out[0].at == 3s);
  }
  SECTION("a tick 2 s after the start raises without a new sample") {
    d.tick(at(3s - 1ns), out);
    CHECK(out.empty());
    d.tick(at(3s), out);
    REQUIRE(out.size() == 1);
    CHECK(out[0].at == 3s);
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == detection_kind::threshold);
  CHECK(out[0].metric == "latency_ms");
  CHECK(out[0].target == "api");
  // 90 is inside the dead band (80..100): no clear; 79 clears.
  d.feed(make_sample("api", "latency_ms", 90, 10s), out);
  CHECK(out.size() == 1);
  d.feed(make_sample("api", "latency_ms", 79, 11s), out);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].active);
}

TEST_CASE("threshold detector: one state per target, the rule's kind is "
          "reported, bad samples are counted",
          "[detection][threshold]") {
  auto s = threshold_detector_settings::route_defaults();
  threshold_detector d{s};
  detections out;
  d.feed(make_sample("a", "oldest_ms", 6000, 1s), out);
  d.feed(make_sample("b", "oldest_ms", 10, 1s), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == detection_kind::hang);
  CHECK(out[0].target == "a");
  d.feed(make_sample("a", "oldest_ms", std::nan(""), 2s), out);
  d.feed(make_sample("a", "oldest_ms",
                          std::numeric_limits<double>::infinity(), 2s),
              out);
  CHECK(d.stats().ignored_invalid == 2);
  d.feed(make_sample("a", "oldest_ms", 10, 0s), out);
  CHECK(d.stats().ignored_backwards == 1);
  CHECK(out.size() == 1);
  // A rule for one target counts samples of other targets as unknown.
  auto one = latency_rule(0s);
  one.rules[0].target = "api";
  threshold_detector d2{one};
  d2.feed(make_sample("other", "latency_ms", 500, 1s), out);
  CHECK(d2.stats().ignored_unknown == 1);
  d2.feed(make_sample("other", "cpu", 500, 1s), out); // not watched
  CHECK(d2.stats().ignored_unknown == 1);
  CHECK(out.size() == 1);
}

TEST_CASE("threshold detector: invalid settings are rejected by name",
          "[detection][threshold]") {
  threshold_detector_settings s;
  CHECK_THAT(context_of(s.validate()), Catch::Contains("no rules"));
  s = latency_rule(0s);
  s.rules[0].threshold.clear_limit = 120; // on the bad side of 100
  auto err = s.validate();
  REQUIRE(err);
  CHECK_THAT(context_of(err), Catch::Contains("rule 0"));
  s = latency_rule(0s);
  s.rules[0].metric.clear();
  CHECK_THAT(context_of(s.validate()), Catch::Contains("empty metric"));
  CHECK_FALSE(threshold_detector_settings::route_defaults().validate());
}

// -- anomaly -----------------------------------------------------------------

namespace {

anomaly_detector_settings latency_anomaly(anomaly_method m) {
  anomaly_detector_settings s;
  s.metrics = {"latency_ms"};
  s.method = m;
  s.ewma.warm_up = 20;
  s.robust.warm_up = 20;
  s.robust.window = 50;
  return s;
}

/// 10 ms +- 1 ms, deterministic.
double noise(int i) {
  return 10.0 + std::sin(i * 1.7) * 1.0;
}

} // namespace

TEST_CASE("anomaly detector: raises after raise_after anomalous samples in a "
          "row and clears after clear_after normal ones",
          "[detection][anomaly]") {
  auto method = GENERATE(anomaly_method::ewma, anomaly_method::robust);
  CAPTURE(to_string(method));
  anomaly_detector d{latency_anomaly(method)};
  detections out;
  int i = 0;
  for (; i < 100; ++i)
    d.feed(make_sample("api", "latency_ms", noise(i), i * 1s), out);
  CHECK(out.empty());
  // Two spikes are not enough (raise_after 3) ...
  d.feed(make_sample("api", "latency_ms", 40, i * 1s), out), ++i;
  d.feed(make_sample("api", "latency_ms", 40, i * 1s), out), ++i;
  CHECK(out.empty());
  // ... a normal sample resets the run ...
  d.feed(make_sample("api", "latency_ms", noise(i), i * 1s), out), ++i;
  for (int k = 0; k < 2; ++k, ++i)
    d.feed(make_sample("api", "latency_ms", 40, i * 1s), out);
  CHECK(out.empty());
  // ... and the third in a row raises.
  d.feed(make_sample("api", "latency_ms", 40, i * 1s), out), ++i;
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == detection_kind::anomaly);
  CHECK(out[0].active);
  CHECK(out[0].score >= 4.0);
  // While active the model does not learn: a long fault stays anomalous.
  for (int k = 0; k < 200; ++k, ++i)
    d.feed(make_sample("api", "latency_ms", 40, i * 1s), out);
  CHECK(out.size() == 1);
  for (int k = 0; k < 4; ++k, ++i)
    d.feed(make_sample("api", "latency_ms", noise(i), i * 1s), out);
  CHECK(out.size() == 1);
  d.feed(make_sample("api", "latency_ms", noise(i), i * 1s), out), ++i;
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].active);
}

TEST_CASE("anomaly detector: drops below the side and tiny changes of a "
          "steady metric do not raise",
          "[detection][anomaly]") {
  anomaly_detector d{latency_anomaly(anomaly_method::ewma)};
  detections out;
  int i = 0;
  for (; i < 100; ++i)
    d.feed(make_sample("api", "latency_ms", 10.0 + (i % 2) * 0.01,
                            i * 1s),
                out);
  // A drop to 1 ms: far below (z << -4) but the side is `above`.
  for (int k = 0; k < 10; ++k, ++i)
    d.feed(make_sample("api", "latency_ms", 1.0, i * 1s), out);
  CHECK(out.empty());
  // 11 ms: z is huge for this steady series, but 10 % < 20 % change.
  for (int k = 0; k < 10; ++k, ++i)
    d.feed(make_sample("api", "latency_ms", 11.0, i * 1s), out);
  CHECK(out.empty());
  // Other metrics are not read at all; NaN and backwards time are counted.
  d.feed(make_sample("api", "cpu", 1e9, i * 1s), out);
  d.feed(make_sample("api", "latency_ms", std::nan(""), i * 1s), out);
  d.feed(make_sample("api", "latency_ms", 10, 0s), out);
  CHECK(d.stats().ignored_invalid == 1);
  CHECK(d.stats().ignored_backwards == 1);
  CHECK(out.empty());
}

TEST_CASE("anomaly detector: invalid settings are rejected by name",
          "[detection][anomaly]") {
  anomaly_detector_settings s;
  CHECK_THAT(context_of(s.validate()), Catch::Contains("no metrics"));
  s.metrics = {"latency_ms"};
  s.z_threshold = std::nan("");
  CHECK_THAT(context_of(s.validate()), Catch::Contains("z_threshold"));
  s.z_threshold = 4;
  s.ewma.alpha = 2;
  CHECK_THAT(context_of(s.validate()), Catch::Contains("alpha"));
  s.ewma.alpha = 0.1;
  s.raise_after = 0;
  CHECK_THAT(context_of(s.validate()), Catch::Contains("raise_after"));
}

// -- trend -------------------------------------------------------------------

TEST_CASE("trend detector: a steady rise toward the limit is predicted "
          "within the horizon with its lead time, and clears at the limit",
          "[detection][trend]") {
  trend_detector_settings s;
  s.limits = {{"memory_mb", 1000.0, threshold_direction::above}};
  s.horizon = 10min;
  s.holt.warm_up = 5;
  trend_detector d{s};
  detections out;
  // 1 MB/s from 100 MB, a sample every 5 s: the limit is reached at 900 s.
  std::optional<caf::timespan> raised_at;
  for (int i = 0; i * 5 <= 1000; ++i) {
    auto t = std::chrono::seconds(i * 5);
    auto before = out.size();
    d.feed(make_sample("svc", "memory_mb", 100.0 + i * 5.0, t), out);
    if (out.size() > before && out.back().active) {
      raised_at = t;
      // An exact line: the lead is the time left to 1000 MB.
      auto expected = std::chrono::seconds(900) - t;
      CHECK(std::abs(std::chrono::duration<double>(out.back().lead
                                                   - expected)
                       .count())
            < 1.0);
      CHECK(out.back().lead <= s.horizon);
    }
  }
  REQUIRE(raised_at);
  // Raised once the crossing came within 10 min (at 300 s), after three
  // forecasts in a row inside the horizon: 300, 305, 310 s.
  CHECK(*raised_at == 310s);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].active);
  CHECK(out[1].detail == "limit reached");
  CHECK(out[1].at == 900s);
}

TEST_CASE("trend detector: a flat or falling metric is never predicted",
          "[detection][trend]") {
  trend_detector_settings s;
  s.limits = {{"memory_mb", 1000.0, threshold_direction::above}};
  trend_detector d{s};
  detections out;
  for (int i = 0; i < 2000; ++i) {
    // A GC sawtooth: 400..600 MB every 100 s, no trend.
    auto v = 400.0 + (i % 20) * 10.0;
    d.feed(make_sample("svc", "memory_mb", v, i * 5s), out);
    d.feed(make_sample("svc2", "memory_mb", 900.0 - i * 0.1, i * 5s),
                out);
  }
  for (auto& x : out)
    UNSCOPED_INFO(x.target << " " << x.detail << " at " << x.at.count());
  CHECK(out.empty());
}

// -- crash loop --------------------------------------------------------------

TEST_CASE("crash loop detector: a crash raises once, N crashes within T "
          "raise a crash loop, stability clears both",
          "[detection][crash_loop]") {
  crash_loop_detector_settings s;
  s.loop.events = 3;
  s.loop.window = 60s;
  s.stable_after = 10s;
  crash_loop_detector d{s};
  detections out;
  d.feed(exited("db", 1s), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == detection_kind::crash);
  CHECK(out[0].target == "root/db");
  d.feed(restarted("db", 2s), out);
  d.feed(exited("db", 5s), out);
  CHECK(out.size() == 1); // still the same outage: no second crash raise
  d.feed(restarted("db", 6s), out);
  d.feed(exited("db", 9s), out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].kind == detection_kind::crash_loop);
  CHECK(out[1].value == 3.0);
  d.feed(restarted("db", 10s), out);
  d.tick(at(20s - 1ns), out);
  CHECK(out.size() == 2); // not yet stable for 10 s
  d.tick(at(20s), out);
  REQUIRE(out.size() == 3);
  CHECK(out[2].kind == detection_kind::crash);
  CHECK_FALSE(out[2].active);
  // The loop clears once fewer than 3 crashes are within 60 s: the crash at
  // 1 s leaves the window after 61 s.
  d.tick(at(61s), out);
  CHECK(out.size() == 3);
  d.tick(at(61s + 1ns), out);
  REQUIRE(out.size() == 4);
  CHECK(out[3].kind == detection_kind::crash_loop);
  CHECK_FALSE(out[3].active);
}

TEST_CASE("crash loop detector: normal exits are not crashes, escalations "
          "are crash loops of the supervisor",
          "[detection][crash_loop]") {
  crash_loop_detector d{crash_loop_detector_settings{}};
  detections out;
  d.feed(exited("db", 1s, caf::exit_reason::normal), out);
  d.feed(exited("db", 2s, caf::error{}), out);
  CHECK(out.empty());
  supervision_event esc;
  esc.kind = supervision_event_kind::escalated;
  esc.supervisor = "root/io";
  esc.restarts = 4;
  esc.at = 3s;
  d.feed(esc, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == detection_kind::crash_loop);
  CHECK(out[0].target == "root/io");
  d.feed(exited("db", 1s), out); // before the previous event
  CHECK(d.stats().ignored_backwards == 1);
}

TEST_CASE("trend detector: a drop off the trend (memory freed) clears the "
          "prediction and the trend starts afresh",
          "[detection][trend]") {
  trend_detector_settings s;
  s.limits = {{"memory_mb", 1000.0, threshold_direction::above}};
  s.window = 5min;
  trend_detector d{s};
  detections out;
  int i = 0;
  // 5 min flat at 300 MB with a little noise, then +5 MB/s: 1000 MB after
  // 140 s more. Freed just before the limit: back to 300 MB.
  for (; i < 60; ++i)
    d.feed(make_sample("svc", "memory_mb", 300.0 + (i % 3), i * 5s), out);
  for (int k = 1; k <= 26; ++k, ++i)
    d.feed(make_sample("svc", "memory_mb", 300.0 + k * 25.0, i * 5s),
                out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].active);
  d.feed(make_sample("svc", "memory_mb", 300.0, i * 5s), out), ++i;
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].active);
  CHECK_THAT(out[1].detail, Catch::Contains("broke off its trend"));
  // Flat again for 10 minutes: no new prediction (the window with the rise
  // was dropped; without the break the line kept forecasting the limit).
  for (int k = 0; k < 120; ++k, ++i)
    d.feed(make_sample("svc", "memory_mb", 300.0 + (k % 3), i * 5s), out);
  CHECK(out.size() == 2);
  trend_detector_settings bad = s;
  bad.break_sigmas = -1;
  CHECK_THAT(context_of(bad.validate()), Catch::Contains("break_sigmas"));
}

TEST_CASE("anomaly detector: clipping what it learns catches a slowdown that "
          "ramps up, which an unclipped model learns as normal",
          "[detection][anomaly]") {
  auto settings = [](double clip) {
    anomaly_detector_settings s;
    s.metrics = {"latency_ms"};
    s.ewma.alpha = 0.1;
    s.ewma.warm_up = 30;
    s.z_threshold = 4;
    s.raise_after = 3;
    s.min_relative_change = 0.5;
    s.learn_clip = clip;
    return s;
  };
  auto first_raise = [](anomaly_detector& d) -> std::optional<int> {
    detections out;
    int i = 0;
    for (; i < 200; ++i)
      d.feed(make_sample("api", "latency_ms", noise(i), i * 1s), out);
    REQUIRE(out.empty());
    // A ramp from 10 ms to 30 ms over 20 s, then 30 ms for 280 s: the
    // unclipped model learns each step (measured: it never raises).
    for (int k = 0; k < 300; ++k, ++i) {
      auto v = 10.0 + 20.0 * std::min(k, 20) / 20.0 + (noise(i) - 10.0);
      d.feed(make_sample("api", "latency_ms", v, i * 1s), out);
      if (!out.empty())
        return k;
    }
    return std::nullopt;
  };
  anomaly_detector plain{settings(0.0)};
  anomaly_detector clipped{settings(2.0)};
  auto p = first_raise(plain);
  auto c = first_raise(clipped);
  CHECK_FALSE(p);
  REQUIRE(c);
  CHECK(*c < 20); // during the ramp
  anomaly_detector_settings bad = settings(0.5);
  CHECK_THAT(context_of(bad.validate()), Catch::Contains("learn_clip"));
}
