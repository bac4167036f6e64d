#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy {

/// A heartbeat in a trace. `incarnation` 0 means the heartbeat carries no
/// sender address (as from a source outside the actor system); any other
/// number stands for one incarnation of the target's actor: the evaluator
/// gives each (target, incarnation) an address of its own, so a detector
/// can tell a hang (silence) from an exit (`trace_down`).
struct trace_heartbeat {
  std::string target;
  uint64_t seq = 0;
  uint64_t incarnation = 0;
  /// Arrival time (heartbeats are timed on arrival).
  caf::timespan at{0};
};

/// The actor of `incarnation` behind `target`'s heartbeats exited: what a
/// detector actor learns from the down message of a heartbeat sender.
struct trace_down {
  std::string target;
  uint64_t incarnation = 0;
  caf::error reason;
  caf::timespan at{0};
};

/// One input of a detector: a sample, a heartbeat, a down notice or a
/// supervision event.
using trace_input
  = std::variant<sample, trace_heartbeat, trace_down, supervision_event>;

/// When `x` happened (its `at`), in virtual time since the clock's epoch.
caf::timespan time_of(const trace_input& x);

/// An injected fault: the evaluator expects a fault of class `cls` on
/// `target` that starts within [start, end + grace].
struct fault_label {
  fault_class cls = fault_class::crash;
  std::string target;
  /// When the fault began (the first crash, the first stuck call, the start
  /// of a slowdown, of a leak...).
  caf::timespan start{0};
  /// When its signals were back to normal (for a prediction: when the limit
  /// was reached).
  caf::timespan end{0};
  /// For `resource_exhaustion_predicted`: when the limit was actually
  /// reached (the first sample at or past it); the lead time of a
  /// prediction is measured to it.
  std::optional<caf::timespan> reached;
  /// How it was made, for reports (e.g. "hang_silent").
  std::string detail;
};

/// A labelled trace: time-ordered inputs for one or more targets, and the
/// faults injected into them (none for healthy noise).
struct fault_trace {
  /// E.g. "slow#17" (scenario and seed).
  std::string name;
  uint64_t seed = 0;
  /// The trace covers [begin, end) in virtual time.
  caf::timespan begin{0};
  caf::timespan end{0};
  /// Every target the trace has signals of.
  std::vector<std::string> targets;
  /// Sorted by time (stable: inputs at the same time keep their order).
  std::vector<trace_input> inputs;
  std::vector<fault_label> labels;

  caf::timespan duration() const {
    return end - begin;
  }

  /// Sorts `inputs` by time, keeping the order of simultaneous ones.
  void sort();
};

/// How a labelled trace's fault is made. Every scenario runs on a few
/// targets with healthy noise; one target gets the fault. How large a fault
/// is (and so how visible) comes from `trace_settings`; the figures below
/// are its defaults.
enum class fault_scenario : uint8_t {
  /// A child exits abnormally once (supervision `child_exited`, and a down
  /// of its heartbeat sender), is restarted after a backoff and stays up.
  /// Label: crash.
  crash,
  /// A child crashes 5 to 8 times (`crash_loop_crashes_min/max`), each
  /// incarnation running 1 to 8 s (`crash_loop_uptime_min/max`): label
  /// crash_loop.
  crash_loop,
  /// A service behind a route hangs for 20 to 180 s (`hang_min/max`): its
  /// heartbeats stop (no down), its calls go unanswered (`oldest_ms` and
  /// `in_flight` grow, no latency or error samples). Label: hang.
  hang_silent,
  /// A service keeps beating and answering, but one call is stuck for 20
  /// to 180 s (`hang_min/max`): the route's `oldest_ms` grows past the 5 s
  /// deadline. Label: hang.
  hang_stuck_call,
  /// A background worker (no route) stops beating for 20 to 180 s
  /// (`hang_min/max`), no down. Half of the workers send heartbeats without
  /// an address. Label: hang.
  hang_worker,
  /// A route's `latency_ms` rises 4 to 8 times (`slow_factor_min/max`),
  /// ramping up over 0 to 30 s (`slow_ramp_max`), for 1 to 5 minutes
  /// (`degraded_min/max`). Label: slow.
  slow,
  /// A route's `error_rate` rises to 0.3 to 0.9 (`error_rate_min/max`),
  /// ramping up over 0 to 10 s (`error_ramp_max`), for 1 to 5 minutes
  /// (`degraded_min/max`). Label: error_spike.
  error_spike,
  /// `memory_mb` rises linearly (5 to 20 minutes from normal to the limit,
  /// `leak_duration_min/max`) until it crosses the limit, stays past it
  /// for 30 to 120 s (`leak_hold_min/max`), then drops back. Labels:
  /// resource_exhaustion_predicted (from the leak's start to the crossing)
  /// and resource_exhaustion (from the crossing to the drop).
  memory_leak,
};

const char* to_string(fault_scenario x);

/// Every scenario, in declaration order.
std::vector<fault_scenario> all_fault_scenarios();

/// The classes of the labels a scenario's traces carry.
std::vector<fault_class> label_classes(fault_scenario x);

/// The scenarios whose traces carry labels of `x`: empty for `node_down`
/// and `unreachable`, which need a node-level detector that does not exist
/// yet.
std::vector<fault_scenario> scenarios_of(fault_class x);

/// How traces are generated. The defaults model a small deployment: two
/// services behind routes and one background worker, all supervised by
/// "svc", with heartbeats every second and route samples every second.
struct trace_settings {
  /// Targets behind a route: heartbeats (with an address), route samples
  /// and `memory_mb`.
  size_t services = 2;
  /// Targets without a route: heartbeats and `memory_mb`.
  size_t workers = 1;
  /// The supervisor of every target; targets are "<supervisor>/<child>".
  std::string supervisor = "svc";
  /// Healthy signal before a fault starts: at least `warm_up`, plus up to
  /// `warm_up_jitter` at random.
  caf::timespan warm_up = std::chrono::minutes(10);
  caf::timespan warm_up_jitter = std::chrono::minutes(5);
  /// Healthy signal after the fault ended.
  caf::timespan tail = std::chrono::minutes(10);
  /// Heartbeats: the sender's interval; each interval varies by a normal
  /// jitter whose deviation is between `jitter_min` and `jitter_max` of
  /// the interval (per target), and with `pause_probability` a heartbeat
  /// is late by up to `max_pause` more (so gaps reach about 2 intervals).
  caf::timespan heartbeat_interval = std::chrono::seconds(1);
  double jitter_min = 0.05;
  double jitter_max = 0.10;
  double pause_probability = 0.005;
  caf::timespan max_pause = std::chrono::seconds(1);
  /// The share of workers whose heartbeats carry no sender address.
  double sourceless_worker_share = 0.5;
  /// How often a route publishes its samples.
  caf::timespan sample_interval = std::chrono::seconds(1);
  /// Besides `latency_ms`, `error_rate` and `oldest_ms`, also publish
  /// `calls`, `latency_max_ms` and `in_flight` (as a route does; no
  /// detector of the default set reads them).
  bool all_route_metrics = true;
  /// How often `memory_mb` is sampled, and the limit a leak crosses.
  caf::timespan memory_interval = std::chrono::seconds(5);
  double memory_limit_mb = 1024.0;

  // -- healthy noise learned from NAB ------------------------------------------
  //
  // Healthy, not faults: no label is ever made of them. Each size is
  // measured on NAB's 23 real series (realAdExchange, realTraffic,
  // realTweets; labelled windows left out) by bench/nab_noise.cpp, whose
  // output is quoted next to each default (docs/detection.md, "What the
  // healthy noise learned from NAB"). Each draws from random streams of its
  // own (derived from the trace's seed with splitmix64), so the rest of a
  // trace is the same draw for draw whether they are on or off.

  /// Idle-plus-burst routes: each service is one with this chance (a
  /// batch-fed endpoint: a trickle of `idle_calls_min` to `idle_calls_max`
  /// calls a second, and a batch job every `burst_every_min` to
  /// `burst_every_max` for `burst_length_min` to `burst_length_max`, at
  /// `burst_multiple_min` to `burst_multiple_max` times the idle rate). Its
  /// `error_rate` is binomial over a call or two when idle (0, 1/2 or 1; no
  /// latency or error sample in a second without calls), and its latency
  /// rises by `burst_latency_rise` during a burst (queueing). 0 turns them
  /// off. A per-service chance, not a count: with two services the measured
  /// share rounds to 0 or 1 and would vanish or take over.
  /// NAB (bench_nab_noise): 5 of 23 real series (0.22) are idle plus bursts
  /// (60 % of rows in the lowest tenth of the range, the top at least 5x the
  /// median above the minimum).
  double idle_route_share = 0.22;
  /// Not in NAB (its series are not call counts): a trickle that leaves many
  /// seconds empty.
  double idle_calls_min = 0.5;
  double idle_calls_max = 2.0;
  /// NAB: 1.4 % of an idle-plus-burst series' rows are above half its range
  /// (median); 15-60 min apart and 20-60 s long is 1.8 % of the time.
  caf::timespan burst_every_min = std::chrono::minutes(15);
  caf::timespan burst_every_max = std::chrono::minutes(60);
  caf::timespan burst_length_min = std::chrono::seconds(20);
  caf::timespan burst_length_max = std::chrono::seconds(60);
  /// NAB: p99 over the median (above the minimum) of those series, 9.4x to
  /// 75x, 11.1x the median; drawn log-uniformly from 9x to 30x (the 75x of
  /// one series left out of the range's top).
  double burst_multiple_min = 9.0;
  double burst_multiple_max = 30.0;
  /// Not in NAB (no latency there): a batch job queues calls somewhat.
  double burst_latency_rise = 0.2;
  /// Weekly seasonality: on Saturdays and Sundays (days 5 and 6 of every 7
  /// since the clock's epoch) every route's calls are this share of the
  /// weekday's, on top of the daily swing (1 turns it off).
  /// NAB: weekend over weekday mean, median of the 23 real series 0.84
  /// (0.59 to 1.04 interquartile).
  double weekend_traffic = 0.84;
  /// Deploy level shifts: a route's baseline latency moves for good, at
  /// random times (a Poisson process of this many per route and day), by a
  /// relative amount drawn uniformly from [level_shift_min, level_shift_max]
  /// up or down (0 shifts per day turns them off). The baseline stays
  /// within +-`level_shift_max` of where it began, and `level_shift_max` is
  /// at most 0.3: a sustained 2x latency is the `slow` fault class (the
  /// sensitivity sweep starts at x1.25), so a healthy shift stays well
  /// below the smallest slowdown the harness labels.
  /// NAB: 0.205 lasting shifts of 10 % or more per series-day (237 in 1157
  /// days), 0.28 of the level (median; 0.18 to 0.50 interquartile): from
  /// the 25th percentile to the cap.
  double level_shifts_per_day = 0.205;
  double level_shift_min = 0.18;
  double level_shift_max = 0.30;
  /// Gaps: a route's sample publisher (a metrics scraper) goes silent at
  /// random times (a Poisson process of this many per route and day):
  /// no route sample at all, while the target keeps beating and its memory
  /// is still sampled (a lost scraper is not a hang). A gap's length is
  /// lognormal with median `gap_median` and 90th percentile `gap_p90`, at
  /// least `gap_min`. A gap never overlaps a labelled fault on its own
  /// target (the fault's signals are kept). 0 gaps per day turns them off.
  /// NAB: 3.77 gaps (timestamps more than 1.5 median intervals apart) per
  /// series-day (4362 in 1157 days; 13 of 23 series have gaps); 5.0 min
  /// (p10), 10.0 min (median), 71 min (p90) of missing time.
  double gaps_per_day = 3.77;
  caf::timespan gap_min = std::chrono::minutes(5);
  caf::timespan gap_median = std::chrono::minutes(10);
  caf::timespan gap_p90 = std::chrono::minutes(71);

  // -- fault magnitudes -------------------------------------------------------
  //
  // How large (and so how visible) an injected fault is. Each is drawn
  // uniformly per trace from [min, max]; min == max fixes it (the bench's
  // sensitivity sweep does that per level). Apart from the crash loop's
  // number of crashes, the random draws a trace takes do not depend on
  // these: traces of the same scenario and seed differ only in the fault's
  // size when they change.

  /// slow: the factor the victim route's `latency_ms`, `latency_max_ms`,
  /// `oldest_ms` and `in_flight` are multiplied by at the slowdown's peak
  /// (>= 1; 1 is no slowdown at all).
  double slow_factor_min = 4.0;
  double slow_factor_max = 8.0;
  /// slow: the factor ramps up from 1 over [0, slow_ramp_max] after the
  /// start, and down as long before the end.
  caf::timespan slow_ramp_max = std::chrono::seconds(30);
  /// error_spike: the share of failing calls at the spike's peak (in
  /// (0, 1]). It replaces the route's healthy error rate where it is higher
  /// (that rate is 0.002 to 0.02 per target, swinging +-50 % a day and
  /// +-20 % with load), and a sample's rate is binomial over the interval's
  /// calls (20 to 200 a second per target, +-50 % a day and +-20 % with
  /// load), so low levels drown in the noise of quiet routes.
  double error_rate_min = 0.3;
  double error_rate_max = 0.9;
  /// error_spike: the rate ramps up over [0, error_ramp_max], and down as
  /// long before the end.
  caf::timespan error_ramp_max = std::chrono::seconds(10);
  /// slow and error_spike: how long the route is degraded (the label's
  /// window, ramps included).
  caf::timespan degraded_min = std::chrono::minutes(1);
  caf::timespan degraded_max = std::chrono::minutes(5);
  /// hang_silent, hang_stuck_call, hang_worker: how long the service, the
  /// stuck call or the worker hangs. A stuck call shorter than the route's
  /// 5 s deadline, or silence shorter than a few heartbeat intervals, is
  /// invisible by design.
  caf::timespan hang_min = std::chrono::seconds(20);
  caf::timespan hang_max = std::chrono::seconds(180);
  /// memory_leak: how long memory takes from the target's normal peak to
  /// `memory_limit_mb` (the leak's slope: the gap over this time; a slow
  /// leak is a small slope under the same healthy sawtooth).
  caf::timespan leak_duration_min = std::chrono::minutes(5);
  caf::timespan leak_duration_max = std::chrono::minutes(20);
  /// memory_leak: how long memory stays past the limit before it drops
  /// back (the resource_exhaustion label's window).
  caf::timespan leak_hold_min = std::chrono::seconds(30);
  caf::timespan leak_hold_max = std::chrono::seconds(120);
  /// crash_loop: how many times the child crashes (>= 1; the default crash
  /// loop detector wants 5 within 60 s) ...
  size_t crash_loop_crashes_min = 5;
  size_t crash_loop_crashes_max = 8;
  /// ... and how long each restarted incarnation runs before the next
  /// crash (the restart backoff, 0.1 s doubling up to 2 s, comes on top).
  caf::timespan crash_loop_uptime_min = std::chrono::seconds(1);
  caf::timespan crash_loop_uptime_max = std::chrono::seconds(8);

  caf::error validate() const;
};

/// Generates one labelled trace of `scenario`: healthy noise on every
/// target (jittered heartbeats with rare pauses, lognormal latencies,
/// binomial error rates, diurnal and load swings, a memory sawtooth without
/// trend, and the NAB-learned idle-plus-burst routes, weekends, level
/// shifts and gaps of `trace_settings`) and the scenario's fault on one of
/// them. Deterministic: the same
/// scenario, seed and settings give the same trace (std::mt19937_64).
fault_trace generate_fault_trace(fault_scenario scenario, uint64_t seed,
                                 const trace_settings& settings = {});

/// Healthy noise only, in consecutive chunks: each `next` continues every
/// signal where the previous chunk ended, so a long trace (a day) can be
/// evaluated without holding it in memory at once.
class healthy_trace_generator {
public:
  healthy_trace_generator(uint64_t seed, trace_settings settings = {});

  ~healthy_trace_generator();

  healthy_trace_generator(healthy_trace_generator&&) noexcept;
  healthy_trace_generator& operator=(healthy_trace_generator&&) noexcept;

  /// The next `duration` of signal (no labels).
  fault_trace next(caf::timespan duration);

  /// Where the next chunk starts.
  caf::timespan now() const;

  /// The targets it generates signals for.
  const std::vector<std::string>& targets() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// `healthy_trace_generator(seed, settings).next(duration)`.
fault_trace generate_healthy_trace(uint64_t seed, caf::timespan duration,
                                   const trace_settings& settings = {});

} // namespace remedy
