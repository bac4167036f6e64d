#include "remedy/classification/detection_tree.hpp"

#include "remedy/detection/detector_actor.hpp"

namespace remedy {

supervisor_builder detection_tree(std::string name,
                                  detection_tree_settings settings) {
  auto& d = settings.detectors;
  supervisor_builder result{std::move(name), strategy::one_for_one};
  result.worker("health", health_view_start(settings.health))
    .worker("classifier", classifier_start(settings.classifier))
    .worker("heartbeat", detector_start<heartbeat_detector>(d.heartbeat))
    .worker("threshold", detector_start<threshold_detector>(d.threshold))
    .worker("trend", detector_start<trend_detector>(d.trend))
    .worker("crash_loop", detector_start<crash_loop_detector>(d.crash_loop));
  for (auto& a : d.adaptive)
    result.worker(a.name, detector_start<adaptive_detector>(a));
  if (!d.anomaly.metrics.empty())
    result.worker("anomaly", detector_start<anomaly_detector>(d.anomaly));
  return result;
}

} // namespace remedy
