#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/routing/sliding_window.hpp"

namespace remedy {

/// What a custom open duration is computed from (see
/// `circuit_breaker_settings::open_duration_fn`): Resilience4j's
/// `waitIntervalFunctionInOpenState` gets the attempt, Polly's
/// `BreakDurationGenerator` the failure count, rate and half-open attempts.
struct breaker_open_context {
  /// Failed probe rounds since the breaker was last closed: 0 when it trips
  /// from closed, 1 after the first failed half-open round, ...
  uint32_t round = 0;
  /// The calls and failures that tripped it (the window when it trips from
  /// closed, the probes when a probe round failed; 0 for an operator's
  /// `transition_to_open`).
  uint64_t calls = 0;
  uint64_t failures = 0;
  /// `failures / calls`, 0 without calls.
  double failure_rate = 0.0;
};

/// A circuit breaker's rules. Defaults are Resilience4j's where it has one:
/// failure rate 50 %, slow-call rate 100 % of calls slower than 60 s, a
/// count-based window of 100 calls with at least 100 calls before the rates
/// count, 60 s open, 10 probes in half-open.
struct circuit_breaker_settings {
  /// Names the breaker in events and logs.
  std::string name = "breaker";

  // -- trip rules -------------------------------------------------------
  /// Open after this many failures in a row (0: rule off).
  uint32_t consecutive_failures = 0;
  /// Open when failures / calls in the window reaches this (0, 1].
  double failure_rate_threshold = 0.5;
  /// Open when slow calls / calls in the window reaches this (0, 1].
  double slow_call_rate_threshold = 1.0;
  /// A call that took at least this long is slow.
  caf::timespan slow_call_duration = std::chrono::seconds(60);
  /// Count-based (last N calls) or time-based (last N buckets of time).
  window_kind window = window_kind::count_based;
  /// N, in calls (count-based) or buckets of `bucket_duration` (time-based).
  uint32_t window_size = 100;
  /// The length of one bucket of a time-based window: the window covers
  /// `window_size * bucket_duration`. Positive; 1 s by default, so that
  /// `window_size` counts seconds as before; e.g. 100 ms with a window_size of
  /// 2 samples the last 200 ms.
  caf::timespan bucket_duration = std::chrono::seconds(1);
  /// The rates count only once the window holds this many calls.
  uint32_t minimum_calls = 100;

  // -- open -------------------------------------------------------------
  /// How long the breaker stays open the first time (and every time, unless
  /// `open_growth` is above 1): one setting for a constant open duration.
  caf::timespan open_duration = std::chrono::seconds(60);
  /// Each failed probe round multiplies the open duration by this (>= 1).
  double open_growth = 1.0;
  /// The open duration never exceeds this. 0 (the default): the larger of
  /// `open_duration` and 60 s. Otherwise at least `open_duration`.
  caf::timespan max_open_duration{0};
  /// Adds up to this share (0 to 1) of random time to each open duration.
  double open_jitter = 0.0;
  /// If set, computes each open duration instead of `open_duration`,
  /// `open_growth`, `max_open_duration` and `open_jitter` (Resilience4j's
  /// `waitIntervalFunctionInOpenState`, Polly's `BreakDurationGenerator`).
  /// A result below 1 ns counts as 1 ns.
  std::function<caf::timespan(const breaker_open_context&)> open_duration_fn;

  // -- half-open --------------------------------------------------------
  /// Probe calls admitted in half-open; the rest fail fast.
  uint32_t half_open_probes = 10;
  /// If the probes have not all completed by then, the breaker opens again,
  /// so it never sticks in half-open.
  caf::timespan half_open_max_duration = std::chrono::seconds(60);

  /// Returns an error naming the breaker and the bad field, or none.
  caf::error validate() const;

  /// The cap of the open duration: `max_open_duration`, or when it is 0 the
  /// larger of `open_duration` and 60 s.
  caf::timespan effective_max_open_duration() const {
    if (max_open_duration.count() != 0)
      return max_open_duration;
    return open_duration > std::chrono::seconds(60)
             ? open_duration
             : caf::timespan{std::chrono::seconds(60)};
  }
};

} // namespace remedy
