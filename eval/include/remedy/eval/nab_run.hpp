#pragma once

// Replaying NAB series through Remedy's detectors and scoring a corpus with
// NAB's rules (remedy/eval/nab_scorer.hpp).

#include <string>
#include <vector>

#include "remedy/detection/adaptive_detector.hpp"
#include "remedy/detection/anomaly_detector.hpp"
#include "remedy/eval/nab_data.hpp"
#include "remedy/eval/nab_scorer.hpp"

namespace remedy::nab {

/// The EWMA anomaly settings the recommended detector set used before the
/// adaptive detectors replaced them (alpha 0.02, warm-up 100, z 3.5 for 4
/// samples, rises of at least 100 %, learn_clip 2): the baseline NAB scored
/// at 15.4 (docs/detection.md).
anomaly_detector_settings ewma_baseline();

/// Feeds every row of `s` to a fresh `anomaly_detector` made from
/// `settings` (its `metrics` replaced by {"value"}), as a sample of target
/// `s.name`, metric "value", at the row's timestamp (virtual time: the
/// detector is a value, no clock runs). Returns one flag per row: true
/// where the detector raised. Throws std::invalid_argument if the settings
/// do not validate.
std::vector<bool> replay_anomaly_detector(const series& s,
                                          anomaly_detector_settings settings);

/// What a replay of a scoring detector yields, one entry per row.
struct scored_replay {
  /// True where the detector raised.
  std::vector<bool> raised;
  /// The detector's continuous score in [0, 1] of that row.
  std::vector<double> scores;
};

/// Like `replay_anomaly_detector`, for an `adaptive_detector` made from
/// `settings` (its `metrics` replaced by {"value"}): the raises and the
/// score of every row (`adaptive_detector::last_score`).
scored_replay replay_adaptive_detector(const series& s,
                                       adaptive_detector_settings settings);

/// One profile's corpus score.
struct profile_score {
  profile p;
  /// Sum of the files' raw scores (NAB's `Score` column total).
  double raw = 0.0;
  /// 100 * (raw - null) / (perfect - null).
  double normalized = 0.0;
  /// NAB's row counts, summed.
  size_t tp = 0, tn = 0, fp = 0, fn = 0;
};

/// A corpus's scores for binary detections.
struct corpus_score {
  size_t files = 0;
  size_t rows = 0;
  size_t windows = 0;
  size_t scorable_windows = 0;
  /// Detections in scored rows (past the probationary periods).
  size_t detections = 0;
  std::vector<profile_score> profiles;
  window_counts counts;
};

/// Scores `detections[k]` (one flag per row of `corpus[k]`) under every
/// profile. Throws std::invalid_argument if the sizes differ.
corpus_score score_corpus(const std::vector<labelled_series>& corpus,
                          const std::vector<std::vector<bool>>& detections,
                          const std::vector<profile>& profiles,
                          nab::probation probation = {});

/// One profile's best threshold over a corpus of continuous scores (NAB's
/// sweeper), and the window counts of the detections at that threshold.
struct swept_profile {
  profile p;
  threshold_score best;
  double normalized = 0.0;
  window_counts counts;
};

struct swept_score {
  size_t files = 0;
  size_t windows = 0;
  size_t scorable_windows = 0;
  std::vector<swept_profile> profiles;
};

/// Sweeps the threshold over `scores[k]` (one score per row of
/// `corpus[k]`) for every profile, as NAB's optimizer does. Throws
/// std::invalid_argument if the sizes differ.
swept_score sweep_corpus(const std::vector<labelled_series>& corpus,
                         const std::vector<std::vector<double>>& scores,
                         const std::vector<profile>& profiles,
                         nab::probation probation = {});

/// The markdown table of `x`: per profile the best threshold, its
/// normalised and raw score, and the window counts at that threshold.
std::string markdown(const swept_score& x);

/// The markdown table of `x`: one row per profile (normalised score, raw
/// score, NAB's row counts), then the window-level counts, precision,
/// recall and F1.
std::string markdown(const corpus_score& x);

} // namespace remedy::nab
