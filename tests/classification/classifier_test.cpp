// The classifier as a value: rules, correlation, dedup, precedence, clear.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "remedy/classification/classifier.hpp"
#include "remedy/core/error.hpp"

using namespace remedy;
using namespace std::chrono_literals;
using time_point = caf::actor_clock::time_point;

namespace {

detection det(detection_kind kind, std::string target, caf::timespan at,
              std::string detector = "d", std::string metric = {},
              bool active = true) {
  detection x;
  x.kind = kind;
  x.active = active;
  x.detector = std::move(detector);
  x.target = std::move(target);
  x.metric = std::move(metric);
  x.at = at;
  return x;
}

detection clear_of(detection x, caf::timespan at) {
  x.active = false;
  x.at = at;
  return x;
}

std::vector<fault_event_kind> kinds(const std::vector<fault_event>& xs) {
  std::vector<fault_event_kind> result;
  for (auto& x : xs)
    result.push_back(x.kind);
  return result;
}

} // namespace

TEST_CASE("classifier: a detection becomes a fault of its rule's class",
          "[detection][classifier]") {
  classifier c{classifier_settings{}};
  std::vector<fault_event> out;
  c.on_detection(det(detection_kind::crash, "root/db", 1s), time_point{1s},
                 out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == fault_event_kind::raised);
  auto& f = out[0].what;
  CHECK(f.id == 1);
  CHECK(f.cls == fault_class::crash);
  CHECK(f.target == "root/db");
  CHECK(f.severity == Approx(0.7));
  CHECK(f.confidence == Approx(0.9));
  CHECK(f.first_seen == 1s);
  REQUIRE(f.evidence.size() == 1);
  // Metric-specific rules: a latency threshold is `slow`, an error-rate
  // anomaly `error_spike`, another threshold `resource_exhaustion`.
  c.on_detection(det(detection_kind::threshold, "api", 2s, "t", "latency_ms"),
                 time_point{2s}, out);
  c.on_detection(det(detection_kind::anomaly, "api", 2s, "a", "error_rate"),
                 time_point{2s}, out);
  c.on_detection(det(detection_kind::threshold, "api", 2s, "t", "memory_mb"),
                 time_point{2s}, out);
  REQUIRE(out.size() == 4);
  CHECK(out[1].what.cls == fault_class::slow);
  CHECK(out[2].what.cls == fault_class::error_spike);
  CHECK(out[3].what.cls == fault_class::resource_exhaustion);
  // No rule for an anomaly of a custom metric: counted, nothing raised.
  c.on_detection(det(detection_kind::anomaly, "api", 3s, "a", "queue"),
                 time_point{3s}, out);
  CHECK(out.size() == 4);
  CHECK(c.stats().unclassified == 1);
  CHECK(c.active().size() == 4);
}

TEST_CASE("classifier: detections of one class on one target correlate into "
          "one fault, and a repeated raise is deduplicated",
          "[detection][classifier]") {
  classifier c{classifier_settings{}};
  std::vector<fault_event> out;
  auto hb = det(detection_kind::hang, "svc", 1s, "heartbeat");
  auto rt = det(detection_kind::hang, "svc", 2s, "threshold", "oldest_ms");
  c.on_detection(hb, time_point{1s}, out);
  c.on_detection(rt, time_point{2s}, out);
  REQUIRE(kinds(out)
          == std::vector<fault_event_kind>{fault_event_kind::raised,
                                           fault_event_kind::updated});
  auto& f = out[1].what;
  CHECK(f.id == 1);
  CHECK(f.evidence.size() == 2);
  // Two independent 0.8-confidence detections: 1 - 0.2 * 0.2.
  CHECK(f.confidence == Approx(0.96));
  CHECK(f.last_seen == 2s);
  c.on_detection(hb, time_point{3s}, out);
  CHECK(out.size() == 2); // nothing changed: no event
  CHECK(c.stats().duplicates == 1);
  CHECK(c.active().size() == 1);
}

TEST_CASE("classifier: a winning class takes over the loser's evidence",
          "[detection][classifier]") {
  classifier c{classifier_settings{}};
  std::vector<fault_event> out;
  c.on_detection(det(detection_kind::crash, "db", 1s, "cl"), time_point{1s},
                 out);
  c.on_detection(det(detection_kind::crash_loop, "db", 5s, "cl"),
                 time_point{5s}, out);
  // The winner's raise comes before the loser's clear: a listener never
  // sees the target without a fault in between.
  REQUIRE(kinds(out)
          == std::vector<fault_event_kind>{fault_event_kind::raised,
                                           fault_event_kind::raised,
                                           fault_event_kind::cleared});
  CHECK(out[2].what.cls == fault_class::crash);
  CHECK_FALSE(out[2].what.active);
  auto& loop = out[1].what;
  CHECK(loop.cls == fault_class::crash_loop);
  CHECK(loop.evidence.size() == 2);
  CHECK(loop.first_seen == 1s); // the crash started it
  // A new crash detection while the loop is active goes to the loop.
  c.on_detection(det(detection_kind::target_down, "db", 6s, "hb"),
                 time_point{6s}, out);
  REQUIRE(out.size() == 4);
  CHECK(out[3].kind == fault_event_kind::updated);
  CHECK(out[3].what.cls == fault_class::crash_loop);
  CHECK(c.active().size() == 1);
}

TEST_CASE("classifier: a fault clears exactly clear_after after its last "
          "evidence cleared, and a new raise before that keeps it",
          "[detection][classifier]") {
  classifier_settings s;
  s.clear_after = 5s;
  classifier c{s};
  std::vector<fault_event> out;
  auto a = det(detection_kind::threshold, "api", 1s, "t1", "latency_ms");
  auto b = det(detection_kind::anomaly, "api", 1s, "a1", "latency_ms");
  c.on_detection(a, time_point{1s}, out);
  c.on_detection(b, time_point{1s}, out);
  c.on_detection(clear_of(a, 2s), time_point{2s}, out);
  c.tick(time_point{100s}, out);
  CHECK(c.active().size() == 1); // b still active
  c.on_detection(clear_of(b, 110s), time_point{110s}, out);
  c.tick(time_point{115s - 1ns}, out);
  CHECK(c.active().size() == 1);
  SECTION("a raise within clear_after keeps the fault") {
    c.on_detection(b, time_point{114s}, out);
    c.tick(time_point{200s}, out);
    REQUIRE(c.active().size() == 1);
    CHECK(c.active()[0].id == 1);
  }
  SECTION("otherwise it clears at clear_after") {
    auto before = out.size();
    c.tick(time_point{115s}, out);
    REQUIRE(out.size() == before + 1);
    CHECK(out.back().kind == fault_event_kind::cleared);
    CHECK(out.back().what.cleared_at == 115s);
    CHECK(c.active().empty());
    // The next raise is a new fault.
    c.on_detection(a, time_point{120s}, out);
    CHECK(out.back().kind == fault_event_kind::raised);
    CHECK(out.back().what.id == 2);
  }
}

TEST_CASE("classifier: invalid rules are rejected by name",
          "[detection][classifier]") {
  classifier_settings s;
  s.rules[0].severity = 1.5;
  CHECK_THAT(context_of(s.validate()), Catch::Contains("rule 0: severity"));
  s = classifier_settings{};
  s.precedence.push_back({fault_class::crash, fault_class::crash_loop});
  CHECK_THAT(context_of(s.validate()), Catch::Contains("over each other"));
  s = classifier_settings{};
  s.clear_after = -1s;
  CHECK_THAT(context_of(s.validate()), Catch::Contains("clear_after"));
  s = classifier_settings{};
  s.rules.clear();
  CHECK_THAT(context_of(s.validate()), Catch::Contains("no rules"));
  CHECK_FALSE(classifier_settings{}.validate());
}
