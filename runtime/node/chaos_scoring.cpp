#include "chaos_scoring.hpp"

#include <algorithm>
#include <numeric>

#include "remedy/core/percentile.hpp"

namespace remedy::node {

void finish(class_score& x) {
  auto tp = static_cast<double>(x.tp);
  if (x.tp + x.fp + x.fn == 0) {
    x.precision = x.recall = x.f1 = 1.0;
    return;
  }
  x.precision = x.tp + x.fp > 0 ? tp / static_cast<double>(x.tp + x.fp) : 0;
  x.recall = x.tp + x.fn > 0 ? tp / static_cast<double>(x.tp + x.fn) : 0;
  x.f1 = x.precision + x.recall > 0
           ? 2 * x.precision * x.recall / (x.precision + x.recall)
           : 0;
}

match_result match_faults(const std::vector<injected_fault>& injected,
                          const std::vector<raised_fault>& raised,
                          const match_settings& settings) {
  match_result res;
  res.outcomes.resize(injected.size());
  // Window end of each injected fault.
  std::vector<double> until(injected.size());
  for (size_t i = 0; i < injected.size(); ++i) {
    until[i] = injected[i].at_s + settings.window_s;
    for (size_t j = 0; j < injected.size(); ++j)
      if (j != i && injected[j].target == injected[i].target
          && injected[j].at_s > injected[i].at_s)
        until[i] = std::min(until[i], injected[j].at_s);
  }
  std::vector<size_t> order(raised.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return raised[a].raised_s < raised[b].raised_s;
  });
  std::vector<std::optional<size_t>> correct_match(injected.size());
  std::vector<std::optional<size_t>> first_match(injected.size());
  for (auto ri : order) {
    auto& r = raised[ri];
    std::optional<size_t> owner;
    for (size_t i = 0; i < injected.size(); ++i) {
      auto& f = injected[i];
      if (f.target == r.target && r.raised_s >= f.at_s - settings.early_s
          && r.raised_s < until[i]) {
        // The latest injection into the target that the raise follows.
        if (!owner || injected[*owner].at_s < f.at_s)
          owner = i;
      }
    }
    if (!owner) {
      res.per_class[r.cls].fp += 1;
      res.false_positives.push_back(r.id);
      continue;
    }
    auto& f = injected[*owner];
    auto& out = res.outcomes[*owner];
    out.faults.push_back(r.id);
    if (!first_match[*owner])
      first_match[*owner] = ri;
    if (r.cls == expected_class(f.kind)) {
      if (!correct_match[*owner])
        correct_match[*owner] = ri;
      else
        res.duplicates += 1;
    } else if (is_symptom(f.kind, r.cls)) {
      res.symptoms += 1;
    } else {
      res.per_class[r.cls].fp += 1;
      res.false_positives.push_back(r.id);
    }
  }
  for (size_t i = 0; i < injected.size(); ++i) {
    auto& f = injected[i];
    auto& out = res.outcomes[i];
    auto cls = expected_class(f.kind);
    auto& score = res.per_class[cls];
    const raised_fault* detection = nullptr;
    if (correct_match[i]) {
      score.tp += 1;
      out.correct = true;
      detection = &raised[*correct_match[i]];
    } else {
      score.fn += 1;
      if (first_match[i])
        detection = &raised[*first_match[i]];
    }
    if (detection) {
      out.detected = true;
      out.classified_as = detection->cls;
      out.detect_s = std::max(0.0, detection->raised_s - f.at_s);
    }
    if (f.kind == fault_kind::leak && out.correct)
      out.predicted_in_time = !f.exhausted_s
                              || detection->raised_s < *f.exhausted_s;
    // Recovered: healthy again, and every fault raised for it cleared.
    if (f.healthy_s) {
      double at = *f.healthy_s;
      bool all_cleared = true;
      for (auto id : out.faults)
        for (auto& r : raised)
          if (r.id == id) {
            if (r.cleared_s)
              at = std::max(at, *r.cleared_s);
            else
              all_cleared = false;
          }
      if (all_cleared)
        out.recover_s = std::max(0.0, at - f.at_s);
    }
  }
  for (auto& [cls, score] : res.per_class) {
    finish(score);
    res.overall.tp += score.tp;
    res.overall.fp += score.fp;
    res.overall.fn += score.fn;
  }
  finish(res.overall);
  return res;
}

healing_tally tally(const std::vector<healing_attempt>& attempts) {
  healing_tally t;
  for (auto& a : attempts) {
    t.total += 1;
    auto& row = t.by_strategy[a.strategy];
    if (a.outcome == "succeeded") {
      t.succeeded += 1;
      row.succeeded += 1;
    } else if (a.outcome == "failed") {
      t.failed += 1;
      row.failed += 1;
    } else {
      t.abandoned += 1;
      row.abandoned += 1;
    }
  }
  return t;
}

std::optional<double> pct(const std::vector<double>& xs, double p) {
  if (xs.empty())
    return std::nullopt;
  return percentile(xs, p);
}

summary summarize(const std::vector<double>& xs) {
  summary s;
  if (xs.empty())
    return s;
  s.mean = std::accumulate(xs.begin(), xs.end(), 0.0)
           / static_cast<double>(xs.size());
  s.p95 = percentile(xs, 95);
  return s;
}

} // namespace remedy::node
