#pragma once

// remedy-node's chaos scenario: checks a report (the ctest short scenario
// and the unit tests use it). The bookkeeping must agree with itself and
// with the seeded schedule; the goals must be met.

#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace remedy::node {

struct check_options {
  /// Also require every goal to be met.
  bool goals = true;
  /// ... including the overhead (else it must only have been measured).
  bool overhead_goal = true;
};

/// Returns what is wrong with `report` (empty: nothing). Checks, for each
/// run: requests sent = succeeded + failed; healings total = succeeded +
/// failed + abandoned (also per strategy); every injected fault is one of
/// the schedule's (same kind and target, recomputed from the seed) and is
/// accounted for as detected (with a class and a time) or missed;
/// detected + missed = injected; per class, tp + fn = the injected faults
/// of that class; with Remedy, every planned fault was performed; every
/// overhead round asked for completed, each round's ratio is its CPU per
/// request with Remedy over without, and the overhead is their median.
std::vector<std::string> check_report(const boost::json::value& report,
                                      const check_options& opts = {});

} // namespace remedy::node
