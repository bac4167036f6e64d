#include "remedy/eval/nab_run.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "remedy/core/error.hpp"
#include "remedy/core/sample.hpp"

namespace remedy::nab {

namespace {

/// Feeds every row of `s` to `d` as a sample of metric "value" at the row's
/// time, and calls `row(i, raised)` after each (raised: a raise came out).
template <class Row>
void replay(const series& s, detector& d, Row row) {
  detections found;
  for (size_t i = 0; i < s.times.size(); ++i) {
    sample x;
    x.target = s.name;
    x.metric = "value";
    x.value = s.values[i];
    x.at = std::chrono::duration_cast<caf::timespan>(
      std::chrono::microseconds{s.times[i]});
    found.clear();
    d.feed(x, found);
    bool raised = false;
    for (const auto& det : found)
      raised = raised || det.active;
    row(i, raised);
  }
}

/// Throws unless there is one list per file (`what` names the caller and
/// the lists) and each list has one entry per row of its file.
template <class T>
void check_per_row(const char* what, const char* entries,
                   const std::vector<labelled_series>& corpus,
                   const std::vector<std::vector<T>>& lists) {
  if (corpus.size() != lists.size())
    throw std::invalid_argument(std::string{what} + ": "
                                + std::to_string(lists.size()) + " "
                                + entries + " lists for "
                                + std::to_string(corpus.size()) + " files");
  for (size_t k = 0; k < corpus.size(); ++k) {
    auto rows = corpus[k].data.times.size();
    if (lists[k].size() != rows)
      throw std::invalid_argument(corpus[k].data.name + ": "
                                  + std::to_string(lists[k].size()) + " "
                                  + entries + "s for " + std::to_string(rows)
                                  + " rows");
  }
}

} // namespace

anomaly_detector_settings ewma_baseline() {
  anomaly_detector_settings x;
  x.name = "anomaly";
  x.metrics = {"latency_ms", "error_rate"};
  x.ewma.alpha = 0.02;
  x.ewma.warm_up = 100;
  x.ewma.min_deviation = 0.05;
  x.z_threshold = 3.5;
  x.raise_after = 4;
  x.min_relative_change = 1.0;
  x.learn_clip = 2.0;
  return x;
}

std::vector<bool> replay_anomaly_detector(const series& s,
                                          anomaly_detector_settings settings) {
  settings.metrics = {"value"};
  auto made = anomaly_detector::make(settings);
  if (!made)
    throw std::invalid_argument("anomaly detector settings: "
                                + render(made.error()));
  auto& d = **made;
  std::vector<bool> out(s.times.size(), false);
  replay(s, d, [&](size_t i, bool raised) { out[i] = raised; });
  return out;
}

scored_replay replay_adaptive_detector(const series& s,
                                       adaptive_detector_settings settings) {
  settings.metrics = {"value"};
  auto made = adaptive_detector::make(settings);
  if (!made)
    throw std::invalid_argument("adaptive detector settings: "
                                + render(made.error()));
  auto& d = static_cast<adaptive_detector&>(**made);
  scored_replay out;
  out.raised.assign(s.times.size(), false);
  out.scores.assign(s.times.size(), 0.0);
  replay(s, d, [&](size_t i, bool raised) {
    out.raised[i] = raised;
    out.scores[i] = d.last_score();
  });
  return out;
}

swept_score sweep_corpus(const std::vector<labelled_series>& corpus,
                         const std::vector<std::vector<double>>& scores,
                         const std::vector<profile>& profiles,
                         nab::probation probation) {
  check_per_row("sweep_corpus", "score", corpus, scores);
  swept_score out;
  out.files = corpus.size();
  for (size_t k = 0; k < corpus.size(); ++k) {
    auto rows = corpus[k].data.times.size();
    out.windows += corpus[k].windows.size();
    out.scorable_windows += scorable_windows(rows, corpus[k].windows,
                                             probation);
  }
  for (const auto& p : profiles) {
    std::vector<std::vector<scored_row>> rows;
    rows.reserve(corpus.size());
    std::vector<sweep_input> inputs;
    for (size_t k = 0; k < corpus.size(); ++k)
      rows.push_back(sweep_rows(corpus[k].data.times.size(),
                                corpus[k].windows, p.costs, probation));
    for (size_t k = 0; k < corpus.size(); ++k)
      inputs.push_back({&scores[k], &rows[k]});
    swept_profile sp;
    sp.p = p;
    sp.best = best_threshold(scores_by_threshold(inputs, p.costs.fn));
    sp.normalized = normalized_score(sp.best.score, out.windows,
                                     out.scorable_windows, p.costs);
    for (size_t k = 0; k < corpus.size(); ++k) {
      std::vector<bool> det(scores[k].size());
      for (size_t i = 0; i < det.size(); ++i)
        det[i] = scores[k][i] >= sp.best.threshold;
      sp.counts += count_windows(det, corpus[k].windows, probation);
    }
    out.profiles.push_back(std::move(sp));
  }
  return out;
}

std::string markdown(const swept_score& x) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "%zu files, %zu windows (%zu scorable), best threshold per "
                "profile (NAB's sweeper)\n\n",
                x.files, x.windows, x.scorable_windows);
  out += buf;
  out += "| profile | threshold | NAB score | raw score | detections | "
         "detected | false positives | precision | recall | F1 |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& sp : x.profiles) {
    std::snprintf(buf, sizeof(buf),
                  "| %s | %.4f | %.1f | %.2f | %zu | %zu | %zu | %.3f | %.3f "
                  "| %.3f |\n",
                  sp.p.name.c_str(), sp.best.threshold, sp.normalized,
                  sp.best.score, sp.best.tp + sp.best.fp, sp.counts.detected,
                  sp.counts.false_positives, sp.counts.precision(),
                  sp.counts.recall(), sp.counts.f1());
    out += buf;
  }
  return out;
}

corpus_score score_corpus(const std::vector<labelled_series>& corpus,
                          const std::vector<std::vector<bool>>& detections,
                          const std::vector<profile>& profiles,
                          nab::probation probation) {
  check_per_row("score_corpus", "detection", corpus, detections);
  corpus_score out;
  out.files = corpus.size();
  for (const auto& p : profiles)
    out.profiles.push_back({p, 0.0, 0.0, 0, 0, 0, 0});
  for (size_t k = 0; k < corpus.size(); ++k) {
    const auto& file = corpus[k];
    const auto& det = detections[k];
    auto rows = file.data.times.size();
    out.rows += rows;
    out.windows += file.windows.size();
    out.scorable_windows += scorable_windows(rows, file.windows, probation);
    auto first_scored = probation.length(rows);
    for (size_t i = first_scored; i < rows; ++i)
      if (det[i])
        ++out.detections;
    for (auto& ps : out.profiles) {
      auto s = score_detections(det, file.windows, ps.p.costs, probation);
      ps.raw += s.score;
      ps.tp += s.tp;
      ps.tn += s.tn;
      ps.fp += s.fp;
      ps.fn += s.fn;
    }
    out.counts += count_windows(det, file.windows, probation);
  }
  for (auto& ps : out.profiles)
    ps.normalized = normalized_score(ps.raw, out.windows, out.scorable_windows,
                                     ps.p.costs);
  return out;
}

std::string markdown(const corpus_score& x) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "%zu files, %zu rows, %zu windows (%zu scorable), %zu "
                "detections after the probationary periods\n\n",
                x.files, x.rows, x.windows, x.scorable_windows, x.detections);
  out += buf;
  out += "| profile | NAB score | raw score | null | perfect | tp rows | fp "
         "rows | fn rows | tn rows |\n";
  out += "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& ps : x.profiles) {
    std::snprintf(buf, sizeof(buf),
                  "| %s | %.1f | %.2f | %.2f | %.2f | %zu | %zu | %zu | %zu "
                  "|\n",
                  ps.p.name.c_str(), ps.normalized, ps.raw,
                  -ps.p.costs.fn * static_cast<double>(x.scorable_windows),
                  ps.p.costs.tp * static_cast<double>(x.windows), ps.tp, ps.fp,
                  ps.fn, ps.tn);
    out += buf;
  }
  out += "\n| windows | detected | false positives | detections in windows | "
         "precision | recall | F1 |\n";
  out += "|---|---|---|---|---|---|---|\n";
  std::snprintf(buf, sizeof(buf), "| %zu | %zu | %zu | %zu | %.3f | %.3f | "
                                   "%.3f |\n",
                x.counts.windows, x.counts.detected, x.counts.false_positives,
                x.counts.detections_in_windows, x.counts.precision(),
                x.counts.recall(), x.counts.f1());
  out += buf;
  return out;
}

} // namespace remedy::nab
