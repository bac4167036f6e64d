#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// What the metrics actor (`spawn_metrics`) watches and how it judges
/// health. Every field has a usable default.
struct metrics_settings {
  /// Names the actor in logs and errors.
  std::string name = "metrics";
  /// The root supervisor of the node's tree (optional). With one, the
  /// health answer includes the tree (`which_children`, recursively) and the
  /// node is unhealthy while the root is down or does not answer.
  caf::actor root;
  /// The root's name in the health answer's tree.
  std::string root_name = "root";
  /// How long a health answer may wait for the whole tree, every level
  /// included; a subtree that does not answer in time is reported with an
  /// error, and a silent root makes the node unhealthy.
  caf::timespan tree_timeout = std::chrono::seconds(1);
  /// How deep the tree query descends (the root's children are depth 1).
  size_t max_depth = 16;
  /// Upper bounds, in seconds, of the request latency histogram's buckets
  /// (finite, strictly increasing; +Inf is implied).
  std::vector<double> latency_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                         0.025,  0.05,  0.1,    0.25,  0.5,
                                         1.0,    2.5,   5.0,    10.0};
  /// Whether an open fault of class `resource_exhaustion_predicted` (a
  /// forecast, not a failure) makes the node unhealthy. It is listed in
  /// `open_faults` either way.
  bool predicted_faults_unhealthy = false;

  /// Returns an error naming the bad field, or none.
  caf::error validate() const;
};

} // namespace remedy
