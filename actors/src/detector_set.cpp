#include "remedy/actors/detector_set.hpp"

#include <utility>

#include "remedy/runtime/error.hpp"

namespace remedy {

caf::error detector_set_settings::validate() const {
  if (auto err = heartbeat.validate())
    return err;
  if (auto err = threshold.validate())
    return err;
  if (auto err = anomaly.validate())
    return err;
  if (auto err = trend.validate())
    return err;
  return crash_loop.validate();
}

detector_set_settings default_detectors(double memory_limit_mb) {
  using namespace std::chrono_literals;
  detector_set_settings x;
  // Heartbeats: the phi accrual defaults.
  x.heartbeat.name = "heartbeat";
  // Thresholds: the route defaults plus the memory limit.
  x.threshold = threshold_detector_settings::route_defaults("threshold");
  threshold_detector_rule memory;
  memory.metric = "memory_mb";
  memory.threshold.name = "memory_limit";
  memory.threshold.limit = memory_limit_mb;
  memory.threshold.clear_limit = 0.9 * memory_limit_mb;
  memory.threshold.clear_for = 30s;
  memory.kind = detection_kind::threshold;
  x.threshold.rules.push_back(std::move(memory));
  // Anomalies of latency and error rate.
  x.anomaly.name = "anomaly";
  x.anomaly.metrics = {"latency_ms", "error_rate"};
  x.anomaly.ewma.min_deviation = 0.05;
  x.anomaly.min_relative_change = 1.0;
  // Memory trend.
  x.trend.name = "trend";
  x.trend.limits = {{"memory_mb", memory_limit_mb, threshold_direction::above}};
  x.trend.holt.alpha = 0.1;
  x.trend.holt.beta = 0.02;
  x.trend.holt.warm_up = 60;
  // Crash loops: the defaults.
  x.crash_loop.name = "crash_loop";
  return x;
}

caf::expected<detector_set> make_detectors(const detector_set_settings& x) {
  detector_set result;
  auto add = [&](caf::expected<std::unique_ptr<detector>> d) -> caf::error {
    if (!d)
      return std::move(d.error());
    result.push_back(std::move(*d));
    return caf::none;
  };
  if (auto err = add(heartbeat_detector::make(x.heartbeat)))
    return err;
  if (auto err = add(threshold_detector::make(x.threshold)))
    return err;
  if (auto err = add(anomaly_detector::make(x.anomaly)))
    return err;
  if (auto err = add(trend_detector::make(x.trend)))
    return err;
  if (auto err = add(crash_loop_detector::make(x.crash_loop)))
    return err;
  return result;
}

} // namespace remedy
