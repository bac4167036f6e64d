#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "remedy/detection/detector.hpp"
#include "remedy/detection/holt_forecast.hpp"
#include "remedy/detection/linear_trend.hpp"
#include "remedy/detection/threshold_rule.hpp"

namespace remedy {

/// A limit a metric must not reach, e.g. memory_mb above 1024.
struct trend_limit {
  std::string metric;
  double limit = 0.0;
  threshold_direction direction = threshold_direction::above;
};

/// How a `trend_detector` estimates a trend.
enum class trend_method : uint8_t {
  /// Least squares over the last `window` (`linear_trend`): unbiased, and
  /// blind to oscillations much shorter than the window.
  regression,
  /// Holt's double exponential smoothing (`holt_forecast`): O(1), reacts
  /// faster, but its trend starts at the first two samples' slope and takes
  /// about 1 / beta samples to forget it.
  holt,
};

/// The rules of a `trend_detector`.
struct trend_detector_settings {
  std::string name = "trend";
  /// The limits it forecasts (at least one); one model per target and
  /// metric.
  std::vector<trend_limit> limits;
  trend_method method = trend_method::regression;
  /// For `regression`: the time the line fits (positive) ...
  caf::timespan window = std::chrono::minutes(10);
  /// ... and the most points it keeps (>= 2).
  uint32_t max_points = 1024;
  /// For `holt`: the smoothing; its `warm_up` is the samples before any
  /// forecast.
  holt_settings holt;
  /// For `regression`: a sample at least this many residual standard
  /// deviations and `break_share` of the line's level below the line (for
  /// an `above` limit; above it for `below`) is a break, not noise: memory
  /// freed by a restart, a queue drained. The series starts afresh, and a
  /// raised prediction clears. 0 turns this off.
  double break_sigmas = 4.0;
  /// See `break_sigmas` (0 to 1): a GC cycle's drop is not a break.
  double break_share = 0.25;
  /// No forecast before a series covers this much time (not negative): a
  /// trend needs history.
  caf::timespan min_history = std::chrono::minutes(2);
  /// Predictions further away than this are not raised (positive).
  caf::timespan horizon = std::chrono::minutes(10);
  /// This many forecasts in a row within the horizon raise (>= 1): one
  /// noisy slope is not a trend.
  uint32_t raise_after = 3;
  /// This many forecasts in a row outside the horizon (or no crossing at
  /// all) clear (>= 1).
  uint32_t clear_after = 5;

  caf::error validate() const;
};

/// Forecasts, per target and metric, when a metric will reach its limit
/// (Holt's linear trend over irregular samples) and raises
/// `predicted_limit` with the lead time once the crossing is within the
/// horizon: a memory leak or a growing queue is reported before it hurts.
/// Once the limit is reached the prediction clears (the fault is then
/// actual: a threshold rule on the same limit reports it).
class trend_detector : public detector {
public:
  explicit trend_detector(trend_detector_settings settings);

  static caf::expected<std::unique_ptr<detector>>
  make(trend_detector_settings settings);

  unsigned inputs() const override {
    return samples;
  }

  std::vector<std::string> sample_metrics() const override;

  void on_sample(const sample& x, detections& out) override;

private:
  struct series {
    explicit series(const trend_detector_settings& s)
      : line(s.window, s.max_points), smooth(s.holt) {
      // nothing else
    }
    linear_trend line;
    holt_forecast smooth;
    std::optional<caf::timespan> first;
    uint32_t within_run = 0;
    uint32_t outside_run = 0;
    bool active = false;
  };

  trend_detector_settings settings_;
  std::map<std::pair<std::string, std::string>, series> series_;
};

} // namespace remedy
