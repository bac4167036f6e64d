#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "remedy/detection/detector.hpp"
#include "remedy/detection/threshold_rule.hpp"

namespace remedy {

/// One rule of a `threshold_detector`: which samples it reads, its
/// threshold, and what it reports.
struct threshold_detector_rule {
  /// The metric it watches, e.g. "latency_ms".
  std::string metric;
  /// The target it watches; empty: every target (one rule state each).
  std::string target;
  /// Direction, limit, hold time (`for_duration`) and hysteresis.
  threshold_settings threshold;
  /// What a raise is called: `threshold` by default; `hang` for a call-age
  /// rule, `error_burst` for an error-rate rule.
  detection_kind kind = detection_kind::threshold;
};

/// The rules of a `threshold_detector`.
struct threshold_detector_settings {
  std::string name = "threshold";
  std::vector<threshold_detector_rule> rules;
  /// How often hold times are re-evaluated without a new sample
  /// (positive): a condition raises at most this late after its
  /// `for_duration`.
  caf::timespan check_interval = std::chrono::milliseconds(100);

  /// Remedy's rules for what routes publish: a call unanswered for 5 s is
  /// a hang (`oldest_ms` >= 5000), an error rate of 50 % held for 3 s is an
  /// error burst (cleared below 10 % held for 5 s).
  static threshold_detector_settings route_defaults(std::string name
                                                    = "threshold");

  caf::error validate() const;
};

/// Raises when a metric crosses a limit and holds it (see
/// `threshold_rule`), per rule and target; clears with hysteresis.
class threshold_detector : public detector {
public:
  explicit threshold_detector(threshold_detector_settings settings);

  static caf::expected<std::unique_ptr<detector>>
  make(threshold_detector_settings settings);

  unsigned inputs() const override {
    return samples;
  }

  std::vector<std::string> sample_metrics() const override;

  void on_sample(const sample& x, detections& out) override;

  void tick(time_point now, detections& out) override;

  caf::timespan tick_interval() const override {
    return settings_.check_interval;
  }

private:
  void report(size_t rule, const std::string& target,
              const threshold_rule& state, threshold_edge edge,
              time_point at, detections& out);

  threshold_detector_settings settings_;
  /// Rule states by (rule index, target).
  std::map<std::pair<size_t, std::string>, threshold_rule> states_;
};

} // namespace remedy
