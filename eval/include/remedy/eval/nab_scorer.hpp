#pragma once

// The scoring rules of the Numenta Anomaly Benchmark (NAB, numenta/NAB,
// nab/sweeper.py and the normalisation in nab/runner.py), re-implemented:
//
// - A file's rows are scored by row index. The first
//   `probationary_length(rows)` rows (15 % of the file, at most 750) are
//   not scored at all: a detection there is neither a TP nor an FP, a row of
//   a window there does not count, and a window lying entirely in it is
//   neither detected nor missed.
// - Every row gets a "sweep score", what a detection at that row is worth:
//   in a window of width w (rows) whose last row is r, row i is worth
//   tp * scaled_sigmoid(-(r - i + 1) / w) / scaled_sigmoid(-1), i.e. exactly
//   tp at the window's first row, falling to about 0 at its last; outside
//   every window, after a window of width w ending at row r, row i is worth
//   fp * scaled_sigmoid(|r - i| / (w - 1)) (just after the window about 0,
//   -fp far after it); before the file's first window it is worth -fp.
// - A file's raw score at a threshold: every row whose anomaly score is at
//   or above the threshold is a detection. Each window (that has a scored
//   row) adds the best worth of its detected rows (which is its first
//   detection: the worth falls along the window), or -fn if none of its
//   rows was detected; every detection outside the windows adds its worth.
//   The tn weight is unused (as in NAB).
// - The row counts tp, fp, fn, tn are NAB's: scored rows in a window with a
//   detection (tp) or without (fn), scored rows outside every window with
//   a detection (fp) or without (tn).
// - A corpus's raw score is the sum of its files' raw scores; NAB reports
//   100 * (raw - null) / (perfect - null), null being the raw score of a
//   detector that never detects (-fn per scorable window) and perfect
//   tp * the number of windows in the labels.
// - The sweeper picks, per profile, the threshold maximising the corpus raw
//   score over all distinct anomaly scores (and 1.1, which detects nothing);
//   on a tie the highest threshold wins.
//
// Differences from NAB's Python, only where NAB fails or is undefined:
// windows are given as row spans (the reader maps a window's timestamps to
// the first row at or after its start and the last row at or before its
// end; NAB needs both to be row timestamps exactly, as they are in NAB's
// data), an FP after a window of one row is worth
// fp * scaled_sigmoid(2.0) (NAB divides by zero there), and a threshold
// below every anomaly score detects every row (NAB returns no score).

#include <cstddef>
#include <string>
#include <vector>

namespace remedy::nab {

/// A profile's weights (NAB's "CostMatrix").
struct cost_matrix {
  double tp = 1.0;
  double fp = 0.11;
  double fn = 1.0;
  double tn = 1.0;
};

struct profile {
  std::string name;
  cost_matrix costs;
};

/// NAB's three profiles (config/profiles.json): standard (fp 0.11),
/// reward_low_FP_rate (fp 0.22), reward_low_FN_rate (fn 2.0).
std::vector<profile> standard_profiles();

/// NAB's default share of a file that is probationary.
constexpr double default_probation = 0.15;

/// 2 * sigmoid(-5 x) - 1, and -1 for x >= 3 (NAB's sweeper).
double scaled_sigmoid(double relative_position);

/// min(floor(percent * rows), percent * 5000), as a row count.
size_t probationary_length(size_t rows, double percent = default_probation);

/// How much of a file's start is not scored: NAB's share of its rows (the
/// default), or an explicit row count (as NAB's older `Scorer` took it).
struct probation {
  /// A share of the rows (`probationary_length`).
  probation(double share = default_probation) : percent(share) {
  }
  static probation first_rows(size_t n) {
    probation x{0.0};
    x.explicit_rows = true;
    x.rows = n;
    return x;
  }
  size_t length(size_t file_rows) const {
    return explicit_rows ? rows : probationary_length(file_rows, percent);
  }
  double percent = default_probation;
  bool explicit_rows = false;
  size_t rows = 0;
};

/// A labelled window as rows [first, last] of its file (first <= last).
struct window_span {
  size_t first = 0;
  size_t last = 0;
};

/// What a row is worth as a detection, and where it lies.
struct scored_row {
  /// Below `no_window`: the index of the window (in the order given,
  /// sorted by `first`) the row lies in.
  static constexpr size_t no_window = static_cast<size_t>(-1);
  static constexpr size_t probationary = static_cast<size_t>(-2);
  double worth = 0.0;
  size_t window = no_window;
};

/// The worth of every row of a file of `rows` rows with `windows` (sorted
/// by `first`, not overlapping, within the file; throws
/// std::invalid_argument otherwise). Port of NAB's `calcSweepScore`.
std::vector<scored_row> sweep_rows(size_t rows,
                                   const std::vector<window_span>& windows,
                                   const cost_matrix& costs,
                                   nab::probation probation = {});

/// The raw score and NAB's row counts at one threshold.
struct threshold_score {
  double threshold = 0.0;
  double score = 0.0;
  size_t tp = 0;
  size_t tn = 0;
  size_t fp = 0;
  size_t fn = 0;
  size_t total = 0;
};

/// One file for the sweeper: its anomaly scores (one per row) and the
/// rows' worth from `sweep_rows`.
struct sweep_input {
  const std::vector<double>* anomaly_scores = nullptr;
  const std::vector<scored_row>* rows = nullptr;
};

/// The raw score at every threshold, highest threshold first: 1.1 (nothing
/// detected), then each distinct anomaly score of a scored row, where that
/// score and all higher ones detect. Port of NAB's `calcScoreByThreshold`
/// over a corpus (window indices are per file). Throws
/// std::invalid_argument if a file's scores and rows differ in length.
std::vector<threshold_score>
scores_by_threshold(const std::vector<sweep_input>& files,
                    double fn_weight);

/// The entry of `scores_by_threshold` with the highest score (on a tie the
/// highest threshold). Port of NAB's optimizer.
threshold_score best_threshold(const std::vector<threshold_score>& scores);

/// The score of one file at `threshold` (rows whose anomaly score is at or
/// above it detect). Port of NAB's `scoreDataSet`.
threshold_score score_file(const std::vector<double>& anomaly_scores,
                           const std::vector<window_span>& windows,
                           const cost_matrix& costs, double threshold,
                           nab::probation probation = {});

/// The score of one file's binary detections (true: the detector raised at
/// that row), i.e. `score_file` of 0/1 scores at threshold 0.5.
threshold_score score_detections(const std::vector<bool>& detections,
                                 const std::vector<window_span>& windows,
                                 const cost_matrix& costs,
                                 nab::probation probation = {});

/// Windows with at least one scored row (past the probationary period):
/// those that count as detected or missed.
size_t scorable_windows(size_t rows, const std::vector<window_span>& windows,
                        nab::probation probation = {});

/// NAB's normalised score: 100 * (raw - null) / (perfect - null), with
/// null = -fn * scorable_windows and perfect = tp * windows.
double normalized_score(double raw, size_t windows, size_t scorable_windows,
                        const cost_matrix& costs);

/// Window-level precision and recall of binary detections, counted as
/// events over scored rows (past the probationary period):
/// - a window is detected if at least one detection falls in it; windows
///   without a scored row are left out;
/// - every detection outside all windows is one false positive;
/// - precision = detected / (detected + false positives), 1 if both are 0;
///   recall = detected / windows, 1 without windows; F1 their harmonic mean
///   (0 if both are 0).
struct window_counts {
  size_t windows = 0;
  size_t detected = 0;
  size_t false_positives = 0;
  /// Detections in windows (counted once per row).
  size_t detections_in_windows = 0;

  window_counts& operator+=(const window_counts& other);
  double precision() const;
  double recall() const;
  double f1() const;
};

window_counts count_windows(const std::vector<bool>& detections,
                            const std::vector<window_span>& windows,
                            nab::probation probation = {});

} // namespace remedy::nab
