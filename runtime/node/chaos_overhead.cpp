#include "chaos_overhead.hpp"

#include <chrono>

#include "remedy/core/percentile.hpp"

namespace remedy::node {

const char* to_string(overhead_side x) {
  switch (x) {
    case overhead_side::caf:
      return "caf";
    case overhead_side::remedy:
      return "remedy";
    case overhead_side::relays:
      return "relays";
  }
  return "?";
}

run_settings fault_free(const run_settings& like, caf::timespan length) {
  using namespace std::chrono;
  auto cfg = like;
  cfg.plan.clear();
  cfg.shape.length = length;
  // run_once measures from a quarter into the warm-up to its end: the whole
  // run is the warm-up, but for the last half second (the load stops then).
  cfg.shape.warmup = length > milliseconds(1000) ? length - milliseconds(500)
                                                 : length;
  cfg.shape.tail = caf::timespan{0};
  return cfg;
}

window_requests requests_in_window(const run_result& res) {
  window_requests w;
  for (auto& r : res.requests)
    if (r.sent_s >= res.warmup_from_s && r.sent_s < res.warmup_to_s) {
      ++w.sent;
      if (r.ok)
        w.ok_latencies_ms.push_back(r.latency_ms);
    }
  w.span_s = res.warmup_to_s - res.warmup_from_s;
  return w;
}

side_sample sample_of(const run_result& res) {
  side_sample s;
  if (!res.error.empty()) {
    s.error = res.error;
    return s;
  }
  auto w = requests_in_window(res);
  auto sent = w.sent;
  auto& lat = w.ok_latencies_ms;
  auto span = w.span_s;
  if (sent == 0 || lat.empty() || span <= 0) {
    s.error = res.partial ? "cut short before its measured window ended"
                          : "no requests answered in the measured window";
    return s;
  }
  s.requests = sent;
  s.cpu_per_request_ms = 1000.0 * (res.warmup_cpu_s - res.warmup_client_cpu_s)
                         / static_cast<double>(sent);
  s.rps = static_cast<double>(lat.size()) / span;
  s.p50_ms = percentile(lat, 50);
  s.p99_ms = percentile(lat, 99);
  if (res.partial)
    s.error = "cut short";
  return s;
}

side_sample measure_side(run_settings cfg, overhead_side which,
                         live_counters& live) {
  cfg.remedy = which == overhead_side::remedy;
  cfg.relays = which == overhead_side::relays;
  return sample_of(run_once(cfg, live));
}

double overhead_round::ratio() const {
  if (without_remedy.cpu_per_request_ms <= 0)
    return 0;
  return with_remedy.cpu_per_request_ms / without_remedy.cpu_per_request_ms;
}

bool remedy_first_in(size_t index) {
  // caf, remedy | remedy, caf | caf, remedy | ...
  return index % 2 == 1;
}

overhead_summary summarize_rounds(const std::vector<overhead_round>& rounds) {
  overhead_summary s;
  std::vector<double> xs;
  for (auto& r : rounds)
    xs.push_back(r.ratio());
  if (xs.empty())
    return s;
  s.median = median(xs);
  s.min = percentile(xs, 0);
  s.max = percentile(xs, 100);
  return s;
}

} // namespace remedy::node
