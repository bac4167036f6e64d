// The accuracy harness: the evaluator's matching on hand-made traces (true
// and false positives, misses, exact latencies and lead times, repeats and
// superseded faults), runs in virtual time (ticks at their exact times,
// down markers), the trace generator (deterministic, sorted, labelled), two
// detector bugs the harness found (precedence not transitive, predictions of
// a recovering metric), and the goals of the recommended detector set on
// labelled traces whose seeds are disjoint from the ones it was tuned on
// (tuning: seeds 1..200 per group and healthy seeds 1..4).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/exit_reason.hpp>

#include "remedy/core/percentile.hpp"
#include "remedy/classification/classifier.hpp"
#include "remedy/detection/crash_loop_detector.hpp"
#include "remedy/eval/detection_evaluator.hpp"
#include "remedy/detection/detector_set.hpp"
#include "remedy/eval/fault_trace.hpp"
#include "remedy/detection/heartbeat_detector.hpp"
#include "remedy/detection/phi_accrual.hpp"
#include "remedy/detection/threshold_detector.hpp"
#include "remedy/detection/trend_detector.hpp"
#include "remedy/core/error.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

using ts = caf::timespan;

const ts t0 = 1000h;

fault_label make_label(fault_class cls, std::string target, ts start, ts end,
                       std::optional<ts> reached = std::nullopt) {
  fault_label l;
  l.cls = cls;
  l.target = std::move(target);
  l.start = start;
  l.end = end;
  l.reached = reached;
  return l;
}

raised_fault make_raised(fault_class cls, std::string target, ts at,
                         std::optional<ts> first_seen = std::nullopt) {
  static uint64_t id = 0;
  return raised_fault{++id, cls, std::move(target), first_seen.value_or(at),
                      at};
}

supervision_event event(supervision_event_kind kind, std::string child, ts at) {
  supervision_event ev;
  ev.kind = kind;
  ev.supervisor = "svc";
  ev.child = std::move(child);
  ev.at = at;
  if (kind == supervision_event_kind::child_exited)
    ev.reason = caf::make_error(caf::exit_reason::unhandled_exception);
  return ev;
}

fault_trace empty_trace(std::vector<std::string> targets, ts end) {
  fault_trace t;
  t.name = "hand-made";
  t.begin = t0;
  t.end = end;
  t.targets = std::move(targets);
  return t;
}

template <class Detector, class Settings>
detector_set one(Settings s) {
  detector_set result;
  auto d = Detector::make(std::move(s));
  REQUIRE(d);
  result.push_back(std::move(*d));
  return result;
}

detector_set recommended() {
  auto ds = make_detectors(default_detectors());
  REQUIRE(ds);
  return std::move(*ds);
}

std::vector<match_kind> kinds(const trace_result& r) {
  std::vector<match_kind> result;
  for (auto& m : r.faults)
    result.push_back(m.kind);
  return result;
}

} // namespace

namespace Catch {

template <>
struct StringMaker<remedy::match_kind> {
  static std::string convert(remedy::match_kind x) {
    return remedy::to_string(x);
  }
};

} // namespace Catch

// -- matching -----------------------------------------------------------------

TEST_CASE("evaluator: a labelled crash is a true positive with its exact "
          "latency, an unlabelled one a false positive, an unseen label a "
          "false negative",
          "[detection][evaluator]") {
  using k = supervision_event_kind;
  auto trace = empty_trace({"svc/a", "svc/b", "svc/c"}, t0 + 60s);
  for (auto child : {"a", "b", "c"})
    trace.inputs.emplace_back(event(k::child_started, child, t0));
  trace.inputs.emplace_back(event(k::child_exited, "a", t0 + 10s));
  trace.inputs.emplace_back(event(k::child_restarted, "a", t0 + 11s));
  trace.inputs.emplace_back(event(k::child_exited, "b", t0 + 20s));
  trace.inputs.emplace_back(event(k::child_restarted, "b", t0 + 21s));
  trace.labels.push_back(
    make_label(fault_class::crash, "svc/a", t0 + 10s, t0 + 11s));
  trace.labels.push_back(
    make_label(fault_class::hang, "svc/c", t0 + 30s, t0 + 40s));
  auto raised = run_trace(
    trace, one<crash_loop_detector>(crash_loop_detector_settings{}));
  REQUIRE(raised.size() == 2);
  CHECK(raised[0].target == "svc/a");
  CHECK(raised[0].raised_at == t0 + 10s);
  CHECK(raised[1].target == "svc/b");
  accuracy_report report;
  auto r = report.add(trace, raised);
  CHECK(kinds(r)
        == std::vector<match_kind>{match_kind::true_positive,
                                   match_kind::false_positive});
  REQUIRE(r.labels.size() == 2);
  CHECK(r.labels[0].detected);
  CHECK(r.labels[0].latency == 0s);
  CHECK_FALSE(r.labels[1].detected);
  auto& crash = report.of(fault_class::crash);
  CHECK(crash.true_positives == 1);
  CHECK(crash.false_positives == 1);
  CHECK(crash.false_negatives == 0);
  CHECK(crash.precision() == Approx(0.5));
  CHECK(crash.recall() == Approx(1.0));
  CHECK(crash.f1() == Approx(2.0 / 3.0));
  auto& hang = report.of(fault_class::hang);
  CHECK(hang.false_negatives == 1);
  CHECK(hang.recall() == 0.0);
  CHECK(report.evaluated()
        == std::vector<fault_class>{fault_class::crash, fault_class::hang});
  CHECK(report.misses().size() == 1);
  CHECK(report.false_positives().size() == 1);
  CHECK(report.healthy_hours() == 0.0);
}

TEST_CASE("evaluator: the window runs from the label's start to its end "
          "plus the grace; later raises of a matched label are repeats",
          "[detection][evaluator]") {
  auto trace = empty_trace({"svc/a"}, t0 + 1h);
  trace.labels.push_back(
    make_label(fault_class::slow, "svc/a", t0 + 100s, t0 + 200s));
  evaluator_settings s;
  s.grace = 30s;
  auto slow = [](ts at) { return make_raised(fault_class::slow, "svc/a", at); };
  std::vector<raised_fault> raised{
    slow(t0 + 100s - 1ns), // before the start
    slow(t0 + 150s),       // the first match
    slow(t0 + 230s),       // within the grace: a repeat
    slow(t0 + 230s + 1ns), // after it
    make_raised(fault_class::slow, "svc/b", t0 + 150s),        // another target
    make_raised(fault_class::error_spike, "svc/a", t0 + 150s), // class
  };
  auto r = match_faults(trace, raised, s);
  CHECK(kinds(r)
        == std::vector<match_kind>{
          match_kind::false_positive, match_kind::true_positive,
          match_kind::repeat, match_kind::false_positive,
          match_kind::false_positive, match_kind::false_positive});
  REQUIRE(r.labels[0].detected);
  CHECK(r.labels[0].latency == 50s);
  accuracy_report report{s};
  report.add(trace, raised);
  CHECK(report.of(fault_class::slow).false_positives == 3);
  CHECK(report.of(fault_class::slow).repeats == 1);
  CHECK(report.of(fault_class::error_spike).false_positives == 1);
  CHECK(report.of(fault_class::slow).latencies == std::vector<double>{50.0});
}

TEST_CASE("evaluator: matching uses the raise time, not a backdated "
          "first_seen; two labels take one fault each",
          "[detection][evaluator]") {
  auto trace = empty_trace({"svc/a"}, t0 + 1h);
  trace.labels.push_back(make_label(fault_class::resource_exhaustion, "svc/a",
                                    t0 + 600s, t0 + 700s));
  trace.labels.push_back(
    make_label(fault_class::hang, "svc/a", t0 + 100s, t0 + 200s));
  trace.labels.push_back(
    make_label(fault_class::hang, "svc/a", t0 + 150s, t0 + 300s));
  std::vector<raised_fault> raised{
    // Took over a prediction raised at 400 s: first_seen is backdated.
    make_raised(fault_class::resource_exhaustion, "svc/a", t0 + 600s,
                t0 + 400s),
    make_raised(fault_class::hang, "svc/a", t0 + 160s),
    make_raised(fault_class::hang, "svc/a", t0 + 170s),
    make_raised(fault_class::hang, "svc/a", t0 + 180s),
  };
  auto r = match_faults(trace, raised);
  CHECK(kinds(r)
        == std::vector<match_kind>{
          match_kind::true_positive, match_kind::true_positive,
          match_kind::true_positive, match_kind::repeat});
  CHECK(r.faults[1].label == 1u);
  CHECK(r.faults[2].label == 2u);
  CHECK(r.labels[0].latency == 0s);
  CHECK(r.labels[1].latency == 60s);
  CHECK(r.labels[2].latency == 20s);
}

TEST_CASE("evaluator: lead time of a prediction; superseded faults are no "
          "false positives unless told so",
          "[detection][evaluator]") {
  auto trace = empty_trace({"svc/a"}, t0 + 1h);
  trace.labels.push_back(make_label(fault_class::resource_exhaustion_predicted,
                                    "svc/a", t0 + 100s, t0 + 400s, t0 + 400s));
  trace.labels.push_back(
    make_label(fault_class::crash_loop, "svc/a", t0 + 500s, t0 + 540s));
  std::vector<raised_fault> raised{
    make_raised(fault_class::resource_exhaustion_predicted, "svc/a", t0 + 250s),
    // The crash at the loop's first exit, before the loop was known.
    make_raised(fault_class::crash, "svc/a", t0 + 500s),
    make_raised(fault_class::crash_loop, "svc/a", t0 + 530s, t0 + 500s),
  };
  SECTION("excused by default") {
    accuracy_report report;
    auto r = report.add(trace, raised);
    CHECK(kinds(r)
          == std::vector<match_kind>{match_kind::true_positive,
                                     match_kind::superseded,
                                     match_kind::true_positive});
    REQUIRE(r.labels[0].lead);
    CHECK(*r.labels[0].lead == 150s);
    CHECK(r.labels[0].latency == 150s);
    auto& p = report.of(fault_class::resource_exhaustion_predicted);
    CHECK(p.leads == std::vector<double>{150.0});
    CHECK(p.lead_median() == 150.0);
    CHECK(report.of(fault_class::crash).superseded == 1);
    CHECK(report.of(fault_class::crash).false_positives == 0);
    CHECK(report.of(fault_class::crash_loop).latencies
          == std::vector<double>{30.0});
  }
  SECTION("counted as false positives without the excuse") {
    evaluator_settings s;
    s.excuse_superseded = false;
    auto r = match_faults(trace, raised, s);
    CHECK(r.faults[1].kind == match_kind::false_positive);
  }
}

TEST_CASE("evaluator: healthy signal counts hours and false positives",
          "[detection][evaluator]") {
  accuracy_report report;
  auto healthy = empty_trace({"svc/a", "svc/b"}, t0 + 2h);
  report.add(healthy, {make_raised(fault_class::slow, "svc/a", t0 + 1h)});
  report.add_healthy("more", 2h, 1, {});
  CHECK(report.healthy_hours() == Approx(4.0));
  CHECK(report.healthy_target_hours() == Approx(6.0));
  CHECK(report.healthy_false_positives() == 1);
  CHECK(report.false_positives_per_hour() == Approx(0.25));
  CHECK(report.of(fault_class::slow).false_positives == 1);
  CHECK(report.evaluated().empty());
  CHECK_THAT(report.markdown(), Catch::Contains("| slow | 0 | 0 | 1 |"));
}

TEST_CASE("evaluator: percentiles interpolate between ranks",
          "[detection][evaluator]") {
  CHECK(std::isnan(percentile({}, 50)));
  CHECK(percentile({3.0}, 95) == 3.0);
  CHECK(percentile({4.0, 1.0, 3.0, 2.0}, 50) == Approx(2.5));
  CHECK(percentile({1.0, 2.0, 3.0, 4.0, 5.0}, 95) == Approx(4.8));
}

// -- runs in virtual time -----------------------------------------------------

TEST_CASE("evaluator: a stuck call raises a hang exactly when its age "
          "reaches the deadline",
          "[detection][evaluator]") {
  auto trace = empty_trace({"svc/a"}, t0 + 60s);
  // A call stuck from 3 s: oldest_ms grows 1000 a second, 5000 at 8 s.
  for (int i = 1; i < 60; ++i) {
    auto t = t0 + std::chrono::seconds(i);
    auto age = i >= 3 ? (i - 3) * 1000.0 : 20.0;
    trace.inputs.emplace_back(sample{"svc/a", "oldest_ms", age, t});
  }
  trace.labels.push_back(
    make_label(fault_class::hang, "svc/a", t0 + 3s, t0 + 60s));
  auto raised = run_trace(
    trace,
    one<threshold_detector>(threshold_detector_settings::route_defaults()));
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].cls == fault_class::hang);
  CHECK(raised[0].raised_at == t0 + 8s);
  auto r = match_faults(trace, raised);
  REQUIRE(r.labels[0].detected);
  CHECK(r.labels[0].latency == 5s);
}

TEST_CASE("evaluator: ticks run at their exact virtual times",
          "[detection][evaluator]") {
  // Heartbeats exactly every second until 20 s, then silence: the hang is
  // raised at the first 100 ms check where phi reaches 8.
  auto trace = empty_trace({"svc/a"}, t0 + 60s);
  phi_accrual model{phi_accrual_settings{}};
  for (int i = 1; i <= 20; ++i) {
    auto t = t0 + std::chrono::seconds(i);
    trace.inputs.emplace_back(
      trace_heartbeat{"svc/a", static_cast<uint64_t>(i), 1, t});
    model.heartbeat(to_time_point(t));
  }
  auto expected = t0 + 20s;
  while (model.phi(to_time_point(expected)) < 8.0)
    expected += 100ms;
  auto raised
    = run_trace(trace, one<heartbeat_detector>(heartbeat_detector_settings{}));
  REQUIRE(raised.size() == 1);
  CHECK(raised[0].cls == fault_class::hang);
  CHECK(raised[0].raised_at == expected);
  CHECK(expected > t0 + 22s);
  CHECK(expected < t0 + 23s);
}

TEST_CASE("evaluator: a down marker turns a silent sender into a crash, "
          "without one it is a hang",
          "[detection][evaluator]") {
  auto beats = [](uint64_t incarnation) {
    auto trace = empty_trace({"svc/a"}, t0 + 60s);
    for (int i = 1; i <= 10; ++i)
      trace.inputs.emplace_back(
        trace_heartbeat{"svc/a", static_cast<uint64_t>(i), incarnation,
                        t0 + std::chrono::seconds(i)});
    return trace;
  };
  auto run = [](const fault_trace& trace) {
    detection_run r{one<heartbeat_detector>(heartbeat_detector_settings{}),
                    classifier_settings{}, trace.begin};
    r.run(trace);
    return r.raised();
  };
  SECTION("down") {
    auto trace = beats(1);
    trace.inputs.emplace_back(trace_down{
      "svc/a", 1, caf::make_error(caf::exit_reason::kill), t0 + 10500ms});
    auto raised = run(trace);
    REQUIRE(raised.size() == 1);
    CHECK(raised[0].cls == fault_class::crash);
    CHECK(raised[0].raised_at == t0 + 10500ms);
  }
  SECTION("a down of another incarnation changes nothing") {
    auto trace = beats(2);
    trace.inputs.emplace_back(trace_down{
      "svc/a", 1, caf::make_error(caf::exit_reason::kill), t0 + 10500ms});
    auto raised = run(trace);
    REQUIRE(raised.size() == 1);
    CHECK(raised[0].cls == fault_class::hang);
  }
  SECTION("no down") {
    auto raised = run(beats(1));
    REQUIRE(raised.size() == 1);
    CHECK(raised[0].cls == fault_class::hang);
  }
  SECTION("no sender address") {
    detection_run r{one<heartbeat_detector>(heartbeat_detector_settings{}),
                    classifier_settings{}, t0};
    r.run(beats(0));
    REQUIRE(r.raised().size() == 1);
    CHECK(r.raised()[0].cls == fault_class::hang);
    CHECK(r.detections() == 1); // heartbeat_missed, never cleared
    CHECK(r.fault_events() == 1);
    CHECK(r.now() == t0 + 60s);
  }
}

// -- bugs the harness found ---------------------------------------------------

TEST_CASE("classifier: precedence is transitive: a hang during a crash loop "
          "goes to the loop",
          "[detection][classifier]") {
  classifier c{classifier_settings{}};
  std::vector<fault_event> out;
  auto det = [](detection_kind kind, ts at) {
    detection d;
    d.kind = kind;
    d.detector = to_string(kind);
    d.target = "svc/a";
    d.at = at;
    return d;
  };
  using tp = caf::actor_clock::time_point;
  c.on_detection(det(detection_kind::crash, 1s), tp{1s}, out);
  c.on_detection(det(detection_kind::crash_loop, 5s), tp{5s}, out);
  out.clear();
  // Silence between two restarts, seen by a heartbeat detector.
  c.on_detection(det(detection_kind::heartbeat_missed, 6s), tp{6s}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == fault_event_kind::updated);
  CHECK(out[0].what.cls == fault_class::crash_loop);
  REQUIRE(c.active().size() == 1);
  CHECK(c.active()[0].cls == fault_class::crash_loop);
  // And a loop raised while a hang is active takes the hang over.
  classifier d{classifier_settings{}};
  out.clear();
  d.on_detection(det(detection_kind::hang, 1s), tp{1s}, out);
  d.on_detection(det(detection_kind::crash_loop, 2s), tp{2s}, out);
  REQUIRE(d.active().size() == 1);
  CHECK(d.active()[0].cls == fault_class::crash_loop);
  // Cycles are rejected, however long.
  classifier_settings s;
  s.precedence.push_back({fault_class::hang, fault_class::crash_loop});
  CHECK_THAT(context_of(s.validate()), Catch::Contains("cycle"));
}

TEST_CASE("trend detector: a metric recovering from past an upper limit is "
          "not predicted to reach it",
          "[detection][trend]") {
  for (auto method : {trend_method::regression, trend_method::holt}) {
    trend_detector_settings s;
    s.limits = {{"memory_mb", 100.0, threshold_direction::above}};
    s.method = method;
    s.window = 2min;
    s.holt.warm_up = 2;
    s.min_history = 60s;
    trend_detector d{s};
    detections out;
    auto t = t0;
    for (int i = 0; i < 60; ++i, t += 5s)
      d.feed(sample{"svc/a", "memory_mb", 150.0, t}, out);
    for (int i = 0; i < 20; ++i, t += 5s)
      d.feed(sample{"svc/a", "memory_mb", 50.0, t}, out);
    CHECK(out.empty());
    // Rising again towards the limit is still predicted.
    for (int i = 0; i < 40; ++i, t += 5s)
      d.feed(sample{"svc/a", "memory_mb", 50.0 + 2.0 * i, t}, out);
    REQUIRE_FALSE(out.empty());
    CHECK(out.front().kind == detection_kind::predicted_limit);
    CHECK(out.front().active);
  }
}

// -- traces -------------------------------------------------------------------

TEST_CASE("fault traces are deterministic, sorted and labelled",
          "[detection][fault_trace]") {
  trace_settings s;
  REQUIRE_FALSE(s.validate());
  for (auto scenario : all_fault_scenarios()) {
    CAPTURE(to_string(scenario));
    auto a = generate_fault_trace(scenario, 7, s);
    auto b = generate_fault_trace(scenario, 7, s);
    auto c = generate_fault_trace(scenario, 8, s);
    REQUIRE(a.inputs.size() == b.inputs.size());
    for (size_t i = 0; i < a.inputs.size(); ++i)
      REQUIRE(time_of(a.inputs[i]) == time_of(b.inputs[i]));
    CHECK(a.begin != c.begin);
    CHECK(
      std::is_sorted(a.inputs.begin(), a.inputs.end(),
                     [](auto& x, auto& y) { return time_of(x) < time_of(y); }));
    CHECK(time_of(a.inputs.front()) >= a.begin);
    CHECK(time_of(a.inputs.back()) < a.end);
    CHECK(a.targets.size() == s.services + s.workers);
    auto classes = label_classes(scenario);
    REQUIRE(a.labels.size() == classes.size());
    for (size_t i = 0; i < classes.size(); ++i) {
      auto& l = a.labels[i];
      CHECK(l.cls == classes[i]);
      CHECK(l.start >= a.begin + s.warm_up);
      CHECK(l.start <= l.end);
      CHECK(l.end + s.tail <= a.end);
      CHECK(std::count(a.targets.begin(), a.targets.end(), l.target) == 1);
    }
    if (scenario == fault_scenario::memory_leak) {
      REQUIRE(a.labels[0].reached);
      CHECK(*a.labels[0].reached == a.labels[0].end);
      CHECK(a.labels[1].start == a.labels[0].end);
    }
  }
  CHECK(scenarios_of(fault_class::hang).size() == 3);
  CHECK(scenarios_of(fault_class::node_down).empty());
  CHECK(scenarios_of(fault_class::unreachable).empty());
}

TEST_CASE("healthy traces continue chunk after chunk",
          "[detection][fault_trace]") {
  healthy_trace_generator gen{3};
  auto a = gen.next(10min);
  auto b = gen.next(10min);
  CHECK(a.labels.empty());
  CHECK(b.begin == a.end);
  CHECK(gen.now() == b.end);
  CHECK(time_of(b.inputs.front()) >= b.begin);
  CHECK(time_of(a.inputs.back()) < a.end);
  // The whole day in one piece is the same signal.
  auto whole = generate_healthy_trace(3, 20min);
  CHECK(whole.inputs.size() == a.inputs.size() + b.inputs.size());
}

// -- the goals ----------------------------------------------------------------

TEST_CASE("the recommended detector set meets the accuracy goals on "
          "labelled traces it was not tuned on",
          "[detection][detection_accuracy]") {
  // 20 traces per scenario group (seeds 5001..5020; hang: 3 variants), and
  // 24 h of healthy noise (seed 9001). To run in seconds in a debug build,
  // the traces leave out calls, latency_max_ms and in_flight (which no
  // detector of the set reads: every value they see stays the same) and
  // have less of the bench's healthy signal before and after the fault
  // (but the 8 minutes the set's latency detector warms up: 9 to 11).
  trace_settings ts_;
  ts_.all_route_metrics = false;
  ts_.warm_up = 9min;
  ts_.warm_up_jitter = 2min;
  ts_.tail = 5min;
  accuracy_report report;
  using s = fault_scenario;
  std::vector<std::vector<s>> groups{
    {s::crash},
    {s::crash_loop},
    {s::hang_silent, s::hang_stuck_call, s::hang_worker},
    {s::slow},
    {s::error_spike},
    {s::memory_leak},
  };
  for (auto& g : groups) {
    for (uint64_t seed = 5001; seed <= 5020; ++seed) {
      auto trace = generate_fault_trace(g[seed % g.size()], seed, ts_);
      report.add(trace, run_trace(trace, recommended()));
    }
  }
  healthy_trace_generator gen{9001, ts_};
  detection_run run{recommended(), classifier_settings{}, gen.now()};
  for (int i = 0; i < 24 * 6; ++i)
    run.run(gen.next(10min));
  report.add_healthy("healthy#9001", 24h, gen.targets().size(), run.raised());
  std::string fps;
  for (auto& fp : report.false_positives())
    fps += fp.trace + ": " + to_string(fp.fault.cls) + " on " + fp.fault.target
           + "\n";
  INFO(report.markdown() << fps);
  auto evaluated = report.evaluated();
  CHECK(evaluated.size() == 7); // all but node_down and unreachable
  for (auto cls : evaluated) {
    CAPTURE(to_string(cls));
    CHECK(report.of(cls).f1() >= 0.95);
  }
  CHECK(report.healthy_hours() == Approx(24.0));
  CHECK(report.healthy_false_positives() == 0);
  CHECK(report.of(fault_class::resource_exhaustion_predicted).lead_median()
        >= 30.0);
}
