#pragma once

#include <string>

#include "remedy/classification/classifier.hpp"
#include "remedy/detection/detector_set.hpp"
#include "remedy/classification/health_view.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

namespace remedy {

/// What `detection_tree` runs.
struct detection_tree_settings {
  detector_set_settings detectors = default_detectors();
  classifier_settings classifier;
  health_view_settings health;
};

/// A one_for_one subtree `name` that runs Remedy's whole detection
/// pipeline, started in this order: the health view ("health"), the
/// classifier ("classifier"), then the detectors ("heartbeat", "threshold",
/// "anomaly", "trend", "crash_loop"), so that nothing a detector publishes
/// finds its listeners missing. Put it first in your tree:
///
///     supervisor_builder("app", strategy::one_for_one)
///       .supervisor(detection_tree("detection"))
///       .worker("svc", start(service))
///
/// The health view is then at `tree->endpoint("detection/health")`. Invalid
/// settings fail the tree's `spawn` with the error naming
/// the detector and field (wrapped in `start_failed`).
supervisor_builder detection_tree(std::string name,
                                  detection_tree_settings settings = {});

} // namespace remedy
