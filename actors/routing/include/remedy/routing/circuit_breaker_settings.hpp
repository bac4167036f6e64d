#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/routing/sliding_window.hpp"

namespace remedy {

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
  /// Count-based (last N calls) or time-based (last N seconds).
  window_kind window = window_kind::count_based;
  /// N, in calls or seconds.
  uint32_t window_size = 100;
  /// The rates count only once the window holds this many calls.
  uint32_t minimum_calls = 100;

  // -- open -------------------------------------------------------------
  /// How long the breaker stays open the first time.
  caf::timespan open_duration = std::chrono::seconds(60);
  /// Each failed probe round multiplies the open duration by this (>= 1).
  double open_growth = 1.0;
  /// The open duration never exceeds this.
  caf::timespan max_open_duration = std::chrono::seconds(60);
  /// Adds up to this share (0 to 1) of random time to each open duration.
  double open_jitter = 0.0;

  // -- half-open --------------------------------------------------------
  /// Probe calls admitted in half-open; the rest fail fast.
  uint32_t half_open_probes = 10;
  /// If the probes have not all completed by then, the breaker opens again,
  /// so it never sticks in half-open.
  caf::timespan half_open_max_duration = std::chrono::seconds(60);

  /// Returns an error naming the breaker and the bad field, or none.
  caf::error validate() const;
};

} // namespace remedy
