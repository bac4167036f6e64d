#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/scheduling/task.hpp"

namespace remedy {

/// How a scheduler picks a worker among the eligible ones.
enum class placement_policy : uint8_t {
  /// Power of two choices: two eligible workers at random, the one with
  /// the lower cost (outstanding work + 1) x peak-EWMA latency x the
  /// suspicion penalty (Finagle's P2C with peak EWMA).
  least_loaded,
  /// Each eligible worker in turn.
  round_robin,
  /// Any eligible worker, uniformly.
  random,
};

const char* to_string(placement_policy x);

/// The rules of a scheduler. Durations are on CAF's clock (virtual time
/// under the test coordinator).
struct scheduler_settings {
  std::string name = "scheduler";
  placement_policy policy = placement_policy::least_loaded;
  /// Tasks one worker holds at most (its concurrency limit; a throttle
  /// lowers it per worker).
  uint32_t max_per_worker = 64;

  // -- tasks ------------------------------------------------------------------
  caf::timespan default_deadline = std::chrono::seconds{30};
  uint32_t default_attempts = 3;
  /// A worker that has not answered an attempt within this time loses it:
  /// the attempt fails and the task goes to another worker (at-least-once).
  caf::timespan attempt_timeout = std::chrono::seconds{5};
  /// Whether an error reply from a worker fails the attempt (and the task
  /// is retried within its attempts) or is the task's answer.
  bool retry_errors = true;

  // -- backpressure -----------------------------------------------------------
  /// Tasks waiting for a worker, per priority.
  uint32_t queue_capacity = 1000;
  /// Tasks waiting in all queues together; past it, a new task sheds the
  /// newest waiting task of a lower priority, or is rejected.
  uint32_t max_queued = 2000;

  // -- latency model ----------------------------------------------------------
  /// Decay time of a worker's peak EWMA latency: a slow answer raises it at
  /// once, faster ones pull it down at this pace, and it decays towards
  /// zero while the worker gets no work, so a shunned worker is tried again.
  caf::timespan latency_decay = std::chrono::seconds{10};
  /// Cost factor of a worker the health view calls suspect.
  double suspect_penalty = 4.0;

  // -- outlier ejection -------------------------------------------------------
  /// Failed attempts in a row that eject a worker (0: never).
  uint32_t eject_consecutive_failures = 5;
  /// A worker whose peak-EWMA latency exceeds this multiple of its peers'
  /// median (with at least `eject_min_requests` answers) is ejected (0:
  /// never).
  double eject_latency_factor = 0.0;
  uint32_t eject_min_requests = 20;
  /// First ejection's length; the n-th lasts n times this, at most
  /// `max_ejection`. After it the worker gets one probe task at a time
  /// until one succeeds.
  caf::timespan base_ejection = std::chrono::seconds{1};
  caf::timespan max_ejection = std::chrono::seconds{60};
  /// Share of the workers that may be ejected at once.
  double max_ejection_share = 0.5;

  // -- hedging ----------------------------------------------------------------
  /// Share of submitted tasks that may get a hedge (0: no hedging).
  double hedge_budget = 0.0;
  /// An idempotent task still unanswered after this quantile of recent
  /// answer latencies gets a second copy on another worker ...
  double hedge_quantile = 0.95;
  /// ... but never sooner than this (and not before `hedge_min_samples`
  /// answers were seen).
  caf::timespan hedge_min_delay = std::chrono::milliseconds{1};
  uint32_t hedge_min_samples = 50;

  /// How often timers (deadlines, attempt timeouts, hedges, ejection ends)
  /// are checked while any is pending.
  caf::timespan tick_interval = std::chrono::milliseconds{10};
  /// Every `metrics_interval` while a worker has work, the scheduler
  /// publishes samples about it on the bus under the worker's name, the
  /// metrics a route publishes about its target: `calls` (attempts that
  /// ended in the interval), `latency_ms` and `latency_max_ms` (their mean
  /// and longest time from send to answer, error or timeout), `error_rate`
  /// (the share that failed: an error answer, a timeout, the worker gone),
  /// `in_flight` and `oldest_ms` (attempts at the worker now, and the age
  /// of the oldest). The three rate metrics only for an interval with
  /// calls; one interval of zeros after the work stops. So detectors watch
  /// a worker the scheduler sends to directly, without a route in between.
  /// 0 (the default): no samples.
  caf::timespan metrics_interval{0};
  /// Subscribe to the health view's verdicts ("health." on the bus): never
  /// place work on a worker whose target name is faulty or quarantined.
  bool follow_health = true;
  uint64_t seed = 1;

  caf::error validate() const;
};

} // namespace remedy
