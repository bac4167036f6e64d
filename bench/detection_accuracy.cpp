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
// default anomaly detector, then with the default threshold detector, is
// sent S healthy samples (8 targets) directly from a scoped actor, in
// batches of 10000 each closed by a detector_stats_atom request (which
// bounds the mailbox; the last answer ends the measurement), against a raw
// CAF event-based actor that takes the same samples and does nothing. The
// messages are made beforehand, so the sender outpaces either receiver.
// Repetitions alternate the sides; the median ns per sample counts (ratio >
// 1: the detector's work and its actor's bookkeeping). The detector's own
// work as a value (on_sample in a loop) is printed alongside.
//
// Output: the tables, then
//   RESULT bench=detection_accuracy name=<class>.<figure> remedy=<v> caf=-
//     ratio=- unit=<u> goal=<g> pass=<yes|no|->
//   RESULT bench=detection_accuracy name=cost.<detector> remedy=<ns>
//     caf=<ns> ratio=<r> unit=ns/sample goal=- pass=-
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
#include "remedy/actors/detection_evaluator.hpp"
#include "remedy/actors/detector_actor.hpp"
#include "remedy/actors/detector_set.hpp"
#include "remedy/actors/fault_trace.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/error.hpp"
#include "remedy/runtime/sample.hpp"

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
void explain(const remedy::fault_trace& trace, const remedy::trace_result& r) {
  auto bad = std::any_of(r.labels.begin(), r.labels.end(),
                         [](auto& l) { return !l.detected; })
             || std::any_of(r.faults.begin(), r.faults.end(), [](auto& m) {
                  return m.kind == remedy::match_kind::false_positive;
                });
  if (!bad)
    return;
  std::printf("   %s:\n", trace.name.c_str());
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

void run_accuracy(const bench::options& opts, const budget& b) {
  auto traces = opts.get_size("traces", opts.quick ? 20 : 200);
  auto first = opts.get_size("first-seed", 1);
  auto healthy_seeds = opts.get_size("healthy-seeds", opts.quick ? 1 : 4);
  auto healthy_hours = opts.get_size("healthy-hours", 24);
  auto healthy_first = opts.get_size("healthy-first-seed", 1);
  auto verbose = opts.has("verbose");
  std::printf("-- accuracy: %zu traces per group (seeds %zu..%zu), %zu x %zu "
              "h of healthy noise (seeds %zu..%zu)\n\n",
              traces, first, first + traces - 1, healthy_seeds, healthy_hours,
              healthy_first, healthy_first + healthy_seeds - 1);
  std::fflush(stdout);
  remedy::accuracy_report report;
  remedy::classifier_settings cs;
  auto t0 = bench::clock_type::now();
  uint64_t inputs = 0;
  for (auto& g : groups()) {
    for (size_t i = 0; i < traces; ++i) {
      auto seed = first + i;
      auto scenario = g.variants[seed % g.variants.size()];
      auto trace = remedy::generate_fault_trace(scenario, seed);
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
    remedy::healthy_trace_generator gen{k};
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
    d->on_sample(x, out);
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
                     auto d = remedy::anomaly_detector::make(settings.anomaly);
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

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--traces=N] [--first-seed=S] [--healthy-seeds=K] [--healthy-hours=H]\n"
    "          [--healthy-first-seed=S]\n"
    "          [--samples=N] [--reps=R] [--max-seconds=T] [--verbose]\n"
    "          [--no-accuracy] [--no-cost]\n"
    "  --traces=N         labelled traces per group (default 200, quick 20)\n"
    "  --first-seed=S     their seeds are S..S+N-1 (default 1)\n"
    "  --healthy-seeds=K  healthy traces (default 4, quick 1) ...\n"
    "  --healthy-first-seed=S  ... with seeds S..S+K-1 (default 1)\n"
    "  --healthy-hours=H  hours per healthy trace (default 24)\n"
    "  --samples=N        samples per cost repetition (default 200000,\n"
    "                     quick 50000)\n"
    "  --reps=R           cost repetitions per side (default 9, quick 3)\n"
    "  --max-seconds=T    wall-clock budget, then abort (default 900)\n"
    "  --verbose          list every miss and false positive\n"
    "  --no-accuracy, --no-cost   skip a part\n");
  budget b{bench::clock_type::now()
           + std::chrono::seconds(opts.get_size("max-seconds", 900))};
  if (!opts.has("no-accuracy")) {
    std::printf("== %s  (%s)  mode=%s  loadavg=%s\n\n", bench_name,
                bench::today().c_str(), opts.quick ? "quick" : "full",
                bench::loadavg().c_str());
    run_accuracy(opts, b);
  }
  if (!opts.has("no-cost"))
    run_cost(opts, b);
  return 0;
}
