#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include "remedy/detection/anomaly_detector.hpp"
#include "remedy/detection/detector.hpp"

namespace remedy {

/// What a metric measures, for `adaptive_detector_settings::for_kind`.
enum class metric_kind : uint8_t {
  /// A duration (call latency, age of the oldest call): only a rise is a
  /// fault, and small relative moves are noise.
  latency,
  /// Events per unit of time (calls, bytes, messages per second): a drop
  /// (traffic gone) is as much a fault as a rise.
  rate,
  /// A share of a capacity (CPU, memory, a pool's occupancy): only a rise
  /// (towards saturation) is a fault.
  utilisation,
  /// Events counted per interval (errors, restarts, retries): mostly zero
  /// and bursty, only a rise is a fault, and it moves in whole units.
  count,
  /// Anything else (a queue depth, a temperature): both directions, the
  /// NAB-tuned defaults.
  gauge,
};

const char* to_string(metric_kind x);

/// The rules of an `adaptive_detector`. Every duration is time, not a
/// sample count, so one setting suits series sampled every second or every
/// hour alike. The defaults were tuned on the NAB tuning set (series sampled
/// every 5 minutes to every hour, over weeks; see docs/detection.md,
/// "Judged on NAB"): for a metric sampled at another interval, start from
/// `for_kind`, which scales the durations to it.
struct adaptive_detector_settings {
  std::string name = "adaptive";
  /// The metrics it watches (at least one), one model per target and
  /// metric.
  std::vector<std::string> metrics;
  /// Half-life of the level and of the short-term spread: a sample's weight
  /// halves after this much time.
  caf::timespan half_life = std::chrono::hours{48};
  /// Half-life of the long-term spread and of the long-term mean |value|
  /// (the relative floors), much longer than `half_life` so that an idle
  /// stretch does not make the series' normal bursts look anomalous.
  caf::timespan spread_half_life = std::chrono::hours{24 * 7};
  /// The deviation is at least this share of the long-term spread (>= 0).
  double spread_floor = 1.0;
  /// The deviation is at least this share of the long-term mean |value|
  /// (>= 0): a scale-free floor for mostly-constant and mostly-zero series.
  double relative_floor = 0.01;
  /// An absolute floor only against division by zero (positive, finite).
  double min_deviation = 1e-12;
  /// No scores (and no raises) until the series is this old and has at
  /// least `warm_up_samples` samples; restarts after a gap.
  caf::timespan warm_up = std::chrono::hours{12};
  uint32_t warm_up_samples = 10;
  /// |z| at or above this is anomalous (positive, finite); the continuous
  /// score is |z| / (|z| + z_threshold), 0.5 at the threshold.
  double z_threshold = 8.0;
  /// Which deviations count (both by default: a drop is as much a change
  /// as a rise).
  anomaly_side side = anomaly_side::both;
  /// Anomalous samples are still learned, at this share of the normal rate
  /// (in [0, 1]): the model keeps following the series through an anomaly
  /// and the raise clears instead of sticking.
  double anomaly_learning = 0.5;
  /// A raise that held this long accepts the new normal: the level jumps
  /// to the current value, so a sustained shift clears (0: never).
  caf::timespan accept_after = std::chrono::hours{6};
  /// Anomalous samples held this long raise (0: the first one).
  caf::timespan raise_after = caf::timespan{0};
  /// Normal samples held this long clear (0: the first one).
  caf::timespan clear_after = std::chrono::hours{6};
  /// A silence longer than this many typical intervals (the series' own
  /// smoothed interval) is a gap: the level restarts at the next sample,
  /// the spreads decay by the time elapsed, and the model warms up again
  /// before it scores. 0 (the default): no gap handling beyond the rates,
  /// which already decay the model by the time elapsed (a sample after a
  /// silence of one half-life weighs 1/2); restarting the level after gaps
  /// (20) scored lower on the NAB tuning set, where anomalies follow gaps.
  double gap_intervals = 0.0;
  /// Daily (or other) seasonality: the period (0: off; a day by default)
  /// and the number of bins in it; each bin learns its offset from the
  /// level (allocated with the series, not per sample).
  caf::timespan season = std::chrono::hours{24};
  uint32_t season_bins = 24;
  /// Half-life of a bin's offset, counted in periods' worth of time.
  caf::timespan season_half_life = std::chrono::hours{24 * 3};
  /// Weekly seasonality, on top of the daily one: the period (0: off; a
  /// week by default) and the number of bins in it (168 by default: one
  /// offset per hour of the week, which scored higher on the NAB tuning
  /// set than 7, one per day); each bin learns its offset from the level
  /// plus the daily bin's offset, so the prediction is level + daily
  /// offset + weekly offset (allocated with the series, not per sample).
  caf::timespan week = std::chrono::hours{24 * 7};
  uint32_t week_bins = 168;
  /// Half-life of a weekly bin's offset, counted in periods' worth of
  /// time (as `season_half_life`).
  caf::timespan week_half_life = std::chrono::hours{24 * 7};
  /// The weekly offsets join the prediction only once the series is this
  /// old (>= 0; two weeks by default: a series long enough to have a
  /// week's pattern); before, they learn (against a level of their own)
  /// and the detector scores and learns exactly as without them.
  caf::timespan week_after = std::chrono::hours{24 * 14};
  /// Publish every scored sample's score (after warm-up) as the sample
  /// `<metric>.score` of the same target, in [0, 1] (0.5 at the
  /// threshold), for other detectors and for healing to read.
  bool publish_scores = false;

  /// The recommended settings for a metric of `kind` sampled about every
  /// `sample_interval`, watching `metrics` (any names), named
  /// "adaptive.<kind>". Every duration is
  /// the default's count of 5-minute intervals times `sample_interval`
  /// (half-life 576 intervals, long spread 2016, warm-up 144, accept and
  /// clear 72), so the same anomaly gives the same raises at 1 s and at
  /// 5 min; the daily season is on for intervals from 1 minute to 1 hour
  /// (faster levels follow the day by themselves, slower series have too
  /// few samples per bin) and lasts a day whatever the interval; so is the
  /// weekly one (a week, after two weeks, whatever the interval). The kind
  /// sets the side and the floors (see docs/detection.md, "Settings by
  /// metric kind"); `gauge` at 5 minutes is the defaults but for its name. A
  /// `sample_interval` <= 0 gives settings that fail `validate`; one over
  /// a day counts as a day.
  static adaptive_detector_settings
  for_kind(metric_kind kind, caf::timespan sample_interval,
           std::vector<std::string> metrics = {});

  caf::error validate() const;
};

/// Raises `anomaly` when a metric of a target deviates from its own
/// adaptive normal, and scores every sample in [0, 1] (`last_score`).
///
/// Per (target, metric), O(1) per sample and no allocation after the
/// series' first sample:
///
///     a      = 1 - 2^(-dt / half_life)          (dt: time since the last)
///     pred   = level (+ the season bin's offset, + the weekly bin's
///              offset once the series is `week_after` old)
///     r      = x - pred
///     dev    = max(short spread, spread_floor * long spread,
///                  relative_floor * long mean |x|, min_deviation)
///     z      = r / dev, score = |z| / (|z| + z_threshold)
///
/// then the level and spreads learn r at rate a (a * anomaly_learning for
/// an anomalous sample). Unlike `anomaly_detector`, a fault keeps being
/// learned slowly and a raise held `accept_after` accepts the new level,
/// so the detector clears and sees the next anomaly. Bad input is counted
/// and skipped: NaN and infinite values (`feed`), samples older than the
/// series' last (`ignored_backwards`); samples with the same time as the
/// last are learned as if a typical interval had passed and counted in
/// `duplicate_timestamps`.
class adaptive_detector : public detector {
public:
  explicit adaptive_detector(adaptive_detector_settings settings);

  static caf::expected<std::unique_ptr<detector>>
  make(adaptive_detector_settings settings);

  unsigned inputs() const override {
    return samples;
  }

  std::vector<std::string> sample_metrics() const override;

  /// The score in [0, 1] of the last sample passed to `on_sample` (0 while
  /// its series warms up, or for a side that does not count).
  double last_score() const {
    return last_score_;
  }

  /// The z-score of that sample (signed).
  double last_z() const {
    return last_z_;
  }

  /// Samples with the same timestamp as their series' previous one.
  uint64_t duplicate_timestamps() const {
    return stats_.duplicate_timestamps;
  }

  /// Gaps seen (silences longer than `gap_intervals` typical intervals).
  uint64_t gaps() const {
    return stats_.gaps;
  }

  const adaptive_detector_settings& settings() const {
    return settings_;
  }

protected:
  void on_sample(const sample& x, detections& out) override;

private:
  struct series {
    bool started = false;
    caf::timespan first{0};
    caf::timespan last{0};
    /// Start of the current warm-up (first sample or after a gap).
    caf::timespan warm_from{0};
    uint64_t warm_samples = 0;
    double typical_dt = 0.0; // seconds; 0 until the second sample
    double level = 0.0;
    double short_var = 0.0;
    double long_var = 0.0;
    double mean_abs = 0.0;
    std::vector<double> season;
    std::vector<uint8_t> season_seen;
    std::vector<double> week;
    std::vector<uint8_t> week_seen;
    /// The level the weekly offsets learn against until they join the
    /// prediction (`week_after`); the level itself from then on.
    double week_level = 0.0;
    bool week_on = false;
    bool anomalous = false;
    bool normal = false;
    caf::timespan anomalous_since{0};
    caf::timespan normal_since{0};
    caf::timespan raised_at{0};
    double short_var_at_raise = 0.0;
    double long_var_at_raise = 0.0;
    bool active = false;
  };

  series make_series() const;
  size_t bin_of(caf::timespan at) const;
  size_t week_bin_of(caf::timespan at) const;

  adaptive_detector_settings settings_;
  std::map<std::pair<std::string, std::string>, series> series_;
  double last_score_ = 0.0;
  double last_z_ = 0.0;
};

} // namespace remedy
