#pragma once

// remedy-node's chaos scenario: Remedy's overhead, measured apart from the
// chaos runs. One fault-free window per run cannot measure a 5 % effect on
// a shared 2-core machine: the same side measured twice a few seconds apart
// differs by 2-4 %, and seeds of one build moved the single-window estimate
// from -3 % to +11 %. So the overhead is measured in paired rounds: each
// round is one short fault-free run without Remedy and one with it, back
// to back, the order alternating between rounds (ABBA, so that a drift of
// the machine hits both sides alike); the estimate is the median of the
// rounds' ratios. bench_overhead uses the same runs, longer and more.

#include <cstddef>
#include <string>
#include <vector>

#include <caf/timespan.hpp>

#include "chaos_run.hpp"

namespace remedy::node {

/// What runs in front of the workers in a fault-free run.
enum class overhead_side : uint8_t {
  /// A plain CAF actor_pool (the scenario's run without Remedy).
  caf,
  /// Supervision, routes, scheduler, detection and healing (with Remedy).
  remedy,
  /// Two plain CAF relay actors (bench_overhead's context side).
  relays,
};

const char* to_string(overhead_side x);

/// What one fault-free run measured over its measured window.
struct side_sample {
  /// The service's CPU per request: the process's user + system time minus
  /// the client thread's own, divided by the requests sent in the window.
  double cpu_per_request_ms = 0;
  /// Requests sent per second in the window.
  double rps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  size_t requests = 0;
  /// Set when the run failed or measured nothing; the rest is invalid then.
  std::string error;
};

/// The settings of a fault-free run of `length` like `like` (same load,
/// workers, work and seed): no faults; the measured window is from a quarter
/// into the run to half a second before the load stops.
run_settings fault_free(const run_settings& like, caf::timespan length);

/// The requests of a run's measured (warm-up) window.
struct window_requests {
  /// Sent in the window.
  size_t sent = 0;
  /// Latencies of those answered correctly.
  std::vector<double> ok_latencies_ms;
  /// The window's length.
  double span_s = 0;
};

window_requests requests_in_window(const run_result& res);

/// The window measurement of a finished run.
side_sample sample_of(const run_result& res);

/// One fault-free run of side `which`.
side_sample measure_side(run_settings cfg, overhead_side which,
                         live_counters& live);

/// One paired round.
struct overhead_round {
  side_sample without_remedy;
  side_sample with_remedy;
  /// Which side ran first.
  bool remedy_first = false;

  /// CPU per request, with Remedy over without.
  double ratio() const;
};

/// Whether round `index` (from 0) runs the side with Remedy first (ABBA).
bool remedy_first_in(size_t index);

/// The median, minimum and maximum of the rounds' ratios; all 0 for none.
struct overhead_summary {
  double median = 0;
  double min = 0;
  double max = 0;
};

overhead_summary summarize_rounds(const std::vector<overhead_round>& rounds);

/// The scenario's overhead rounds: how many were asked for, and those that
/// completed (a round cut short or failed is left out).
struct overhead_measurement {
  size_t requested = 0;
  caf::timespan round_length{0};
  std::vector<overhead_round> rounds;
};

} // namespace remedy::node
