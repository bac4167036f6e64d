#pragma once

// remedy-node's supervision demo: what it prints. The tree as it runs, and
// after the run the report (requests, crashes and restarts, recovery,
// detection, endpoints, shutdown) and the checks with the verdict.

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/timespan.hpp>

#include "demo_analysis.hpp"
#include "demo_chaos.hpp"
#include "demo_load.hpp"
#include "demo_scenario.hpp"
#include "demo_service.hpp"
#include "remedy/supervision/endpoint_stats.hpp"

namespace remedy::node {

struct endpoint_row {
  std::string name;
  caf::actor endpoint;
  endpoint_stats stats;
  bool ok = false;
};

/// How the run went, as the main thread saw it.
struct run_outcome {
  bool client_done = false;
  bool root_died_early = false;
  caf::error root_early_reason;
  std::vector<std::string> not_running_before_stop;
  bool children_listed = false;
  steady::time_point stop_at = steady::time_point::max();
  bool root_stopped = false;
  caf::error root_exit_reason;
  caf::timespan root_stop_time{0};
  bool events_flushed = false;
  bool helpers_stopped = false;
  size_t running_left = 0;
  bool registry_clean = false;
};

/// Everything the report reads.
struct report_input {
  /// Print only the checks and the verdict.
  bool quiet;
  /// Read under its mutex.
  event_log& events;
  const crash_ledger& ledger;
  const client_report& client;
  const chaos_report& chaos;
  size_t planned_crashes;
  const std::vector<target>& client_targets;
  const std::vector<endpoint_row>& endpoints;
  const run_outcome& outcome;
};

/// Prints the service's tree as its supervisors report it (which_children).
void describe_tree(caf::scoped_actor& self, const scenario& sc,
                   std::ostream& os);

/// Prints the report (unless quiet), then the checks and the verdict, to
/// stdout. Returns 0 if every check held, 1 otherwise.
int print_report(const report_input& in);

} // namespace remedy::node
