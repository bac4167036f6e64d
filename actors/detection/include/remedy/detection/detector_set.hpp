#pragma once

#include <memory>
#include <vector>

#include <caf/expected.hpp>

#include "remedy/detection/adaptive_detector.hpp"
#include "remedy/detection/anomaly_detector.hpp"
#include "remedy/detection/crash_loop_detector.hpp"
#include "remedy/detection/detector.hpp"
#include "remedy/detection/heartbeat_detector.hpp"
#include "remedy/detection/threshold_detector.hpp"
#include "remedy/detection/trend_detector.hpp"

namespace remedy {

/// Detectors as values, in the order they are fed.
using detector_set = std::vector<std::unique_ptr<detector>>;

/// The settings of a set of detectors that, with the default classifier,
/// covers every fault class a single node can see (all but `node_down` and
/// `unreachable`).
struct detector_set_settings {
  /// Silence of heartbeat senders: hang, heartbeat_missed, target_down.
  heartbeat_detector_settings heartbeat;
  /// Absolute limits: route hangs (`oldest_ms`), error bursts
  /// (`error_rate`), and resource limits (`memory_mb`).
  threshold_detector_settings threshold;
  /// Deviations from a target's own normal, one adaptive detector per
  /// metric kind: by default `latency_ms` as a latency (slow) and
  /// `error_rate` as a count (error spike). `watch` adds any other metric.
  std::vector<adaptive_detector_settings> adaptive;
  /// The fixed-rate EWMA detector of earlier versions: made only when it
  /// has metrics (none by default).
  anomaly_detector_settings anomaly;
  /// Resource limits ahead: `memory_mb`.
  trend_detector_settings trend;
  /// Crashes and crash loops from supervision events.
  crash_loop_detector_settings crash_loop;

  /// Watches `metrics` (any names) for deviations from their own normal
  /// with the recommended settings for `kind` sampled about every
  /// `sample_interval`: adds to the adaptive detector of that kind and
  /// interval, or adds one. Classify its raises with a rule for the metric
  /// (`classification_rule`), or they are only detections.
  detector_set_settings& watch(metric_kind kind,
                               std::vector<std::string> metrics,
                               caf::timespan sample_interval
                               = std::chrono::seconds{1});

  caf::error validate() const;
};

/// Remedy's recommended detector set, tuned with the accuracy harness
/// (`detection_evaluator.hpp`, bench/detection_accuracy.cpp) on synthetic
/// traces (see detector_set.cpp for why each setting is what it is, and the
/// bench's output for the measured precision, recall and latency).
/// `memory_limit_mb` is the `memory_mb` limit both the threshold and the
/// trend rule watch.
detector_set_settings default_detectors(double memory_limit_mb = 1024.0);

/// Makes the detectors (heartbeat, threshold, anomaly, trend, crash_loop),
/// or the first settings error.
caf::expected<detector_set> make_detectors(const detector_set_settings& x);

} // namespace remedy
