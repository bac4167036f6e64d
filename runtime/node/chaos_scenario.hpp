#pragma once

// remedy-node's default run: the closed-loop chaos scenario. The same
// seeded load and fault schedule run twice, without Remedy (plain CAF
// workers behind an actor_pool) and with it (supervision, routes, the
// fault-aware scheduler, detection, classification and verified healing),
// and a side-by-side report says what each achieved. See
// docs/chaos-scenario.md.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/value.hpp>
#include <caf/timespan.hpp>

namespace remedy::node {

struct scenario_options {
  /// Both runs together (each gets half).
  caf::timespan duration = std::chrono::seconds(60);
  /// Seeds the fault schedule, the targets, the client's values and every
  /// seeded part of Remedy (default 1, so documented numbers reproduce).
  uint64_t seed = 1;
  size_t workers = 8;
  /// The client's offered load, requests per second (both runs).
  double load_rps = 500;
  /// Print only the goals and the verdict.
  bool quiet = false;
  /// Where to write the report: *.json as JSON, *.html as the HTML page.
  std::vector<std::string> reports;
  /// CAF's scheduler.max-threads in each run.
  size_t threads = 2;
  /// CPU work per request (calibrated once, the same in both runs).
  caf::timespan work = std::chrono::microseconds(250);
  /// Paired fault-free rounds after the two runs that measure Remedy's
  /// overhead (see chaos_overhead.hpp); 0 measures it in the runs' warm-up
  /// windows only, one window per run, which is too noisy for the goal.
  size_t overhead_rounds = 4;
  /// The length of each of a round's two runs.
  caf::timespan overhead_round_length = std::chrono::seconds(3);
};

/// Exit codes.
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 64;

/// Runs the scenario, prints the report and writes the requested files.
/// Returns 0 when the run completed (whether or not the goals were met:
/// the report says so), 1 on a runtime failure (a run could not be set up,
/// a report file could not be written), 128 + the signal's number when
/// SIGINT or SIGTERM cut it short (the partial report is still printed and
/// written).
int run_chaos_scenario(const scenario_options& opts);

/// Writes `report` to `path`: HTML if the name ends in ".html", else JSON.
/// Returns an empty string or what went wrong.
std::string write_report(const boost::json::value& report,
                         const std::string& path);

} // namespace remedy::node
