// detection_accuracy: how well Remedy's recommended detector set
// (default_detectors()) and the default classifier find injected faults in
// labelled synthetic traces, and what one detector actor costs per sample.
//
// Accuracy (virtual time, no actor system): for each scenario group (crash,
// crash_loop, hang in its three variants, slow, error_spike, memory_leak)
// N traces with seeds first..first+N-1 (hang: the variant is the seed mod 3)
// are generated (generate_fault_trace), run through fresh detectors and a
// classifier (detection_run) and matched against their labels
// (accuracy_report). Then K healthy-only traces of H hours each (seeds
// 1..K, generated and run in 10-minute chunks). Printed: one markdown row
// per class (precision, recall, F1, latency median/p95, lead time) and the
// false positives per hour of healthy signal. The recommended settings
// were tuned on the default seeds (1..200, healthy 1..4): pass
// --first-seed and --healthy-first-seed for seeds they never saw. Latency
// is from the fault's start to the classifier's raise (for a crash loop,
// from its first crash); lead time from the prediction's raise to the
// first sample at or past the limit.
//
// Cost (real actor system): one detector actor (spawn_detector) with the
// default anomaly detector, then with the adaptive detector (its defaults),
// then with the default threshold detector, is
// sent S healthy samples (8 targets) directly from a scoped actor, in
// batches of 10000 each closed by a detector_stats_atom request (which
// bounds the mailbox; the last answer ends the measurement), against a raw
// CAF event-based actor that takes the same samples and does nothing. The
// messages are made beforehand, so the sender outpaces either receiver.
// Repetitions alternate the sides; the median ns per sample counts (ratio >
// 1: the detector's work and its actor's bookkeeping). The detector's own
// work as a value (on_sample in a loop) is printed alongside.
//
// Sensitivity (virtual time, like accuracy): where detection stops
// working. The accuracy traces' faults are large (latency x4..x8, error
// rate 0.3..0.9, a leak 5..20 minutes to the limit), so every class scores
// F1 1.000 there. Here one fault magnitude of trace_settings is fixed per
// level (min = max) and N traces per level (seeds first..first+N-1, the
// same seeds at every level, so levels differ only in the fault's size)
// run through the same recommended detector set: slow over the latency
// factor, error_spike over the error rate, resource_exhaustion_predicted
// over the leak's time from normal to the limit. Printed per class: the
// victim's healthy baseline before the fault (what a level is measured
// against), the detectors' raise conditions, and one markdown row per
// level (recall, precision, F1, latency median; lead time for the leak;
// "other": faults of other classes raised in these traces). Precision
// counts only the false positives of the class in these labelled traces
// (no healthy-only hours: see the accuracy section for those); where
// nothing was raised it is "-" (NaN in the RESULT line), as are the
// latency and lead of a level without a detection. The default seeds
// (1..100) are among those the recommended settings were tuned on (at the
// default magnitudes); pass --sensitivity-first-seed for others.
//
// Output: the tables, then
//   RESULT bench=detection_accuracy name=<class>.<figure> remedy=<v> caf=-
//     ratio=- unit=<u> goal=<g> pass=<yes|no|->
//   RESULT bench=detection_accuracy name=cost.<detector> remedy=<ns>
//     caf=<ns> ratio=<r> unit=ns/sample goal=- pass=-
//   RESULT bench=detection_accuracy
//     name=sensitivity.<class>.<level>.<figure> remedy=<v> caf=- ratio=-
//     unit=<u> goal=- pass=- level=<number>
// where <level> is e.g. factor1_25 (x1.25), rate0_05, leak120min.
//
// Each part (accuracy, cost, sensitivity) has its own wall-clock budget
// (--part-max-seconds) within the whole run's (--max-seconds); a part that
// overruns aborts the run (exit code 3) rather than print partial figures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "common.hpp"
#include "remedy/eval/detection_evaluator.hpp"
#include "remedy/detection/adaptive_detector.hpp"
#include "remedy/detection/detector_actor.hpp"
#include "remedy/detection/detector_set.hpp"
#include "remedy/eval/fault_trace.hpp"
#include "remedy/detection/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/sample.hpp"

namespace {

using namespace std::chrono_literals;
using remedy::fault_class;
using remedy::fault_scenario;

constexpr const char* bench_name = "detection_accuracy";

/// Aborts once the wall-clock budget is spent.
struct budget {
  bench::clock_type::time_point deadline;
  void check(const char* what) const {
    if (bench::clock_type::now() > deadline)
      bench::fail(std::string{"time budget exceeded during "} + what
                  + " (raise --max-seconds or lower the sizes)");
  }
};

/// A RESULT line for a figure without a raw-CAF side.
void figure(const std::string& name, double value, const char* unit,
            const std::string& goal, const char* pass) {
  std::printf("RESULT bench=%s name=%s remedy=%.4g caf=- ratio=- unit=%s "
              "goal=%s pass=%s\n",
              bench_name, name.c_str(), value, unit, goal.c_str(), pass);
  std::fflush(stdout);
}

/// A RESULT line without a raw-CAF side or a goal, with extra fields.
void value(const std::string& name, double v, const char* unit,
           const std::string& more) {
  std::printf("RESULT bench=%s name=%s remedy=%.4g caf=- ratio=- unit=%s "
              "goal=- pass=- %s\n",
              bench_name, name.c_str(), v, unit, more.c_str());
  std::fflush(stdout);
}

remedy::detector_set fresh_detectors() {
  auto ds = remedy::make_detectors(remedy::default_detectors());
  if (!ds)
    bench::fail("default detectors: " + remedy::render(ds.error()));
  return std::move(*ds);
}

struct group {
  const char* name;
  std::vector<fault_scenario> variants;
};

std::vector<group> groups() {
  using s = fault_scenario;
  return {
    {"crash", {s::crash}},
    {"crash_loop", {s::crash_loop}},
    {"hang", {s::hang_silent, s::hang_stuck_call, s::hang_worker}},
    {"slow", {s::slow}},
    {"error_spike", {s::error_spike}},
    {"memory_leak", {s::memory_leak}},
  };
}

double rel(caf::timespan t, const remedy::fault_trace& trace) {
  return std::chrono::duration<double>(t - trace.begin).count();
}

/// Lists the labels and raised faults of a trace with a miss or a false
/// positive (--verbose).
void explain(const remedy::fault_trace& trace, const remedy::trace_result& r,
             const std::string& tag = "") {
  auto bad = std::any_of(r.labels.begin(), r.labels.end(),
                         [](auto& l) { return !l.detected; })
             || std::any_of(r.faults.begin(), r.faults.end(), [](auto& m) {
                  return m.kind == remedy::match_kind::false_positive;
                });
  if (!bad)
    return;
  std::printf("   %s%s:\n", trace.name.c_str(), tag.c_str());
  for (auto& l : r.labels)
    std::printf("     label %s on %s [%.1f, %.1f] s: %s\n",
                remedy::to_string(l.label.cls), l.label.target.c_str(),
                rel(l.label.start, trace), rel(l.label.end, trace),
                l.detected ? "detected" : "MISSED");
  for (auto& m : r.faults)
    std::printf("     raised %s on %s, first seen %.1f s, raised %.1f s: "
                "%s\n",
                remedy::to_string(m.fault.cls), m.fault.target.c_str(),
                rel(m.fault.first_seen, trace), rel(m.fault.raised_at, trace),
                remedy::to_string(m.kind));
}

/// The trace settings of every part: the defaults, with the NAB-learned
/// healthy-noise features named in --without=idle,weekend,shifts,gaps
/// turned off (to see which of them a detector trips over).
remedy::trace_settings base_settings(const bench::options& opts) {
  remedy::trace_settings ts;
  auto without = "," + opts.get("without", "") + ",";
  auto off = [&](const char* x) {
    return without.find("," + std::string{x} + ",") != std::string::npos;
  };
  if (off("idle"))
    ts.idle_route_share = 0.0;
  if (off("weekend"))
    ts.weekend_traffic = 1.0;
  if (off("shifts"))
    ts.level_shifts_per_day = 0.0;
  if (off("gaps"))
    ts.gaps_per_day = 0.0;
  return ts;
}

void run_accuracy(const bench::options& opts, const budget& b) {
  auto traces = opts.get_size("traces", opts.quick ? 20 : 200);
  auto first = opts.get_size("first-seed", 1);
  auto healthy_seeds = opts.get_size("healthy-seeds", opts.quick ? 1 : 4);
  auto healthy_hours = opts.get_size("healthy-hours", 24);
  auto healthy_first = opts.get_size("healthy-first-seed", 1);
  auto verbose = opts.has("verbose");
  auto ts = base_settings(opts);
  std::printf("-- accuracy: %zu traces per group (seeds %zu..%zu), %zu x %zu "
              "h of healthy noise (seeds %zu..%zu)%s%s\n\n",
              traces, first, first + traces - 1, healthy_seeds, healthy_hours,
              healthy_first, healthy_first + healthy_seeds - 1,
              opts.has("without") ? ", healthy noise without " : "",
              opts.get("without", "").c_str());
  std::fflush(stdout);
  remedy::accuracy_report report;
  remedy::classifier_settings cs;
  auto t0 = bench::clock_type::now();
  uint64_t inputs = 0;
  for (auto& g : groups()) {
    for (size_t i = 0; i < traces; ++i) {
      auto seed = first + i;
      auto scenario = g.variants[seed % g.variants.size()];
      auto trace = remedy::generate_fault_trace(scenario, seed, ts);
      inputs += trace.inputs.size();
      auto raised = remedy::run_trace(trace, fresh_detectors(), cs);
      auto r = report.add(trace, raised);
      if (verbose)
        explain(trace, r);
      b.check("the labelled traces");
    }
  }
  auto t1 = bench::clock_type::now();
  for (size_t k = healthy_first; k < healthy_first + healthy_seeds; ++k) {
    remedy::healthy_trace_generator gen{k, ts};
    remedy::detection_run run{fresh_detectors(), cs, gen.now()};
    auto start = gen.now();
    auto chunks = healthy_hours * 6;
    for (size_t c = 0; c < chunks; ++c) {
      auto chunk = gen.next(10min);
      inputs += chunk.inputs.size();
      run.run(chunk);
      b.check("the healthy traces");
    }
    auto name = "healthy#" + std::to_string(k);
    report.add_healthy(name, gen.now() - start, gen.targets().size(),
                       run.raised());
    if (verbose)
      for (auto& f : run.raised())
        std::printf(
          "   false positive %s: %s on %s at +%.1f s\n", name.c_str(),
          remedy::to_string(f.cls), f.target.c_str(),
          std::chrono::duration<double>(f.first_seen - start).count());
  }
  auto t2 = bench::clock_type::now();
  std::printf("%s\n", report.markdown().c_str());
  std::printf("(labelled traces %.1f s, healthy %.1f s of wall time, %llu "
              "inputs)\n\n",
              bench::since_us(t0, t1) / 1e6, bench::since_us(t1, t2) / 1e6,
              static_cast<unsigned long long>(inputs));
  for (auto cls : report.evaluated()) {
    auto& c = report.of(cls);
    auto n = std::string{remedy::to_string(cls)};
    auto f1 = c.f1();
    figure(n + ".f1", f1, "ratio", ">=0.95", f1 >= 0.95 ? "yes" : "no");
    figure(n + ".precision", c.precision(), "ratio", "-", "-");
    figure(n + ".recall", c.recall(), "ratio", "-", "-");
    figure(n + ".latency_median", c.latency_median(), "s", "-", "-");
    figure(n + ".latency_p95", c.latency_p95(), "s", "-", "-");
    if (!c.leads.empty()) {
      auto lead = c.lead_median();
      figure(n + ".lead_median", lead, "s", ">=30", lead >= 30 ? "yes" : "no");
    }
  }
  auto fps = report.healthy_false_positives();
  figure("healthy.false_positives", static_cast<double>(fps), "count", "0",
         fps == 0 ? "yes" : "no");
  figure("healthy.false_positives_per_hour", report.false_positives_per_hour(),
         "1/h", "0", fps == 0 ? "yes" : "no");
  std::printf("\n");
}

// -- cost ---------------------------------------------------------------------

/// The raw side: takes samples and does nothing; answers the batch request.
caf::behavior raw_sink(caf::event_based_actor* self) {
  auto count = std::make_shared<uint64_t>(0);
  (void) self;
  return {
    [count](const remedy::sample&) { ++*count; },
    [count](remedy::detector_stats_atom) {
      remedy::detector_stats s;
      s.samples = *count;
      return s;
    },
  };
}

/// `n` healthy samples of `metric` for 8 targets, 1 ms apart, lognormal
/// around `base`.
std::vector<remedy::sample> healthy_samples(size_t n, const std::string& metric,
                                            double base, double sigma) {
  std::mt19937_64 g{7};
  std::normal_distribution<double> noise{-sigma * sigma / 2, sigma};
  std::vector<remedy::sample> xs;
  xs.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto target = "svc/api-" + std::to_string(i % 8);
    auto at = std::chrono::hours(1000) + std::chrono::milliseconds(i);
    xs.push_back(remedy::sample{target, metric, base * std::exp(noise(g)),
                                caf::timespan{at}});
  }
  return xs;
}

/// Sends every message to `target` in batches, each closed by a stats
/// request; returns the wall time in ns. The messages are made beforehand
/// (a send only wraps one in a mailbox element), so the single sender
/// outpaces the receiver and the time is the receiver's.
double drive(caf::scoped_actor& self, const caf::actor& target,
             const std::vector<caf::message>& xs) {
  constexpr size_t batch = 10000;
  auto t0 = bench::clock_type::now();
  for (size_t i = 0; i < xs.size(); i += batch) {
    auto end = std::min(xs.size(), i + batch);
    for (size_t j = i; j < end; ++j)
      self->send(target, xs[j]);
    self
      ->request(target, std::chrono::seconds(60),
                remedy::detector_stats_atom::value)
      .receive([](const remedy::detector_stats&) {},
               [](caf::error& err) {
                 bench::fail("stats request: " + remedy::render(err));
               });
  }
  auto t1 = bench::clock_type::now();
  return bench::since_us(t0, t1) * 1e3;
}

/// The detector's own work per sample, as a value (no actor, no message).
double value_ns(const std::function<std::unique_ptr<remedy::detector>()>& make,
                const std::vector<remedy::sample>& xs) {
  auto d = make();
  remedy::detections out;
  auto t0 = bench::clock_type::now();
  for (auto& x : xs) {
    d->feed(x, out);
    out.clear();
  }
  auto t1 = bench::clock_type::now();
  return bench::since_us(t0, t1) * 1e3 / static_cast<double>(xs.size());
}

void run_cost(const bench::options& opts, const budget& b) {
  remedy::config cfg;
  bench::configure(cfg, opts);
  caf::actor_system sys{cfg};
  bench::print_header(bench_name, opts, sys);
  auto n = opts.get_size("samples", opts.quick ? 50000 : 200000);
  auto reps = opts.get_size("reps", opts.quick ? 3 : 9);
  std::printf("-- cost: %zu samples per repetition (8 targets), %zu "
              "repetitions per side, alternating, median\n\n",
              n, reps);
  auto settings = remedy::default_detectors();
  struct side {
    const char* name;
    std::vector<remedy::sample> xs;
    std::function<std::unique_ptr<remedy::detector>()> make;
  };
  std::vector<side> sides;
  sides.push_back({"anomaly", healthy_samples(n, "latency_ms", 20.0, 0.2), [&] {
                     // The fixed-rate EWMA detector, for comparison.
                     remedy::anomaly_detector_settings es;
                     es.metrics = {"latency_ms"};
                     auto d = remedy::anomaly_detector::make(es);
                     if (!d)
                       bench::fail(remedy::render(d.error()));
                     return std::move(*d);
                   }});
  sides.push_back(
    {"adaptive", healthy_samples(n, "latency_ms", 20.0, 0.2), [&] {
       // The recommended set's latency detector, on the same samples as
       // the anomaly detector.
       auto d = remedy::adaptive_detector::make(settings.adaptive.front());
       if (!d)
         bench::fail(remedy::render(d.error()));
       return std::move(*d);
     }});
  sides.push_back(
    {"threshold", healthy_samples(n, "oldest_ms", 20.0, 0.2), [&] {
       auto d = remedy::threshold_detector::make(settings.threshold);
       if (!d)
         bench::fail(remedy::render(d.error()));
       return std::move(*d);
     }});
  std::printf("| detector | detector actor (samples/s) | raw CAF actor "
              "(samples/s) | ns/sample detector actor | ns/sample raw | "
              "ratio | ns/sample detector value |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (auto& s : sides) {
    std::vector<caf::message> msgs;
    msgs.reserve(s.xs.size());
    for (auto& x : s.xs)
      msgs.push_back(caf::make_message(x));
    std::vector<double> remedy_ns;
    std::vector<double> raw_ns;
    std::vector<double> core_ns;
    caf::scoped_actor self{sys};
    for (size_t r = 0; r < reps; ++r) {
      for (int k = 0; k < 2; ++k) {
        bool detector_side = (r + static_cast<size_t>(k)) % 2 == 0;
        auto a = detector_side ? remedy::spawn_detector(sys, s.make())
                               : sys.spawn(raw_sink);
        auto ns = drive(self, a, msgs) / static_cast<double>(n);
        (detector_side ? remedy_ns : raw_ns).push_back(ns);
        self->send_exit(a, caf::exit_reason::user_shutdown);
        b.check("the cost measurement");
      }
      core_ns.push_back(value_ns(s.make, s.xs));
    }
    auto rm = bench::median(remedy_ns);
    auto cm = bench::median(raw_ns);
    auto vm = bench::median(core_ns);
    std::printf("| %s | %.0f | %.0f | %.0f | %.0f | %.2f | %.0f |\n", s.name,
                1e9 / rm, 1e9 / cm, rm, cm, rm / cm, vm);
    std::fflush(stdout);
    char more[128];
    std::snprintf(more, sizeof(more), "n=%zu samples_per_s=%.0f value_ns=%.0f",
                  n, 1e9 / rm, vm);
    bench::result(bench_name, std::string{"cost."} + s.name, rm, cm,
                  "ns/sample", 0, more);
  }
  std::printf("\n");
}

// -- sensitivity --------------------------------------------------------------

/// One swept fault magnitude.
struct sweep {
  fault_scenario scenario;
  fault_class cls;
  /// The table's level column, e.g. "latency factor".
  const char* what;
  std::vector<double> levels;
  /// Fixes the magnitude to `level` (min = max).
  std::function<void(remedy::trace_settings&, double)> apply;
  /// The level as printed in the table, and as a RESULT name token
  /// (no dots).
  std::function<std::string(double)> label;
  std::function<std::string(double)> token;
};

std::string fmt(const char* format, double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, x);
  return buf;
}

/// `x` without dots, for RESULT names: 1.25 -> "1_25".
std::string dotless(const char* format, double x) {
  auto s = fmt(format, x);
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

/// The values of `metric` of `target` in [trace.begin, until).
std::vector<double> series_of(const remedy::fault_trace& trace,
                              const std::string& target, const char* metric,
                              caf::timespan until) {
  std::vector<double> xs;
  for (auto& in : trace.inputs) {
    auto* x = std::get_if<remedy::sample>(&in);
    if (x == nullptr || x->at >= until)
      continue;
    if (x->target == target && x->metric == metric)
      xs.push_back(x->value);
  }
  return xs;
}

double mean_of(const std::vector<double>& xs) {
  double sum = 0.0;
  for (auto x : xs)
    sum += x;
  return xs.empty() ? std::nan("") : sum / static_cast<double>(xs.size());
}

double sd_of(const std::vector<double>& xs) {
  if (xs.size() < 2)
    return std::nan("");
  auto m = mean_of(xs);
  double sum = 0.0;
  for (auto x : xs)
    sum += (x - m) * (x - m);
  return std::sqrt(sum / static_cast<double>(xs.size() - 1));
}

/// "median [p5, p95]" of per-trace figures.
std::string spread(const std::vector<double>& xs, const char* format) {
  return fmt(format, remedy::percentile(xs, 50)) + " ["
         + fmt(format, remedy::percentile(xs, 5)) + ", "
         + fmt(format, remedy::percentile(xs, 95)) + "]";
}

/// The victim's healthy signal before the fault, per trace of one level
/// (the same at every level: the seeds are, and the signal before a fault
/// does not depend on its size).
struct baseline {
  std::vector<double> mean;
  std::vector<double> sd;
  std::vector<double> cv;
  std::vector<double> range;
  std::vector<double> calls;

  void add(const remedy::fault_trace& trace, fault_scenario scenario) {
    if (trace.labels.empty())
      return;
    auto& l = trace.labels.front();
    auto& who = l.target;
    auto put = [&](const std::vector<double>& xs) {
      auto m = mean_of(xs);
      auto d = sd_of(xs);
      mean.push_back(m);
      sd.push_back(d);
      cv.push_back(d / m);
      auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
      range.push_back(xs.empty() ? std::nan("") : *hi - *lo);
    };
    switch (scenario) {
      case fault_scenario::slow:
        put(series_of(trace, who, "latency_ms", l.start));
        break;
      case fault_scenario::error_spike:
        put(series_of(trace, who, "error_rate", l.start));
        calls.push_back(mean_of(series_of(trace, who, "calls", l.start)));
        break;
      case fault_scenario::memory_leak:
        put(series_of(trace, who, "memory_mb", l.start));
        break;
      default:
        break;
    }
  }
};

void print_baseline(const sweep& sw, const baseline& b) {
  auto d = remedy::default_detectors();
  auto secs = [](caf::timespan t) {
    return std::chrono::duration<double>(t).count();
  };
  auto adaptive = [&](const std::string& metric) {
    for (auto& a : d.adaptive)
      for (auto& m : a.metrics)
        if (m == metric)
          return a;
    bench::fail("no adaptive detector watches " + metric);
  };
  switch (sw.scenario) {
    case fault_scenario::slow:
      std::printf(
        "healthy latency_ms of the slowed route before the fault, per trace, "
        "median [p5, p95] over traces: mean %s ms, sd %s ms, sd/mean %s\n",
        spread(b.mean, "%.1f").c_str(), spread(b.sd, "%.2f").c_str(),
        spread(b.cv, "%.3f").c_str());
      {
        auto a = adaptive("latency_ms");
        std::printf(
          "raises: %s (half-life %.0f s) above its level by z >= %.1f, the "
          "deviation at least the long-term spread and %.0f %% of the mean\n",
          a.name.c_str(), secs(a.half_life), a.z_threshold,
          100.0 * a.relative_floor);
      }
      break;
    case fault_scenario::error_spike:
      std::printf(
        "healthy error_rate of the failing route before the fault, per trace, "
        "median [p5, p95] over traces: mean %s, sd %s (binomial noise over "
        "%s calls a second)\n",
        spread(b.mean, "%.4f").c_str(), spread(b.sd, "%.4f").c_str(),
        spread(b.calls, "%.0f").c_str());
      for (auto& r : d.threshold.rules)
        if (r.metric == "error_rate")
          std::printf(
            "raises: threshold %s at error_rate >= %.2f for %.0f s; %s "
            "(half-life %.0f s) at error_rate >= level + %.1f x max(spread, "
            "%.2f), i.e. at least %.3f above normal\n",
            r.threshold.name.c_str(), r.threshold.limit,
            secs(r.threshold.for_duration), adaptive("error_rate").name.c_str(),
            secs(adaptive("error_rate").half_life),
            adaptive("error_rate").z_threshold,
            adaptive("error_rate").min_deviation,
            adaptive("error_rate").z_threshold
              * adaptive("error_rate").min_deviation);
      break;
    case fault_scenario::memory_leak: {
      auto& t = d.trend;
      std::printf(
        "healthy memory_mb of the leaking target before the leak, per trace, "
        "median [p5, p95] over traces: mean %s MB, range (sawtooth + noise) "
        "%s MB; limit %.0f MB\n",
        spread(b.mean, "%.0f").c_str(), spread(b.range, "%.0f").c_str(),
        remedy::trace_settings{}.memory_limit_mb);
      std::printf(
        "raises: trend (least squares over %.0f s, history >= %.0f s) on %zu "
        "forecasts in a row that reach the limit within %.0f s\n",
        std::chrono::duration<double>(t.window).count(),
        std::chrono::duration<double>(t.min_history).count(),
        static_cast<size_t>(t.raise_after),
        std::chrono::duration<double>(t.horizon).count());
      break;
    }
    default:
      break;
  }
}

std::vector<sweep> sweeps() {
  using namespace std::chrono;
  return {
    {fault_scenario::slow,
     fault_class::slow,
     "latency factor",
     {1.25, 1.5, 2.0, 2.5, 3.0, 4.0},
     [](remedy::trace_settings& s, double x) {
       s.slow_factor_min = s.slow_factor_max = x;
     },
     [](double x) { return fmt("x%g", x); },
     [](double x) { return "factor" + dotless("%g", x); }},
    {fault_scenario::error_spike,
     fault_class::error_spike,
     "error rate",
     {0.05, 0.1, 0.15, 0.2, 0.3, 0.5},
     [](remedy::trace_settings& s, double x) {
       s.error_rate_min = s.error_rate_max = x;
     },
     [](double x) { return fmt("%g", x); },
     [](double x) { return "rate" + dotless("%g", x); }},
    {fault_scenario::memory_leak,
     fault_class::resource_exhaustion_predicted,
     "minutes to the limit",
     {2, 5, 10, 20, 40, 60, 120},
     [](remedy::trace_settings& s, double x) {
       auto d = duration_cast<caf::timespan>(duration<double>(x * 60.0));
       s.leak_duration_min = s.leak_duration_max = d;
     },
     [](double x) { return fmt("%g min", x); },
     [](double x) { return "leak" + dotless("%g", x) + "min"; }},
  };
}

/// "-" for NaN.
std::string num(double x, const char* format) {
  return std::isnan(x) ? std::string{"-"} : fmt(format, x);
}

void run_sensitivity(const bench::options& opts, const budget& b) {
  auto traces = opts.get_size("sensitivity-traces", opts.quick ? 20 : 100);
  auto first = opts.get_size("sensitivity-first-seed", 1);
  auto verbose = opts.has("verbose");
  std::printf("-- sensitivity: %zu traces per level (seeds %zu..%zu, the same "
              "at every level), recommended detector set\n\n",
              traces, first, first + traces - 1);
  std::fflush(stdout);
  remedy::classifier_settings cs;
  for (auto& sw : sweeps()) {
    auto t0 = bench::clock_type::now();
    uint64_t inputs = 0;
    auto cls_name = std::string{remedy::to_string(sw.cls)};
    std::printf("### %s (%s traces) over the %s\n\n", cls_name.c_str(),
                remedy::to_string(sw.scenario), sw.what);
    struct row {
      double level;
      remedy::class_accuracy acc;
      size_t others = 0;
    };
    std::vector<row> rows;
    baseline base;
    for (auto level : sw.levels) {
      auto ts = base_settings(opts);
      sw.apply(ts, level);
      if (auto err = ts.validate())
        bench::fail("trace settings: " + remedy::render(err));
      remedy::accuracy_report report;
      for (size_t i = 0; i < traces; ++i) {
        auto trace = remedy::generate_fault_trace(sw.scenario, first + i, ts);
        inputs += trace.inputs.size();
        if (rows.empty())
          base.add(trace, sw.scenario);
        auto r = report.add(trace,
                            remedy::run_trace(trace, fresh_detectors(), cs));
        if (verbose)
          explain(trace, r, " (" + sw.label(level) + ")");
        b.check("the sensitivity sweep");
      }
      row r{level, report.of(sw.cls), 0};
      for (auto& fp : report.false_positives())
        if (fp.fault.cls != sw.cls)
          ++r.others;
      rows.push_back(std::move(r));
    }
    print_baseline(sw, base);
    auto leads = sw.cls == fault_class::resource_exhaustion_predicted;
    // Precision of a level where nothing was raised is undefined: "-" here,
    // NaN in its RESULT line (class_accuracy calls it 1).
    auto precision = [](const remedy::class_accuracy& c) {
      return c.true_positives + c.false_positives == 0 ? std::nan("")
                                                       : c.precision();
    };
    std::printf("\n| %s | labels | TP | FP | FN | repeats | recall | "
                "precision | F1 | latency median (s) |%s other |\n",
                sw.what, leads ? " lead median (s) | lead p5 (s) |" : "");
    std::printf("|---|---|---|---|---|---|---|---|---|---|%s---|\n",
                leads ? "---|---|" : "");
    for (auto& r : rows) {
      auto& c = r.acc;
      std::string lead_cells;
      if (leads)
        lead_cells = " " + num(c.lead_median(), "%.1f") + " | "
                     + num(remedy::percentile(c.leads, 5), "%.1f") + " |";
      std::printf("| %s | %zu | %zu | %zu | %zu | %zu | %.3f | %s | %.3f | %s "
                  "|%s %zu |\n",
                  sw.label(r.level).c_str(), c.labels, c.true_positives,
                  c.false_positives, c.false_negatives, c.repeats, c.recall(),
                  num(precision(c), "%.3f").c_str(), c.f1(),
                  num(c.latency_median(), "%.2f").c_str(), lead_cells.c_str(),
                  r.others);
    }
    auto t1 = bench::clock_type::now();
    std::printf("\n(%.1f s of wall time, %llu inputs. repeats: later raises "
                "matching an already detected label, e.g. a prediction that "
                "cleared and was raised again; precision: - when nothing was "
                "raised; other: faults of other classes raised in these "
                "traces)\n\n",
                bench::since_us(t0, t1) / 1e6,
                static_cast<unsigned long long>(inputs));
    std::fflush(stdout);
    for (auto& r : rows) {
      auto& c = r.acc;
      auto n = "sensitivity." + cls_name + "." + sw.token(r.level) + ".";
      auto more = "level=" + fmt("%g", r.level)
                  + " traces=" + std::to_string(traces);
      value(n + "recall", c.recall(), "ratio", more);
      value(n + "precision", precision(c), "ratio", more);
      value(n + "f1", c.f1(), "ratio", more);
      value(n + "latency_median", c.latency_median(), "s", more);
      if (leads) {
        value(n + "lead_median", c.lead_median(), "s", more);
        value(n + "lead_p5", remedy::percentile(c.leads, 5), "s", more);
      }
    }
    std::printf("\n");
  }
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--traces=N] [--first-seed=S] [--healthy-seeds=K] [--healthy-hours=H]\n"
    "          [--healthy-first-seed=S]\n"
    "          [--samples=N] [--reps=R] [--sensitivity-traces=N]\n"
    "          [--sensitivity-first-seed=S] [--max-seconds=T]\n"
    "          [--part-max-seconds=T] [--verbose] [--no-accuracy] [--no-cost]\n"
    "          [--no-sensitivity] [--sensitivity-only] [--without=F,...]\n"
    "  --traces=N         labelled traces per group (default 200, quick 20)\n"
    "  --first-seed=S     their seeds are S..S+N-1 (default 1)\n"
    "  --healthy-seeds=K  healthy traces (default 4, quick 1) ...\n"
    "  --healthy-first-seed=S  ... with seeds S..S+K-1 (default 1)\n"
    "  --healthy-hours=H  hours per healthy trace (default 24)\n"
    "  --samples=N        samples per cost repetition (default 200000,\n"
    "                     quick 50000)\n"
    "  --reps=R           cost repetitions per side (default 9, quick 3)\n"
    "  --sensitivity-traces=N  traces per sweep level (default 100,\n"
    "                     quick 20) ...\n"
    "  --sensitivity-first-seed=S  ... with seeds S..S+N-1 (default 1)\n"
    "  --max-seconds=T    wall-clock budget of the run, then abort (default\n"
    "                     900)\n"
    "  --part-max-seconds=T  wall-clock budget of each part (accuracy,\n"
    "                     cost, sensitivity), then abort (default 300)\n"
    "  --verbose          list every miss and false positive\n"
    "  --no-accuracy, --no-cost, --no-sensitivity   skip a part\n"
    "  --sensitivity-only  run only the sensitivity sweep\n"
    "  --without=F,...    turn off healthy-noise features learned from NAB\n"
    "                     (idle, weekend, shifts, gaps; trace_settings)\n");
  auto start = bench::clock_type::now();
  auto deadline = start
                  + std::chrono::seconds(opts.get_size("max-seconds", 900));
  auto part_seconds
    = std::chrono::seconds(opts.get_size("part-max-seconds", 300));
  // Each part gets its own budget, within the whole run's.
  auto part = [&] {
    return budget{std::min(deadline, bench::clock_type::now() + part_seconds)};
  };
  auto only = opts.has("sensitivity-only");
  auto accuracy = !only && !opts.has("no-accuracy");
  auto cost = !only && !opts.has("no-cost");
  auto sensitivity = only || !opts.has("no-sensitivity");
  if (accuracy || sensitivity)
    std::printf("== %s  (%s)  mode=%s  loadavg=%s\n\n", bench_name,
                bench::today().c_str(), opts.quick ? "quick" : "full",
                bench::loadavg().c_str());
  if (accuracy)
    run_accuracy(opts, part());
  if (cost)
    run_cost(opts, part());
  if (sensitivity)
    run_sensitivity(opts, part());
  std::printf("(whole run %.1f s of wall time)\n",
              bench::since_us(start, bench::clock_type::now()) / 1e6);
  return 0;
}
