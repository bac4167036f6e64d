#include "remedy/eval/nab_run.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "remedy/core/error.hpp"
#include "remedy/core/sample.hpp"

namespace remedy::nab {

std::vector<bool> replay_anomaly_detector(const series& s,
                                          anomaly_detector_settings settings) {
  settings.metrics = {"value"};
  auto made = anomaly_detector::make(settings);
  if (!made)
    throw std::invalid_argument("anomaly detector settings: "
                                + render(made.error()));
  auto& d = **made;
  std::vector<bool> out(s.times.size(), false);
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
    for (const auto& det : found)
      if (det.active)
        out[i] = true;
  }
  return out;
}

corpus_score score_corpus(const std::vector<labelled_series>& corpus,
                          const std::vector<std::vector<bool>>& detections,
                          const std::vector<profile>& profiles,
                          nab::probation probation) {
  if (corpus.size() != detections.size())
    throw std::invalid_argument("score_corpus: "
                                + std::to_string(detections.size())
                                + " detection lists for "
                                + std::to_string(corpus.size()) + " files");
  corpus_score out;
  out.files = corpus.size();
  for (const auto& p : profiles)
    out.profiles.push_back({p, 0.0, 0.0, 0, 0, 0, 0});
  for (size_t k = 0; k < corpus.size(); ++k) {
    const auto& file = corpus[k];
    const auto& det = detections[k];
    auto rows = file.data.times.size();
    if (det.size() != rows)
      throw std::invalid_argument(file.data.name + ": "
                                  + std::to_string(det.size())
                                  + " detections for "
                                  + std::to_string(rows) + " rows");
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
