#pragma once

// remedy-node's chaos scenario: the report. Scores each run (matching,
// detection, recovery, healing, availability, latency, overhead) into the
// report JSON of docs/chaos-scenario.md, and prints it side by side.

#include <optional>
#include <ostream>

#include <boost/json/value.hpp>

#include "chaos_overhead.hpp"
#include "chaos_run.hpp"
#include "chaos_scenario.hpp"

namespace remedy::node {

/// The report's JSON ("remedy_node_report": 1). A run that did not happen
/// (cut short before it) is null. The overhead is the median of `overhead`'s
/// rounds; without any, the runs' warm-up windows estimate it.
boost::json::value build_report(const scenario_options& opts,
                                const run_shape& shape, uint64_t iterations,
                                const run_result* without_remedy,
                                const run_result* with_remedy, bool partial,
                                const overhead_measurement& overhead = {});

/// One run's JSON object (RUN in the schema).
boost::json::object run_json(const run_result& run,
                             const std::vector<planned_fault>& plan,
                             const run_shape& shape);

/// Prints the report: the side-by-side table (unless `quiet`), then the
/// goals and the verdict.
void print_report(const boost::json::value& report, std::ostream& os,
                  bool quiet);

} // namespace remedy::node
