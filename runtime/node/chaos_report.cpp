#include "chaos_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "remedy/core/percentile.hpp"

namespace remedy::node {

namespace json = boost::json;

namespace {

json::value opt(const std::optional<double>& x) {
  return x ? json::value(*x) : json::value(nullptr);
}

double round_to(double x, double unit) {
  return std::round(x / unit) * unit;
}

json::object latency_obj(std::vector<double> ms) {
  json::object o;
  o["p50"] = opt(pct(ms, 50));
  o["p99"] = opt(pct(ms, 99));
  return o;
}

const char* healing_kind_name(healing_event_kind k) {
  return to_string(k);
}

} // namespace

json::object run_json(const run_result& run,
                      const std::vector<planned_fault>& plan,
                      const run_shape& shape) {
  json::object o;
  // -- requests ---------------------------------------------------------------
  uint64_t sent = run.requests.size();
  uint64_t ok = 0;
  std::vector<double> lat;
  lat.reserve(run.requests.size());
  for (auto& r : run.requests)
    if (r.ok) {
      ++ok;
      lat.push_back(r.latency_ms);
    }
  o["requests"] = {{"sent", sent}, {"succeeded", ok}, {"failed", sent - ok}};
  o["availability"] = sent > 0 ? json::value(static_cast<double>(ok)
                                             / static_cast<double>(sent))
                               : json::value(nullptr);
  o["throughput_rps"] = run.load_s > 0 ? static_cast<double>(ok) / run.load_s
                                       : 0.0;
  o["load_s"] = run.load_s;
  o["latency_ms"] = latency_obj(lat);
  // -- warm-up ----------------------------------------------------------------
  {
    auto win = requests_in_window(run);
    auto& wl = win.ok_latencies_ms;
    uint64_t wsent = win.sent;
    double span = win.span_s;
    json::object w;
    w["from_s"] = run.warmup_from_s;
    w["to_s"] = run.warmup_to_s;
    w["requests"] = wsent;
    w["throughput_rps"] = span > 0 ? static_cast<double>(wl.size()) / span
                                   : 0.0;
    w["latency_ms"] = latency_obj(wl);
    w["cpu_s"] = run.warmup_cpu_s;
    w["client_cpu_s"] = run.warmup_client_cpu_s;
    w["service_cpu_s"] = run.warmup_cpu_s - run.warmup_client_cpu_s;
    w["cpu_per_request_ms"]
      = wsent > 0 ? 1000.0 * (run.warmup_cpu_s - run.warmup_client_cpu_s)
                      / static_cast<double>(wsent)
                  : 0.0;
    o["warmup"] = std::move(w);
  }
  // -- injected faults (as performed) -----------------------------------------
  std::map<uint32_t, const planned_fault*> plan_of;
  for (auto& p : plan)
    plan_of[p.id] = &p;
  auto secs = [&](steady::time_point t) {
    return std::chrono::duration<double>(t - run.start).count();
  };
  std::vector<injected_fault> injected;
  for (auto& p : run.ledger.performed) {
    injected_fault f;
    f.id = p.id;
    f.kind = p.kind;
    f.target = "svc/worker-" + std::to_string(p.slot);
    f.at_s = secs(p.at);
    if (auto i = plan_of.find(p.id); i != plan_of.end())
      f.group = i->second->group;
    for (auto& [id, t] : run.ledger.healthy)
      if (id == p.id)
        f.healthy_s = secs(t);
    if (p.kind == fault_kind::leak)
      for (auto& [slot, t] : run.ledger.exhausted)
        if (slot == p.slot && t >= p.at && !f.exhausted_s)
          f.exhausted_s = secs(t);
    injected.push_back(std::move(f));
  }
  std::sort(injected.begin(), injected.end(),
            [](auto& a, auto& b) { return a.at_s < b.at_s; });
  // -- raised faults ----------------------------------------------------------
  std::vector<raised_fault> raised;
  std::map<uint64_t, size_t> raised_index;
  for (auto& ev : run.faults) {
    if (ev.raised) {
      if (raised_index.count(ev.id) == 0) {
        raised_index[ev.id] = raised.size();
        raised.push_back(
          {ev.id, ev.cls, ev.target, ev.at_s, std::nullopt, ev.evidence});
      }
    } else if (auto i = raised_index.find(ev.id); i != raised_index.end()) {
      raised[i->second].cleared_s = ev.at_s;
    }
  }
  auto m = match_faults(injected, raised);
  // -- healings ---------------------------------------------------------------
  std::vector<healing_attempt> attempts;
  std::map<std::pair<uint64_t, uint32_t>, size_t> attempt_index;
  for (auto& h : run.healings) {
    if (h.healing == 0)
      continue;
    auto key = std::make_pair(h.healing, h.attempt);
    if (h.kind == healing_event_kind::decided) {
      if (attempt_index.count(key) == 0) {
        attempt_index[key] = attempts.size();
        attempts.push_back({h.healing, h.attempt, h.fault, h.target,
                            h.strategy, "", h.at_s});
      }
      continue;
    }
    auto i = attempt_index.find(key);
    if (i == attempt_index.end())
      continue;
    auto& a = attempts[i->second];
    using k = healing_event_kind;
    if (h.kind == k::succeeded)
      a.outcome = "succeeded";
    else if (h.kind == k::failed)
      a.outcome = "failed";
    else if (h.kind == k::abandoned || h.kind == k::undone)
      a.outcome = "abandoned";
  }
  auto t = tally(attempts);
  // -- per fault --------------------------------------------------------------
  json::array faults;
  std::vector<double> ttd, ttr;
  uint64_t recovered = 0, leaks = 0, leaks_predicted = 0, detected = 0,
           correct = 0;
  for (size_t i = 0; i < injected.size(); ++i) {
    auto& f = injected[i];
    auto& out = m.outcomes[i];
    json::object fo;
    fo["id"] = f.id;
    fo["kind"] = to_string(f.kind);
    fo["target"] = f.target;
    fo["at_s"] = round_to(f.at_s, 0.001);
    if (f.group != 0)
      fo["group"] = f.group;
    fo["expected_class"] = to_string(expected_class(f.kind));
    if (run.remedy) {
      fo["detected"] = out.detected;
      fo["classified_as"] = out.classified_as
                              ? json::value(to_string(*out.classified_as))
                              : json::value(nullptr);
      fo["correct"] = out.correct;
      fo["detect_s"] = opt(out.detect_s);
    } else {
      fo["detected"] = false;
      fo["classified_as"] = nullptr;
      fo["correct"] = false;
      fo["detect_s"] = nullptr;
    }
    std::optional<double> rec = out.recover_s;
    if (!run.remedy && f.healthy_s)
      rec = *f.healthy_s - f.at_s;
    fo["recover_s"] = opt(rec);
    if (f.kind == fault_kind::leak) {
      ++leaks;
      fo["exhausted_s"] = f.exhausted_s
                            ? json::value(*f.exhausted_s - f.at_s)
                            : json::value(nullptr);
      bool in_time = run.remedy && out.predicted_in_time;
      fo["predicted_in_time"] = in_time;
      if (in_time)
        ++leaks_predicted;
    }
    // The last healing attempt on a fault raised for it.
    const healing_attempt* last = nullptr;
    for (auto& a : attempts)
      if (std::find(out.faults.begin(), out.faults.end(), a.fault)
          != out.faults.end())
        last = &a;
    if (last)
      fo["healing"] = {{"strategy", last->strategy},
                       {"outcome", last->outcome.empty() ? "abandoned"
                                                         : last->outcome}};
    else
      fo["healing"] = nullptr;
    if (run.remedy && out.detected) {
      ++detected;
      ttd.push_back(*out.detect_s);
    }
    if (out.correct)
      ++correct;
    if (rec) {
      ++recovered;
      ttr.push_back(*rec);
    }
    faults.push_back(std::move(fo));
  }
  o["faults"] = std::move(faults);
  o["faults_injected"] = injected.size();
  o["faults_planned"] = plan.size();
  o["faults_detected"] = detected;
  o["faults_classified_correctly"] = correct;
  o["faults_missed"] = run.remedy ? injected.size() - detected
                                  : injected.size();
  o["faults_recovered"] = recovered;
  o["leaks"] = {{"injected", leaks}, {"predicted_in_time", leaks_predicted}};
  if (run.remedy) {
    json::object pc;
    for (auto& [cls, s] : m.per_class)
      pc[to_string(cls)] = {{"tp", s.tp},        {"fp", s.fp},
                            {"fn", s.fn},        {"precision", s.precision},
                            {"recall", s.recall}, {"f1", s.f1}};
    json::array fps;
    for (auto id : m.false_positives)
      for (auto& r : raised)
        if (r.id == id)
          fps.push_back({{"class", to_string(r.cls)},
                         {"target", r.target},
                         {"at_s", round_to(r.raised_s, 0.001)},
                         {"evidence", r.evidence}});
    o["detection"] = {{"per_class", std::move(pc)},
                      {"f1", m.overall.f1},
                      {"precision", m.overall.precision},
                      {"recall", m.overall.recall},
                      {"false_positives", m.false_positives.size()},
                      {"false_positive_list", std::move(fps)},
                      {"symptoms", m.symptoms},
                      {"duplicates", m.duplicates},
                      {"raised", raised.size()}};
  } else {
    o["detection"] = nullptr;
  }
  auto sum_obj = [](const std::vector<double>& xs) {
    auto s = summarize(xs);
    return json::object{{"mean", opt(s.mean)}, {"p95", opt(s.p95)},
                        {"n", xs.size()}};
  };
  o["time_to_detect_s"] = run.remedy ? json::value(sum_obj(ttd))
                                     : json::value(nullptr);
  o["time_to_recover_s"] = sum_obj(ttr);
  {
    json::object bs;
    for (auto& [name, row] : t.by_strategy)
      bs[name] = {{"succeeded", row.succeeded},
                  {"failed", row.failed},
                  {"abandoned", row.abandoned}};
    o["healings"] = {{"total", t.total},
                     {"succeeded", t.succeeded},
                     {"failed", t.failed},
                     {"abandoned", t.abandoned},
                     {"by_strategy", std::move(bs)}};
    o["healing_success_rate"] = t.total > 0
                                  ? json::value(static_cast<double>(t.succeeded)
                                                / static_cast<double>(t.total))
                                  : json::value(nullptr);
  }
  o["recovery_rate"] = injected.empty()
                         ? json::value(nullptr)
                         : json::value(static_cast<double>(recovered)
                                       / static_cast<double>(injected.size()));
  // -- timeline ---------------------------------------------------------------
  {
    double len = std::chrono::duration<double>(shape.length).count();
    double step = len <= 20 ? 0.25 : 0.5;
    auto buckets = static_cast<size_t>(std::ceil(run.load_s / step));
    std::vector<std::vector<double>> lats(buckets);
    std::vector<uint64_t> n(buckets), bad(buckets);
    for (auto& r : run.requests) {
      auto b = static_cast<size_t>(r.sent_s / step);
      if (b >= buckets)
        continue;
      ++n[b];
      if (r.ok)
        lats[b].push_back(r.latency_ms);
      else
        ++bad[b];
    }
    json::array tl;
    for (size_t b = 0; b < buckets; ++b)
      tl.push_back({{"t_s", round_to(step * static_cast<double>(b + 1), 0.001)},
                    {"requests", n[b]},
                    {"failed", bad[b]},
                    {"availability",
                     n[b] > 0 ? json::value(static_cast<double>(n[b] - bad[b])
                                            / static_cast<double>(n[b]))
                              : json::value(nullptr)},
                    {"p50_ms", opt(pct(lats[b], 50))},
                    {"p99_ms", opt(pct(lats[b], 99))}});
    o["timeline"] = std::move(tl);
  }
  // -- events -----------------------------------------------------------------
  {
    std::vector<std::pair<double, json::object>> evs;
    for (auto& f : injected)
      evs.push_back({f.at_s,
                     {{"t_s", round_to(f.at_s, 0.001)},
                      {"type", "fault"},
                      {"label", std::string{to_string(f.kind)} + " "
                                  + f.target}}});
    for (auto& r : raised) {
      evs.push_back({r.raised_s,
                     {{"t_s", round_to(r.raised_s, 0.001)},
                      {"type", "detection"},
                      {"label", std::string{to_string(r.cls)} + " "
                                  + r.target}}});
      if (r.cleared_s)
        evs.push_back({*r.cleared_s,
                       {{"t_s", round_to(*r.cleared_s, 0.001)},
                        {"type", "cleared"},
                        {"label", std::string{to_string(r.cls)} + " "
                                    + r.target}}});
    }
    for (auto& h : run.healings) {
      using k = healing_event_kind;
      if (h.kind != k::succeeded && h.kind != k::failed
          && h.kind != k::abandoned && h.kind != k::acted)
        continue;
      evs.push_back({h.at_s,
                     {{"t_s", round_to(h.at_s, 0.001)},
                      {"type", "healing"},
                      {"label", h.strategy + " " + h.target + " "
                                  + healing_kind_name(h.kind)}}});
    }
    std::stable_sort(evs.begin(), evs.end(),
                     [](auto& a, auto& b) { return a.first < b.first; });
    json::array arr;
    for (auto& e : evs)
      arr.push_back(std::move(e.second));
    o["events"] = std::move(arr);
  }
  return o;
}

json::value build_report(const scenario_options& opts, const run_shape& shape,
                         uint64_t iterations, const run_result* without,
                         const run_result* with, bool partial,
                         const overhead_measurement& overhead_rounds) {
  json::object r;
  r["remedy_node_report"] = 1;
  r["seed"] = opts.seed;
  r["duration_s"] = std::chrono::duration<double>(opts.duration).count();
  r["run_length_s"] = std::chrono::duration<double>(shape.length).count();
  r["warmup_s"] = std::chrono::duration<double>(shape.warmup).count();
  r["workers"] = opts.workers;
  r["load_rps"] = opts.load_rps;
  r["work_iterations"] = iterations;
  r["partial"] = partial;
  auto plan = plan_faults(opts.seed, shape);
  json::object runs;
  runs["without_remedy"] = without ? json::value(run_json(*without, plan, shape))
                                   : json::value(nullptr);
  runs["with_remedy"] = with ? json::value(run_json(*with, plan, shape))
                             : json::value(nullptr);
  // -- overhead ---------------------------------------------------------------
  // The median of the paired fault-free rounds; the runs' warm-up windows
  // (one per run, seconds apart) are kept as a second, noisier estimate and
  // stand in when no round completed.
  json::value overhead = nullptr;
  auto num = [](const json::value& v) -> std::optional<double> {
    if (v.is_double())
      return v.as_double();
    if (v.is_int64())
      return static_cast<double>(v.as_int64());
    if (v.is_uint64())
      return static_cast<double>(v.as_uint64());
    return std::nullopt;
  };
  auto ratio_of = [](double u, double v) -> json::value {
    if (u <= 0 || v <= 0)
      return nullptr;
    return v / u;
  };
  json::value warmup_ratio = nullptr;
  json::object warmup_ratios;
  if (without && with) {
    auto& a = runs["without_remedy"].as_object()["warmup"].as_object();
    auto& b = runs["with_remedy"].as_object()["warmup"].as_object();
    auto ratio = [&](const json::value& x, const json::value& y) -> json::value {
      auto u = num(x), v = num(y);
      if (!u || !v)
        return nullptr;
      return ratio_of(*u, *v);
    };
    warmup_ratios["throughput_ratio"]
      = ratio(a["throughput_rps"], b["throughput_rps"]);
    warmup_ratios["p50_ratio"] = ratio(a["latency_ms"].as_object()["p50"],
                                       b["latency_ms"].as_object()["p50"]);
    warmup_ratios["p99_ratio"] = ratio(a["latency_ms"].as_object()["p99"],
                                       b["latency_ms"].as_object()["p99"]);
    warmup_ratio = ratio(a["cpu_per_request_ms"], b["cpu_per_request_ms"]);
    warmup_ratios["cpu_per_request_ratio"] = warmup_ratio;
  }
  json::object o;
  o["rounds_requested"] = overhead_rounds.requested;
  o["round_length_s"]
    = std::chrono::duration<double>(overhead_rounds.round_length).count();
  json::array rounds;
  std::vector<double> tput, p50, p99;
  for (auto& rd : overhead_rounds.rounds) {
    auto& a = rd.without_remedy;
    auto& b = rd.with_remedy;
    json::object x;
    x["order"] = rd.remedy_first ? "with first" : "without first";
    x["without_cpu_per_request_ms"] = a.cpu_per_request_ms;
    x["with_cpu_per_request_ms"] = b.cpu_per_request_ms;
    x["cpu_per_request_ratio"] = rd.ratio();
    x["without_requests"] = a.requests;
    x["with_requests"] = b.requests;
    x["without_p99_ms"] = a.p99_ms;
    x["with_p99_ms"] = b.p99_ms;
    rounds.push_back(std::move(x));
    if (auto v = ratio_of(a.rps, b.rps); v.is_double())
      tput.push_back(v.as_double());
    if (auto v = ratio_of(a.p50_ms, b.p50_ms); v.is_double())
      p50.push_back(v.as_double());
    if (auto v = ratio_of(a.p99_ms, b.p99_ms); v.is_double())
      p99.push_back(v.as_double());
  }
  auto med = [](const std::vector<double>& xs) -> json::value {
    if (xs.empty())
      return nullptr;
    return median(xs);
  };
  if (!overhead_rounds.rounds.empty()) {
    auto sum = summarize_rounds(overhead_rounds.rounds);
    o["method"] = "paired_rounds";
    o["cpu_per_request_ratio"] = sum.median;
    o["ratio_min"] = sum.min;
    o["ratio_max"] = sum.max;
    o["throughput_ratio"] = med(tput);
    o["p50_ratio"] = med(p50);
    o["p99_ratio"] = med(p99);
    o["overhead_pct"] = (sum.median - 1.0) * 100.0;
    o["definition"]
      = "median over paired fault-free rounds (one run without Remedy and "
        "one with it, back to back, the order alternating) of the service "
        "CPU per request with Remedy over without, minus 1; service CPU is "
        "the process's user + system time from getrusage minus the client "
        "thread's own, over each run's measured window";
  } else if (auto w = num(warmup_ratio)) {
    o["method"] = "warmup_windows";
    o["cpu_per_request_ratio"] = *w;
    o["throughput_ratio"] = warmup_ratios["throughput_ratio"];
    o["p50_ratio"] = warmup_ratios["p50_ratio"];
    o["p99_ratio"] = warmup_ratios["p99_ratio"];
    o["overhead_pct"] = (*w - 1.0) * 100.0;
    o["definition"]
      = "service CPU per request in the fault-free warm-up of each run "
        "(one window per run), with Remedy over without, minus 1; no "
        "overhead round completed";
  }
  o["rounds"] = std::move(rounds);
  o["warmup_windows"] = std::move(warmup_ratios);
  if (o.contains("method"))
    overhead = std::move(o);
  // -- goals ------------------------------------------------------------------
  json::array goals;
  auto goal = [&](const char* name, json::value value, const char* text,
                  bool met) {
    goals.push_back(
      {{"name", name}, {"value", value}, {"goal", text}, {"met", met}});
  };
  if (with) {
    auto& w = runs["with_remedy"].as_object();
    auto f1 = num(w["detection"].as_object()["f1"]);
    goal("detection F1", f1 ? json::value(*f1) : json::value(nullptr),
         ">= 0.95", f1 && *f1 >= 0.95);
    auto rec = num(w["recovery_rate"]);
    goal("verified recovery", rec ? json::value(*rec) : json::value(nullptr),
         ">= 0.95", rec && *rec >= 0.95);
    auto av = num(w["availability"]);
    goal("availability with Remedy", av ? json::value(*av) : json::value(nullptr),
         ">= 0.999", av && *av >= 0.999);
    auto& leaks = w["leaks"].as_object();
    auto li = leaks["injected"].to_number<uint64_t>();
    auto lp = leaks["predicted_in_time"].to_number<uint64_t>();
    goal("leaks predicted before exhaustion",
         li > 0 ? json::value(static_cast<double>(lp) / static_cast<double>(li))
                : json::value(nullptr),
         "every leak (1.0)", li > 0 && lp == li);
  }
  if (!overhead.is_null()) {
    auto pctv = num(overhead.as_object()["overhead_pct"]);
    goal("overhead", pctv ? json::value(*pctv) : json::value(nullptr),
         "< 5 %", pctv && *pctv < 5.0);
  }
  r["goals"] = std::move(goals);
  r["overhead"] = std::move(overhead);
  r["runs"] = std::move(runs);
  return r;
}

// -- text -------------------------------------------------------------------------

namespace {

std::string fmt(const json::value& v, const char* f = "%.3f") {
  if (v.is_null())
    return "-";
  char buf[64];
  if (v.is_double())
    std::snprintf(buf, sizeof buf, f, v.as_double());
  else if (v.is_int64())
    std::snprintf(buf, sizeof buf, "%lld",
                  static_cast<long long>(v.as_int64()));
  else if (v.is_uint64())
    std::snprintf(buf, sizeof buf, "%llu",
                  static_cast<unsigned long long>(v.as_uint64()));
  else if (v.is_bool())
    return v.as_bool() ? "yes" : "no";
  else if (v.is_string())
    return std::string{v.as_string().c_str()};
  else
    return "?";
  return buf;
}

const json::value& at(const json::value& v, std::initializer_list<const char*> path) {
  static const json::value null_value;
  const json::value* cur = &v;
  for (auto key : path) {
    if (!cur->is_object())
      return null_value;
    auto* next = cur->as_object().if_contains(key);
    if (!next)
      return null_value;
    cur = next;
  }
  return *cur;
}

std::string pad(std::string x, size_t n) {
  if (x.size() < n)
    x.append(n - x.size(), ' ');
  return x;
}

} // namespace

void print_report(const json::value& report, std::ostream& os, bool quiet) {
  auto& a = at(report, {"runs", "without_remedy"});
  auto& b = at(report, {"runs", "with_remedy"});
  if (!quiet) {
    os << "\nremedy-node chaos scenario: seed " << fmt(at(report, {"seed"}))
       << ", " << fmt(at(report, {"workers"})) << " workers, "
       << fmt(at(report, {"load_rps"}), "%.0f") << " requests/s, "
       << fmt(at(report, {"run_length_s"}), "%.1f") << " s per run"
       << (at(report, {"partial"}).is_bool()
               && at(report, {"partial"}).as_bool()
             ? " (PARTIAL: interrupted)"
             : "")
       << "\n\n";
    auto row = [&](const char* name, std::initializer_list<const char*> path,
                   const char* f = "%.3f") {
      os << "  " << pad(name, 34) << pad(fmt(at(a, path), f), 16)
         << fmt(at(b, path), f) << '\n';
    };
    os << "  " << pad("", 34) << pad("without Remedy", 16) << "with Remedy\n";
    row("requests sent", {"requests", "sent"});
    row("requests succeeded", {"requests", "succeeded"});
    row("requests failed", {"requests", "failed"});
    row("availability", {"availability"}, "%.5f");
    row("throughput (answers/s)", {"throughput_rps"}, "%.1f");
    row("latency p50 (ms)", {"latency_ms", "p50"}, "%.2f");
    row("latency p99 (ms)", {"latency_ms", "p99"}, "%.2f");
    row("faults injected (performed)", {"faults_injected"});
    row("faults detected", {"faults_detected"});
    row("classified correctly", {"faults_classified_correctly"});
    row("detection F1 (micro)", {"detection", "f1"});
    row("false positives", {"detection", "false_positives"});
    row("time to detect mean (s)", {"time_to_detect_s", "mean"});
    row("time to detect p95 (s)", {"time_to_detect_s", "p95"});
    row("faults recovered", {"faults_recovered"});
    row("recovery rate", {"recovery_rate"});
    row("time to recover mean (s)", {"time_to_recover_s", "mean"});
    row("time to recover p95 (s)", {"time_to_recover_s", "p95"});
    row("healings", {"healings", "total"});
    row("healings succeeded", {"healings", "succeeded"});
    row("healings failed", {"healings", "failed"});
    row("healings abandoned", {"healings", "abandoned"});
    row("leaks predicted in time", {"leaks", "predicted_in_time"});
    row("warm-up p50 (ms)", {"warmup", "latency_ms", "p50"}, "%.2f");
    row("warm-up p99 (ms)", {"warmup", "latency_ms", "p99"}, "%.2f");
    row("warm-up CPU per request (ms)", {"warmup", "cpu_per_request_ms"},
        "%.4f");
    if (b.is_object()) {
      os << "\n  per class (with Remedy):   tp  fp  fn  precision  recall  f1\n";
      auto& pc = at(b, {"detection", "per_class"});
      if (pc.is_object())
        for (auto& kv : pc.as_object()) {
          auto& s = kv.value();
          os << "    " << pad(std::string{kv.key()}, 30)
             << pad(fmt(at(s, {"tp"})), 4) << pad(fmt(at(s, {"fp"})), 4)
             << pad(fmt(at(s, {"fn"})), 4) << pad(fmt(at(s, {"precision"})), 11)
             << pad(fmt(at(s, {"recall"})), 8) << fmt(at(s, {"f1"})) << '\n';
        }
      os << "\n  faults (with Remedy):\n";
      auto& fs = at(b, {"faults"});
      if (fs.is_array())
        for (auto& f : fs.as_array())
          os << "    #" << pad(fmt(at(f, {"id"})), 3) << pad(fmt(at(f, {"kind"})), 12)
             << pad(fmt(at(f, {"target"})), 14) << "at "
             << pad(fmt(at(f, {"at_s"}), "%.2f"), 7) << "-> "
             << pad(fmt(at(f, {"classified_as"})), 31) << "detect "
             << pad(fmt(at(f, {"detect_s"}), "%.3f"), 7) << "recover "
             << pad(fmt(at(f, {"recover_s"}), "%.2f"), 6) << "healing "
             << fmt(at(f, {"healing", "strategy"})) << " "
             << fmt(at(f, {"healing", "outcome"})) << '\n';
    }
    auto& ov = at(report, {"overhead"});
    if (ov.is_object())
      os << "\n  overhead (" << fmt(at(ov, {"method"})) << "): CPU per "
         << "request x" << fmt(at(ov, {"cpu_per_request_ratio"})) << " ["
         << fmt(at(ov, {"ratio_min"})) << ", " << fmt(at(ov, {"ratio_max"}))
         << "], p50 x"
         << fmt(at(ov, {"p50_ratio"})) << ", p99 x"
         << fmt(at(ov, {"p99_ratio"})) << ", throughput x"
         << fmt(at(ov, {"throughput_ratio"})) << '\n';
    os << '\n';
  }
  bool all = true;
  auto& goals = at(report, {"goals"});
  if (goals.is_array()) {
    for (auto& g : goals.as_array()) {
      bool met = at(g, {"met"}).is_bool() && at(g, {"met"}).as_bool();
      all = all && met;
      os << (met ? "  [met]     " : "  [NOT MET] ") << pad(fmt(at(g, {"name"})), 34)
         << pad(fmt(at(g, {"value"}), "%.4f"), 10) << fmt(at(g, {"goal"}))
         << '\n';
    }
  }
  os << (all && goals.is_array() && !goals.as_array().empty()
           ? "all goals met\n"
           : "goals NOT all met\n");
}

} // namespace remedy::node
