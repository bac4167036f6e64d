#include "remedy/detection/detector_set.hpp"

#include <algorithm>
#include <utility>

#include "remedy/core/error.hpp"

namespace remedy {

caf::error detector_set_settings::validate() const {
  if (auto err = heartbeat.validate())
    return err;
  if (auto err = threshold.validate())
    return err;
  for (auto& a : adaptive)
    if (auto err = a.validate())
      return err;
  if (!anomaly.metrics.empty())
    if (auto err = anomaly.validate())
      return err;
  if (auto err = trend.validate())
    return err;
  return crash_loop.validate();
}

// Why each setting is what it is. Tuned with bench/detection_accuracy on the
// synthetic traces of fault_trace.hpp (seeds 1..100 per scenario group and
// four healthy days, seeds 1..4); the unit test checks the goals on other
// seeds. Every choice below was checked for margin, not just for passing:
// see the notes.
detector_set_settings default_detectors(double memory_limit_mb) {
  using namespace std::chrono_literals;
  detector_set_settings x;
  // Heartbeats: phi accrual with Remedy's defaults (threshold 8, 1 s
  // acceptable pause, 100 ms deviation floor, checked every 100 ms). With
  // heartbeats every second, 5-10 % jitter and pauses of up to one more
  // interval, a target that falls silent is suspected 2.4 s (median) after
  // it hung, while healthy gaps (up to 2.2 s) reach phi 1.6 at most.
  x.heartbeat.name = "heartbeat";
  // Thresholds: the route defaults (a call older than 5 s is a hang; an
  // error rate of 50 % for 3 s is an error burst) plus the memory limit,
  // raised on the first sample at or past it and cleared below 90 % of it
  // for 30 s. No absolute latency rule: there is no latency limit that
  // fits every service; slowness is judged against each target's own
  // normal by the anomaly detector (add an SLO rule per target if needed).
  x.threshold = threshold_detector_settings::route_defaults("threshold");
  // The error burst held 30 s instead of the route default's 3 s. A rule
  // holds the last value between samples, and an idle route (trace_settings
  // idle_route_share, 5 of 23 NAB series) publishes no error rate in a
  // second without calls: one failed call of a trickle (error rate 1.0)
  // followed by 3 quiet seconds was a burst: 347 false error spikes in the
  // 1000 labelled traces and 34 in 96 healthy hours. At 0.42 calls a second
  // or more (the idle minimum on a weekend), 30 quiet seconds come after
  // one failure in 3 of a million (10 s: 1.5 %). Real spikes are the
  // adaptive detector's below, which raises on samples only.
  for (auto& rule : x.threshold.rules)
    if (rule.metric == "error_rate")
      rule.threshold.for_duration = 30s;
  threshold_detector_rule memory;
  memory.metric = "memory_mb";
  memory.threshold.name = "memory_limit";
  memory.threshold.limit = memory_limit_mb;
  memory.threshold.clear_limit = 0.9 * memory_limit_mb;
  memory.threshold.clear_for = 30s;
  memory.kind = detection_kind::threshold;
  x.threshold.rules.push_back(std::move(memory));
  // Anomalies of latency (slow) and error rate (error spike): adaptive
  // detectors by metric kind (adaptive_detector.hpp, the model scored on
  // NAB), at the 1 s interval routes publish at. Tuned on the synthetic
  // traces with the sensitivity sweep; each value sits between two that
  // also passed, so neither side is at the edge:
  // - latency: z 4 held 5 s, anomalies learned at 0.1 of the normal rate.
  //   A single interval is no slowdown (one slow downstream call makes a
  //   2-5x outlier): raising on the first sample gave 724 false slows in
  //   20 traces, 3 s at z 4 one, 5 s none (8 s: none, but x2.5 recall 0.72).
  //   Learning anomalies at 0.1 instead of 0.5 keeps a ramping slowdown from
  //   dragging the level along: x2.5 recall 0.88 -> 0.95, x2 0.51 -> 0.74.
  //   z 5: x2.5 recall 0.63; z 3 with 8 s: 0.93, slower.
  // - error rate: a share, only a rise counts (utilisation); z 3 held 2 s
  //   with a floor of 0.05 (0.15 above normal), before the healthy noise
  //   learned from NAB (see below for today's z 2 held 6 s). The floor is what keeps
  //   quiet routes' binomial noise out (0.03: 9 false spikes in 48 healthy
  //   hours); z 2.5 to 4 and 1 to 3 s had no false positive; z 3 / 2 s
  //   catches 91 % of 0.15 spikes and all of 0.2 (z 4 / 3 s: 4 %, 59 %).
  x.watch(metric_kind::latency, {"latency_ms"});
  x.adaptive.back().z_threshold = 4.0;
  x.adaptive.back().raise_after = 5s;
  x.adaptive.back().anomaly_learning = 0.1;
  // - latency warm-up 8 minutes instead of 144 s (12 h scaled to 1 s):
  //   the spreads start at 0 and have reached 16 % of their variance after
  //   144 s, so z 4 was 1.6 true deviations. On a route with a sample every
  //   second, 5 s held are 5 such samples in a row; an idle route's trickle
  //   leaves seconds without a sample, and 5 s held were 2 or 3 samples:
  //   133 false slows, on idle routes right after the warm-up, in the 1000
  //   labelled traces (with the error bursts below fixed). 8 minutes (44 %
  //   of the variance): 0 in the labelled traces and the 96 + 192 healthy
  //   hours; faults start after 10 minutes.
  x.adaptive.back().warm_up = 8min;
  // - error rate, after the idle-plus-burst routes (trace_settings): held
  //   6 s instead of 2 s, at z 2 instead of 3. Two failed calls of a
  //   trickle within 2 s (1.0, a quiet second, 0.5) were a spike: 40 false
  //   spikes in the labelled traces (the threshold rule's fixed). Held
  //   3 s: 18 (F1 0.957, fresh seeds 0.928 and 3 healthy ones), 4 s: 7
  //   (fresh 0.961, 1 healthy), 5 s: 3 (fresh 0.966), 6 s: 2 (0.987, fresh
  //   0.975, no healthy one), 10 s: 16 spikes on idle routes missed (0.956).
  //   The longer hold alone cost small spikes (0.15: recall 0.91 -> 0.13,
  //   0.2: 1.00 -> 0.84); z 2 wins them back (0.15: 0.84, 0.2: 0.89) with
  //   no false positive: the floor 0.05 still sets the limit (0.1 above
  //   normal). z 1.5, 2.5 and 3 scored the same F1 (2.5: 0.15 recall 0.60).
  //   What is left: spikes on idle routes, whose 0/1 samples break any hold.
  x.watch(metric_kind::utilisation, {"error_rate"});
  x.adaptive.back().name = "adaptive.error_rate";
  x.adaptive.back().z_threshold = 2.0;
  x.adaptive.back().raise_after = 6s;
  x.adaptive.back().min_deviation = 0.05;
  // Memory trend: least squares over 5 minutes instead of 10. A leak that
  // reaches the limit and is then freed (a restart, a cache flush) leaves
  // its rise in a 10-minute window for minutes: the line kept predicting
  // the limit after memory had dropped back (11 % false predictions);
  // 5 minutes had none, still ignore a sawtooth without trend (no false
  // prediction in 96 healthy hours even with a 20-minute horizon), and
  // predict the limit 8 minutes ahead (median).
  x.trend.name = "trend";
  x.trend.limits = {{"memory_mb", memory_limit_mb, threshold_direction::above}};
  x.trend.method = trend_method::regression;
  x.trend.window = 5min;
  // Crash loops: the defaults (5 crashes within 60 s; recovered after 10 s
  // up).
  x.crash_loop.name = "crash_loop";
  return x;
}

detector_set_settings&
detector_set_settings::watch(metric_kind kind, std::vector<std::string> metrics,
                             caf::timespan sample_interval) {
  auto x = adaptive_detector_settings::for_kind(kind, sample_interval);
  for (auto& a : adaptive) {
    if (a.name == x.name && a.half_life == x.half_life) {
      for (auto& m : metrics)
        if (std::find(a.metrics.begin(), a.metrics.end(), m) == a.metrics.end())
          a.metrics.push_back(std::move(m));
      return *this;
    }
  }
  // Another interval of the same kind: a name of its own.
  for (auto& a : adaptive)
    if (a.name == x.name)
      x.name += "." + std::to_string(sample_interval.count() / 1000000) + "ms";
  x.metrics = std::move(metrics);
  adaptive.push_back(std::move(x));
  return *this;
}

caf::expected<detector_set> make_detectors(const detector_set_settings& x) {
  detector_set result;
  auto add = [&](caf::expected<std::unique_ptr<detector>> d) -> caf::error {
    if (!d)
      return std::move(d.error());
    result.push_back(std::move(*d));
    return caf::none;
  };
  if (auto err = add(heartbeat_detector::make(x.heartbeat)))
    return err;
  if (auto err = add(threshold_detector::make(x.threshold)))
    return err;
  for (auto& a : x.adaptive)
    if (auto err = add(adaptive_detector::make(a)))
      return err;
  if (!x.anomaly.metrics.empty())
    if (auto err = add(anomaly_detector::make(x.anomaly)))
      return err;
  if (auto err = add(trend_detector::make(x.trend)))
    return err;
  if (auto err = add(crash_loop_detector::make(x.crash_loop)))
    return err;
  return result;
}

} // namespace remedy
