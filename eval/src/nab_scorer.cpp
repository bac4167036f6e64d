#include "remedy/eval/nab_scorer.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

namespace remedy::nab {

std::vector<profile> standard_profiles() {
  return {
    {"standard", {1.0, 0.11, 1.0, 1.0}},
    {"reward_low_FP_rate", {1.0, 0.22, 1.0, 1.0}},
    {"reward_low_FN_rate", {1.0, 0.11, 2.0, 1.0}},
  };
}

double scaled_sigmoid(double x) {
  if (x >= 3.0)
    return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * x)) - 1.0;
}

size_t probationary_length(size_t rows, double percent) {
  auto by_share = std::floor(percent * static_cast<double>(rows));
  auto cap = percent * 5000.0;
  // NAB compares a row index against this (possibly fractional) bound; a
  // row i is probationary iff i < bound, i.e. i < ceil(bound).
  return static_cast<size_t>(std::ceil(std::min(by_share, cap)));
}

std::vector<scored_row> sweep_rows(size_t rows,
                                   const std::vector<window_span>& windows,
                                   const cost_matrix& costs,
                                   nab::probation probation) {
  for (size_t k = 0; k < windows.size(); ++k) {
    const auto& w = windows[k];
    if (w.first > w.last || w.last >= rows)
      throw std::invalid_argument("window " + std::to_string(k)
                                  + " is empty or past the file's end");
    if (k > 0 && w.first <= windows[k - 1].last)
      throw std::invalid_argument("window " + std::to_string(k)
                                  + " overlaps or precedes the one before");
  }
  std::vector<scored_row> out(rows);
  const double max_tp = scaled_sigmoid(-1.0);
  const size_t probationary = probation.length(rows);
  size_t next = 0;           // next window to enter
  bool inside = false;       // in window next - 1
  bool after_window = false; // some window ended before this row
  double prev_width = 0.0;
  size_t prev_last = 0;
  for (size_t i = 0; i < rows; ++i) {
    if (!inside && next < windows.size() && windows[next].first == i) {
      inside = true;
      ++next;
    }
    auto& row = out[i];
    if (inside) {
      const auto& w = windows[next - 1];
      auto width = static_cast<double>(w.last - w.first + 1);
      auto position = -static_cast<double>(w.last - i + 1) / width;
      row.worth = scaled_sigmoid(position) * costs.tp / max_tp;
      row.window = next - 1;
    } else {
      double position = 3.0;
      if (after_window)
        position = prev_width > 1.0
                     ? static_cast<double>(i - prev_last) / (prev_width - 1.0)
                     : 2.0;
      row.worth = scaled_sigmoid(position) * costs.fp;
      row.window = scored_row::no_window;
    }
    if (i < probationary)
      row.window = scored_row::probationary;
    if (inside && windows[next - 1].last == i) {
      inside = false;
      after_window = true;
      prev_last = i;
      prev_width = static_cast<double>(i - windows[next - 1].first + 1);
    }
  }
  return out;
}

std::vector<threshold_score>
scores_by_threshold(const std::vector<sweep_input>& files, double fn_weight) {
  struct point {
    double anomaly;
    double worth;
    size_t file;
    size_t window;
  };
  std::vector<point> points;
  for (size_t f = 0; f < files.size(); ++f) {
    const auto& scores = *files[f].anomaly_scores;
    const auto& rows = *files[f].rows;
    if (scores.size() != rows.size())
      throw std::invalid_argument("file " + std::to_string(f) + ": "
                                  + std::to_string(scores.size())
                                  + " anomaly scores for "
                                  + std::to_string(rows.size()) + " rows");
    for (size_t i = 0; i < rows.size(); ++i)
      if (rows[i].window != scored_row::probationary)
        points.push_back({scores[i], rows[i].worth, f, rows[i].window});
  }
  // NAB: Python's stable sort, highest anomaly score first.
  std::stable_sort(points.begin(), points.end(),
                   [](const point& a, const point& b) {
                     return a.anomaly > b.anomaly;
                   });
  // Window parts in the order NAB's dict gets them: first appearance in the
  // sorted list. Each starts at -fn and keeps the best worth detected.
  std::map<std::pair<size_t, size_t>, size_t> part_of;
  std::vector<double> parts;
  size_t tp = 0, tn = 0, fp = 0, fn = 0;
  for (const auto& p : points) {
    if (p.window == scored_row::no_window) {
      ++tn;
      continue;
    }
    ++fn;
    auto key = std::make_pair(p.file, p.window);
    if (part_of.emplace(key, parts.size()).second)
      parts.push_back(-fn_weight);
  }
  double fp_part = 0.0;
  auto current = [&] {
    double sum = fp_part;
    for (auto x : parts)
      sum += x;
    return sum;
  };
  std::vector<threshold_score> out;
  double threshold = 1.1;
  for (const auto& p : points) {
    if (p.anomaly != threshold) {
      out.push_back({threshold, current(), tp, tn, fp, fn, tp + tn + fp + fn});
      threshold = p.anomaly;
    }
    if (p.window == scored_row::no_window) {
      ++fp;
      --tn;
      fp_part += p.worth;
    } else {
      ++tp;
      --fn;
      auto& part = parts[part_of[{p.file, p.window}]];
      part = std::max(part, p.worth);
    }
  }
  out.push_back({threshold, current(), tp, tn, fp, fn, tp + tn + fp + fn});
  return out;
}

threshold_score best_threshold(const std::vector<threshold_score>& scores) {
  if (scores.empty())
    throw std::invalid_argument("no threshold scores");
  auto best = scores.front();
  for (const auto& s : scores)
    if (s.score > best.score)
      best = s;
  return best;
}

threshold_score score_file(const std::vector<double>& anomaly_scores,
                           const std::vector<window_span>& windows,
                           const cost_matrix& costs, double threshold,
                           nab::probation probation) {
  auto rows = sweep_rows(anomaly_scores.size(), windows, costs, probation);
  auto all = scores_by_threshold({{&anomaly_scores, &rows}}, costs.fn);
  // The entries detect "anomaly >= entry.threshold", highest first: the
  // last entry whose threshold is still >= `threshold` is what it detects.
  threshold_score match = all.front();
  for (const auto& s : all) {
    if (s.threshold < threshold)
      break;
    match = s;
  }
  return match;
}

threshold_score score_detections(const std::vector<bool>& detections,
                                 const std::vector<window_span>& windows,
                                 const cost_matrix& costs, nab::probation probation) {
  std::vector<double> scores(detections.size());
  for (size_t i = 0; i < detections.size(); ++i)
    scores[i] = detections[i] ? 1.0 : 0.0;
  return score_file(scores, windows, costs, 0.5, probation);
}

size_t scorable_windows(size_t rows, const std::vector<window_span>& windows,
                        nab::probation probation) {
  auto probationary = probation.length(rows);
  size_t n = 0;
  for (const auto& w : windows)
    if (w.last >= probationary)
      ++n;
  return n;
}

double normalized_score(double raw, size_t windows, size_t scorable,
                        const cost_matrix& costs) {
  auto null = -costs.fn * static_cast<double>(scorable);
  auto perfect = costs.tp * static_cast<double>(windows);
  if (perfect == null)
    return 0.0;
  return 100.0 * (raw - null) / (perfect - null);
}

window_counts& window_counts::operator+=(const window_counts& other) {
  windows += other.windows;
  detected += other.detected;
  false_positives += other.false_positives;
  detections_in_windows += other.detections_in_windows;
  return *this;
}

double window_counts::precision() const {
  auto raised = detected + false_positives;
  return raised == 0 ? 1.0
                     : static_cast<double>(detected)
                         / static_cast<double>(raised);
}

double window_counts::recall() const {
  return windows == 0 ? 1.0
                      : static_cast<double>(detected)
                          / static_cast<double>(windows);
}

double window_counts::f1() const {
  auto p = precision();
  auto r = recall();
  return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

window_counts count_windows(const std::vector<bool>& detections,
                            const std::vector<window_span>& windows,
                            nab::probation probation) {
  // sweep_rows only for where rows lie (and its checks on the windows).
  auto rows = sweep_rows(detections.size(), windows, cost_matrix{},
                         probation);
  window_counts out;
  std::vector<bool> hit(windows.size(), false);
  std::vector<bool> scorable(windows.size(), false);
  for (size_t i = 0; i < rows.size(); ++i) {
    auto w = rows[i].window;
    if (w == scored_row::probationary)
      continue;
    if (w == scored_row::no_window) {
      if (detections[i])
        ++out.false_positives;
      continue;
    }
    scorable[w] = true;
    if (detections[i]) {
      hit[w] = true;
      ++out.detections_in_windows;
    }
  }
  for (size_t k = 0; k < windows.size(); ++k) {
    if (!scorable[k])
      continue;
    ++out.windows;
    if (hit[k])
      ++out.detected;
  }
  return out;
}

} // namespace remedy::nab
