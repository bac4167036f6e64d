#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "remedy/detection/detector.hpp"
#include "remedy/detection/ewma_estimator.hpp"
#include "remedy/detection/robust_estimator.hpp"

namespace remedy {

/// How an `anomaly_detector` models normal.
enum class anomaly_method : uint8_t {
  /// Exponentially weighted mean and variance: O(1), adapts smoothly.
  ewma,
  /// Windowed median and MAD: robust to outliers in the window.
  robust,
};

const char* to_string(anomaly_method x);

/// Which deviations count.
enum class anomaly_side : uint8_t { above, below, both };

/// The rules of an `anomaly_detector`. The defaults suit latency- and
/// error-like metrics: only rises count, a z-score of 4 held for 3 samples
/// in a row raises, 5 normal samples in a row clear.
struct anomaly_detector_settings {
  std::string name = "anomaly";
  /// The metrics it watches (at least one), one model per target and
  /// metric.
  std::vector<std::string> metrics;
  anomaly_method method = anomaly_method::ewma;
  ewma_settings ewma;
  robust_settings robust;
  /// |z| at or above this is anomalous (positive).
  double z_threshold = 4.0;
  anomaly_side side = anomaly_side::above;
  /// Besides the z-score, the value must differ from the model's centre by
  /// at least this share of it (0: off): keeps a very steady metric from
  /// raising on changes too small to matter.
  double min_relative_change = 0.2;
  /// Samples are learned clipped to the model's centre +- this many
  /// deviations (0: not clipped; otherwise at least 1). Without clipping,
  /// a slowdown that ramps up teaches the model its own first samples
  /// (each just below `z_threshold`), and the fault becomes the normal.
  double learn_clip = 0.0;
  /// This many anomalous samples in a row raise (>= 1).
  uint32_t raise_after = 3;
  /// This many normal samples in a row clear (>= 1).
  uint32_t clear_after = 5;

  caf::error validate() const;
};

/// Raises when a metric of a target deviates from its own recent normal.
/// While a series is anomalous its samples do not update the model, so a
/// fault never becomes the new normal (a level shift that is here to stay
/// stays raised: pair it with a threshold to decide what is acceptable).
class anomaly_detector : public detector {
public:
  explicit anomaly_detector(anomaly_detector_settings settings);

  static caf::expected<std::unique_ptr<detector>>
  make(anomaly_detector_settings settings);

  unsigned inputs() const override {
    return samples;
  }

  std::vector<std::string> sample_metrics() const override;

  void on_sample(const sample& x, detections& out) override;

private:
  struct series {
    std::optional<ewma_estimator> ewma;
    std::optional<robust_estimator> robust;
    std::optional<caf::timespan> last;
    uint32_t anomalous_run = 0;
    uint32_t normal_run = 0;
    bool active = false;
  };

  series make_series() const;

  anomaly_detector_settings settings_;
  std::map<std::pair<std::string, std::string>, series> series_;
};

} // namespace remedy
