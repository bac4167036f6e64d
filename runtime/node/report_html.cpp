#include "report_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace remedy::node {

namespace {

namespace json = boost::json;

// -- reading the report: every accessor tolerates missing and null fields ----

/// `v[key]` if `v` is an object holding a non-null `key`, else nullptr.
const json::value* get(const json::value* v, std::string_view key) {
  if (v == nullptr)
    return nullptr;
  auto* obj = v->if_object();
  if (obj == nullptr)
    return nullptr;
  auto* x = obj->if_contains(json::string_view{key.data(), key.size()});
  return x != nullptr && !x->is_null() ? x : nullptr;
}

/// Follows a path of keys.
template <class... Keys>
const json::value*
get(const json::value* v, std::string_view key, Keys... keys) {
  return get(get(v, key), keys...);
}

/// A number field; a non-finite one (Boost.JSON reads 1e400 as infinity)
/// counts as missing, so that no scale or loop meets an infinity.
std::optional<double> num(const json::value* v) {
  if (v == nullptr)
    return std::nullopt;
  if (v->is_double()) {
    auto x = v->get_double();
    if (!std::isfinite(x))
      return std::nullopt;
    return x;
  }
  if (v->is_int64())
    return static_cast<double>(v->get_int64());
  if (v->is_uint64())
    return static_cast<double>(v->get_uint64());
  return std::nullopt;
}

std::optional<bool> boolean(const json::value* v) {
  if (v == nullptr || !v->is_bool())
    return std::nullopt;
  return v->get_bool();
}

/// A string field as text; numbers and booleans are written out too (a
/// report that has an id as a number still shows it).
std::optional<std::string> text(const json::value* v) {
  if (v == nullptr)
    return std::nullopt;
  if (auto* s = v->if_string())
    return std::string{s->data(), s->size()};
  if (v->is_bool())
    return std::string{v->get_bool() ? "true" : "false"};
  if (v->is_int64())
    return std::to_string(v->get_int64());
  if (v->is_uint64())
    return std::to_string(v->get_uint64());
  if (auto x = num(v)) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.10g", *x);
    return std::string{buf};
  }
  return std::nullopt;
}

const json::array* array(const json::value* v) {
  return v != nullptr ? v->if_array() : nullptr;
}

const json::object* object(const json::value* v) {
  return v != nullptr ? v->if_object() : nullptr;
}

// -- writing HTML -------------------------------------------------------------

/// `x` with &, <, >, " and ' as entities: safe in text and in quoted
/// attributes.
std::string esc(std::string_view x) {
  std::string result;
  result.reserve(x.size());
  for (auto c : x) {
    switch (c) {
      case '&':
        result += "&amp;";
        break;
      case '<':
        result += "&lt;";
        break;
      case '>':
        result += "&gt;";
        break;
      case '"':
        result += "&quot;";
        break;
      case '\'':
        result += "&#39;";
        break;
      default:
        result += c;
    }
  }
  return result;
}

constexpr const char* na = "<span class=\"na\">n/a</span>";

std::string fixed(double x, int decimals) {
  if (!std::isfinite(x))
    return std::isnan(x) ? "NaN" : (x > 0 ? "+inf" : "-inf");
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, x);
  return buf;
}

/// A number with `decimals` digits, or n/a.
std::string fmt(std::optional<double> x, int decimals) {
  return x ? fixed(*x, decimals) : na;
}

/// A ratio (0..1) as a percentage.
std::string pct(std::optional<double> x, int decimals = 2) {
  return x ? fixed(*x * 100.0, decimals) + "&#8239;%" : na;
}

/// A count (no decimals).
std::string count(std::optional<double> x) {
  return fmt(x, 0);
}

std::string yes_no(std::optional<bool> x) {
  if (!x)
    return na;
  return *x ? "<span class=\"yes\">yes</span>" : "<span class=\"no\">no</span>";
}

std::string str_or_na(const json::value* v) {
  auto x = text(v);
  return x ? esc(*x) : na;
}

struct run_ref {
  const char* key;
  const char* title;
  const json::value* run;
};

// -- the page's sections
// --------------------------------------------------------

constexpr const char* style = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto;
       max-width: 1040px; color: #1d2330; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; }
h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #d5dae3;
     padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.meta { color: #566070; margin-top: 0; }
p.partial { background: #fff4d6; border: 1px solid #e6c15a; padding: 8px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d5dae3; padding: 4px 10px; text-align: right; }
th { background: #f1f3f7; }
td.l, th.l { text-align: left; }
tr.met td.verdict { color: #16794a; font-weight: 600; }
tr.missed td.verdict { color: #b3261e; font-weight: 600; }
span.yes { color: #16794a; } span.no { color: #b3261e; }
span.na { color: #9aa3b2; }
svg.timeline { display: block; margin: 6px 0 2px; background: #fff; }
svg .axis { stroke: #566070; stroke-width: 1; }
svg .grid { stroke: #e6e9ef; stroke-width: 1; }
svg text { font: 11px system-ui, sans-serif; fill: #3b4352; }
svg .avail { fill: none; stroke: #2463eb; stroke-width: 1.8; }
svg .p99 { fill: none; stroke: #8b3fd9; stroke-width: 1.8; }
svg .marker.fault line { stroke: #d32f2f; stroke-width: 1.5;
                         stroke-dasharray: 4 3; }
svg .marker.detection line { stroke: #ef8f00; stroke-width: 1;
                             stroke-dasharray: 2 2; }
svg .marker.healing line { stroke: #1b9e5a; stroke-width: 1.5; }
svg .marker line.hit { stroke: transparent; stroke-width: 8;
                       stroke-dasharray: none; }
ul.legend { list-style: none; padding: 0; margin: 0 0 8px; display: flex;
            gap: 18px; flex-wrap: wrap; color: #3b4352; }
ul.legend span { display: inline-block; width: 18px; height: 3px;
                 vertical-align: middle; margin-right: 6px; }
)";

void summary_row(std::string& out, const std::string& label,
                 const std::vector<run_ref>& runs,
                 std::string (*cell)(const json::value*)) {
  out += "<tr><th class=\"l\" scope=\"row\">" + esc(label) + "</th>";
  for (auto& r : runs)
    out += "<td>" + (r.run != nullptr ? cell(r.run) : std::string{na})
           + "</td>";
  out += "</tr>\n";
}

void summary(std::string& out, const std::vector<run_ref>& runs) {
  out += "<h2>Summary</h2>\n<table id=\"summary\">\n<thead><tr>"
         "<th class=\"l\">measure</th>";
  for (auto& r : runs)
    out += std::string{"<th>"} + r.title + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  using V = const json::value*;
  summary_row(out, "requests sent", runs,
              [](V r) { return count(num(get(r, "requests", "sent"))); });
  summary_row(out, "requests succeeded", runs,
              [](V r) { return count(num(get(r, "requests", "succeeded"))); });
  summary_row(out, "requests failed", runs,
              [](V r) { return count(num(get(r, "requests", "failed"))); });
  summary_row(out, "availability", runs,
              [](V r) { return pct(num(get(r, "availability")), 3); });
  summary_row(out, "throughput (req/s)", runs,
              [](V r) { return fmt(num(get(r, "throughput_rps")), 1); });
  summary_row(out, "latency p50 (ms)", runs,
              [](V r) { return fmt(num(get(r, "latency_ms", "p50")), 2); });
  summary_row(out, "latency p99 (ms)", runs,
              [](V r) { return fmt(num(get(r, "latency_ms", "p99")), 2); });
  summary_row(out, "warm-up throughput (req/s)", runs, [](V r) {
    return fmt(num(get(r, "warmup", "throughput_rps")), 1);
  });
  summary_row(out, "warm-up p50 / p99 (ms)", runs, [](V r) {
    return fmt(num(get(r, "warmup", "latency_ms", "p50")), 2) + " / "
           + fmt(num(get(r, "warmup", "latency_ms", "p99")), 2);
  });
  summary_row(out, "faults injected", runs, [](V r) {
    auto* xs = array(get(r, "faults"));
    return xs != nullptr ? std::to_string(xs->size()) : std::string{na};
  });
  summary_row(out, "faults detected", runs, [](V r) {
    auto* xs = array(get(r, "faults"));
    if (xs == nullptr)
      return std::string{na};
    size_t n = 0;
    for (auto& f : *xs)
      if (boolean(get(&f, "detected")).value_or(false))
        ++n;
    return std::to_string(n);
  });
  summary_row(out, "detection F1", runs,
              [](V r) { return fmt(num(get(r, "detection", "f1")), 3); });
  summary_row(out, "false positives", runs, [](V r) {
    return count(num(get(r, "detection", "false_positives")));
  });
  summary_row(out, "time to detect, mean / p95 (s)", runs, [](V r) {
    return fmt(num(get(r, "time_to_detect_s", "mean")), 2) + " / "
           + fmt(num(get(r, "time_to_detect_s", "p95")), 2);
  });
  summary_row(out, "time to recover, mean / p95 (s)", runs, [](V r) {
    return fmt(num(get(r, "time_to_recover_s", "mean")), 2) + " / "
           + fmt(num(get(r, "time_to_recover_s", "p95")), 2);
  });
  summary_row(out, "healings (succeeded / failed / abandoned)", runs, [](V r) {
    auto* h = get(r, "healings");
    if (h == nullptr)
      return std::string{na};
    return count(num(get(h, "succeeded"))) + " / "
           + count(num(get(h, "failed"))) + " / "
           + count(num(get(h, "abandoned")));
  });
  summary_row(out, "recovery rate", runs,
              [](V r) { return pct(num(get(r, "recovery_rate")), 1); });
  out += "</tbody>\n</table>\n";
}

void overhead(std::string& out, const json::value* report) {
  auto* o = get(report, "overhead");
  if (object(o) == nullptr)
    return;
  auto* rounds = array(get(o, "rounds"));
  auto paired = text(get(o, "method")) == std::optional<std::string>{
                  "paired_rounds"}
                && rounds != nullptr;
  out += "<h2>Overhead of Remedy</h2>\n<p>";
  out += paired ? "Median of " + std::to_string(rounds->size())
                    + " paired fault-free rounds (a run without Remedy and "
                      "one with it, back to back)."
                : std::string{"From the runs' warm-up windows (no overhead "
                              "round completed)."};
  out += "</p>\n<table id=\"overhead\">\n<thead><tr>"
         "<th class=\"l\">measure</th><th>with / without</th></tr></thead>\n"
         "<tbody>\n";
  const std::pair<const char*, const char*> rows[] = {
    {"throughput_ratio", "throughput ratio"},
    {"p50_ratio", "p50 latency ratio"},
    {"p99_ratio", "p99 latency ratio"},
    {"cpu_per_request_ratio", "CPU per request ratio"},
  };
  for (auto& [key, label] : rows)
    out += std::string{"<tr><th class=\"l\" scope=\"row\">"} + label
           + "</th><td>" + fmt(num(get(o, key)), 3) + "</td></tr>\n";
  out += "<tr><th class=\"l\" scope=\"row\">overhead</th><td>"
         + (num(get(o, "overhead_pct"))
              ? fixed(*num(get(o, "overhead_pct")), 1) + "&#8239;%"
              : std::string{na})
         + "</td></tr>\n</tbody>\n</table>\n";
  if (!paired || rounds->empty())
    return;
  out += "<table id=\"overhead-rounds\">\n<thead><tr><th>round</th>"
         "<th class=\"l\">order</th><th>CPU/request without (ms)</th>"
         "<th>CPU/request with (ms)</th><th>ratio</th></tr></thead>\n<tbody>\n";
  size_t i = 0;
  for (auto& r : *rounds)
    out += "<tr><td>" + std::to_string(++i) + "</td><td class=\"l\">"
           + str_or_na(get(&r, "order")) + "</td><td>"
           + fmt(num(get(&r, "without_cpu_per_request_ms")), 4) + "</td><td>"
           + fmt(num(get(&r, "with_cpu_per_request_ms")), 4) + "</td><td>"
           + fmt(num(get(&r, "cpu_per_request_ratio")), 3) + "</td></tr>\n";
  out += "</tbody>\n</table>\n";
}

void goals(std::string& out, const json::value* report) {
  auto* xs = array(get(report, "goals"));
  if (xs == nullptr)
    return;
  size_t met = 0;
  for (auto& g : *xs)
    if (boolean(get(&g, "met")).value_or(false))
      ++met;
  out += "<h2>Goals</h2>\n<p>" + std::to_string(met) + " of "
         + std::to_string(xs->size())
         + " goals met.</p>\n<table id=\"goals\">\n<thead><tr>"
           "<th class=\"l\">goal</th><th>value</th><th>target</th>"
           "<th class=\"l\">verdict</th></tr></thead>\n<tbody>\n";
  for (auto& g : *xs) {
    auto ok = boolean(get(&g, "met"));
    auto cls = !ok ? "unknown" : (*ok ? "met" : "missed");
    auto verdict = !ok ? std::string{na} : (*ok ? "met" : "missed");
    auto value = num(get(&g, "value"));
    out += std::string{"<tr class=\""} + cls + "\"><td class=\"l\">"
           + str_or_na(get(&g, "name")) + "</td><td>"
           + (value ? fixed(*value, 3) : str_or_na(get(&g, "value")))
           + "</td><td>" + str_or_na(get(&g, "goal"))
           + "</td><td class=\"l verdict\">" + verdict + "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n";
}

void detection(std::string& out, const std::vector<run_ref>& runs) {
  bool any = false;
  for (auto& r : runs)
    any = any || object(get(r.run, "detection", "per_class")) != nullptr;
  if (!any)
    return;
  out += "<h2>Detection per fault class</h2>\n";
  for (auto& r : runs) {
    auto* per_class = object(get(r.run, "detection", "per_class"));
    if (per_class == nullptr)
      continue;
    out += std::string{"<h3>"} + r.title
           + "</h3>\n<table class=\"detection\""
             " id=\"detection-"
           + r.key
           + "\">\n<thead><tr>"
             "<th class=\"l\">class</th><th>TP</th><th>FP</th><th>FN</th>"
             "<th>precision</th><th>recall</th><th>F1</th></tr></thead>\n"
             "<tbody>\n";
    for (auto& [name, c] : *per_class) {
      out += "<tr><td class=\"l\">"
             + esc(std::string_view{name.data(), name.size()}) + "</td><td>"
             + count(num(get(&c, "tp"))) + "</td><td>"
             + count(num(get(&c, "fp"))) + "</td><td>"
             + count(num(get(&c, "fn"))) + "</td><td>"
             + fmt(num(get(&c, "precision")), 3) + "</td><td>"
             + fmt(num(get(&c, "recall")), 3) + "</td><td>"
             + fmt(num(get(&c, "f1")), 3) + "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }
}

void healing(std::string& out, const std::vector<run_ref>& runs) {
  bool any = false;
  for (auto& r : runs)
    any = any || object(get(r.run, "healings", "by_strategy")) != nullptr;
  if (!any)
    return;
  out += "<h2>Healing by strategy</h2>\n";
  for (auto& r : runs) {
    auto* by = object(get(r.run, "healings", "by_strategy"));
    if (by == nullptr)
      continue;
    out += std::string{"<h3>"} + r.title
           + "</h3>\n<table class=\"healing\""
             " id=\"healing-"
           + r.key
           + "\">\n<thead><tr>"
             "<th class=\"l\">strategy</th><th>succeeded</th><th>failed</th>"
             "<th>abandoned</th></tr></thead>\n<tbody>\n";
    for (auto& [name, s] : *by)
      out += "<tr><td class=\"l\">"
             + esc(std::string_view{name.data(), name.size()}) + "</td><td>"
             + count(num(get(&s, "succeeded"))) + "</td><td>"
             + count(num(get(&s, "failed"))) + "</td><td>"
             + count(num(get(&s, "abandoned"))) + "</td></tr>\n";
    auto* h = get(r.run, "healings");
    out += "<tr><th class=\"l\" scope=\"row\">total "
           + count(num(get(h, "total"))) + "</th><td>"
           + count(num(get(h, "succeeded"))) + "</td><td>"
           + count(num(get(h, "failed"))) + "</td><td>"
           + count(num(get(h, "abandoned"))) + "</td></tr>\n";
    out += "</tbody>\n</table>\n";
  }
}

void faults(std::string& out, const std::vector<run_ref>& runs) {
  bool any = false;
  for (auto& r : runs)
    any = any || array(get(r.run, "faults")) != nullptr;
  if (!any)
    return;
  out += "<h2>Injected faults</h2>\n";
  for (auto& r : runs) {
    auto* xs = array(get(r.run, "faults"));
    if (xs == nullptr)
      continue;
    out
      += std::string{"<h3>"} + r.title
         + "</h3>\n<table class=\"faults\""
           " id=\"faults-"
         + r.key
         + "\">\n<thead><tr>"
           "<th>id</th><th class=\"l\">kind</th><th class=\"l\">target</th>"
           "<th>at (s)</th><th>detected</th><th class=\"l\">classified as</th>"
           "<th>correct</th><th>detect (s)</th><th>recover (s)</th>"
           "<th class=\"l\">healing</th></tr></thead>\n<tbody>\n";
    for (auto& f : *xs) {
      std::string heal = na;
      if (auto* h = get(&f, "healing")) {
        auto strategy = text(get(h, "strategy"));
        auto outcome = text(get(h, "outcome"));
        if (strategy || outcome)
          heal = esc(strategy.value_or("?")) + " &#8594; "
                 + esc(outcome.value_or("?"));
      }
      out += "<tr><td>" + str_or_na(get(&f, "id")) + "</td><td class=\"l\">"
             + str_or_na(get(&f, "kind")) + "</td><td class=\"l\">"
             + str_or_na(get(&f, "target")) + "</td><td>"
             + fmt(num(get(&f, "at_s")), 2) + "</td><td>"
             + yes_no(boolean(get(&f, "detected"))) + "</td><td class=\"l\">"
             + str_or_na(get(&f, "classified_as")) + "</td><td>"
             + yes_no(boolean(get(&f, "correct"))) + "</td><td>"
             + fmt(num(get(&f, "detect_s")), 3) + "</td><td>"
             + fmt(num(get(&f, "recover_s")), 3) + "</td><td class=\"l\">"
             + heal + "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }
}

// -- the timeline chart
// ---------------------------------------------------------

struct marker {
  /// "fault", "detection" or "healing".
  const char* kind;
  double t;
  std::string label;
};

/// A round step for about `n` ticks over [0, hi].
/// Never 0 nor infinite (the tick loops rely on it): 1 when [0, hi] is
/// too small or too large for a round step.
double tick_step(double hi, int n) {
  if (!(hi > 0) || !std::isfinite(hi))
    return 1;
  auto raw = hi / n;
  auto mag = std::pow(10.0, std::floor(std::log10(raw)));
  auto step = 10 * mag;
  for (auto m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  return step > 0 && std::isfinite(step) && hi / step <= 100 ? step : 1;
}

/// Trims a tick label: "2.50" -> "2.5", "3.00" -> "3".
std::string tick(double x) {
  auto s = fixed(x, 2);
  while (!s.empty() && s.back() == '0')
    s.pop_back();
  if (!s.empty() && s.back() == '.')
    s.pop_back();
  return s;
}

std::vector<marker> markers_of(const json::value* run) {
  std::vector<marker> result;
  // Faults come from the fault list (one marker per injected fault);
  // detections and healings from the event list. Without an event list, a
  // fault's healing is marked at its recovery time.
  auto* events = array(get(run, "events"));
  if (auto* xs = array(get(run, "faults"))) {
    for (auto& f : *xs) {
      auto at = num(get(&f, "at_s"));
      if (!at)
        continue;
      auto label = "fault " + text(get(&f, "id")).value_or("?") + ": "
                   + text(get(&f, "kind")).value_or("?") + " "
                   + text(get(&f, "target")).value_or("?") + " at "
                   + fixed(*at, 2) + " s";
      result.push_back({"fault", *at, std::move(label)});
      auto rec = num(get(&f, "recover_s"));
      auto* h = get(&f, "healing");
      if (events == nullptr && h != nullptr && rec)
        result.push_back({"healing", *at + *rec,
                          "healing: " + text(get(h, "strategy")).value_or("?")
                            + " " + text(get(&f, "target")).value_or("?") + " "
                            + text(get(h, "outcome")).value_or("?") + " at "
                            + fixed(*at + *rec, 2) + " s"});
    }
  } else if (events != nullptr) {
    for (auto& e : *events) {
      auto t = num(get(&e, "t_s"));
      if (t && text(get(&e, "type")).value_or("") == "fault")
        result.push_back({"fault", *t,
                          "fault: " + text(get(&e, "label")).value_or("")
                            + " at " + fixed(*t, 2) + " s"});
    }
  }
  if (events != nullptr) {
    for (auto& e : *events) {
      auto t = num(get(&e, "t_s"));
      auto type = text(get(&e, "type")).value_or("");
      if (!t)
        continue;
      auto label = text(get(&e, "label")).value_or("");
      if (type == "healing")
        result.push_back(
          {"healing", *t, "healing: " + label + " at " + fixed(*t, 2) + " s"});
      else if (type == "detection")
        result.push_back(
          {"detection", *t,
           "detection: " + label + " at " + fixed(*t, 2) + " s"});
    }
  }
  return result;
}

void timeline_chart(std::string& out, const run_ref& r, double duration) {
  auto* points = array(get(r.run, "timeline"));
  auto marks = markers_of(r.run);
  if (points == nullptr && marks.empty())
    return;
  // Geometry: two stacked panels sharing the time axis.
  constexpr double w = 960, left = 64, right = 16, top = 22;
  constexpr double panel = 150, gap = 44, bottom = 40;
  constexpr double h = top + panel + gap + panel + bottom;
  constexpr double pw = w - left - right;
  constexpr double y1 = top;               // availability panel's top
  constexpr double y2 = top + panel + gap; // p99 panel's top
  double t_max = duration > 0 ? duration : 0;
  double p99_max = 0;
  if (points != nullptr)
    for (auto& p : *points) {
      t_max = std::max(t_max, num(get(&p, "t_s")).value_or(0));
      p99_max = std::max(p99_max, num(get(&p, "p99_ms")).value_or(0));
    }
  for (auto& m : marks)
    t_max = std::max(t_max, m.t);
  if (!(t_max > 0))
    t_max = 1;
  auto t_step = tick_step(t_max, 10);
  t_max = std::max(t_step, std::ceil(t_max / t_step - 1e-9) * t_step);
  auto p_step = tick_step(p99_max > 0 ? p99_max : 1, 4);
  auto p_top = std::max(p_step, std::ceil(p99_max / p_step - 1e-9) * p_step);
  auto x_of = [&](double t) { return left + pw * t / t_max; };
  auto ya_of = [&](double a) {
    return y1 + panel * (1.0 - std::clamp(a, 0.0, 1.0));
  };
  auto yp_of = [&](double ms) {
    return y2 + panel * (1.0 - std::clamp(ms / p_top, 0.0, 1.0));
  };
  auto n = [](double x) { return fixed(x, 1); };
  out += std::string{"<h3>"} + r.title + "</h3>\n";
  out += "<ul class=\"legend\">"
         "<li><span style=\"background:#2463eb\"></span>availability</li>"
         "<li><span style=\"background:#8b3fd9\"></span>p99 latency</li>"
         "<li><span style=\"background:#d32f2f\"></span>injected fault</li>"
         "<li><span style=\"background:#ef8f00\"></span>detection</li>"
         "<li><span style=\"background:#1b9e5a\"></span>healing</li></ul>\n";
  out += std::string{"<svg class=\"timeline\" id=\"timeline-"} + r.key
         + "\" width=\"" + n(w) + "\" height=\"" + n(h) + "\" viewBox=\"0 0 "
         + n(w) + " " + n(h) + "\" role=\"img\">\n<title>" + r.title
         + ": availability and p99 latency over time</title>\n";
  // Grids and y labels.
  for (int i = 0; i <= 4; ++i) {
    auto a = i / 4.0;
    auto y = ya_of(a);
    out += "<line class=\"grid\" x1=\"" + n(left) + "\" y1=\"" + n(y)
           + "\" x2=\"" + n(left + pw) + "\" y2=\"" + n(y) + "\"></line>";
    out += "<text x=\"" + n(left - 6) + "\" y=\"" + n(y + 4)
           + "\" text-anchor=\"end\">" + tick(a * 100) + "%</text>\n";
  }
  for (double v = 0; v <= p_top + p_step / 2 && v / p_step < 101; v += p_step) {
    auto y = yp_of(v);
    out += "<line class=\"grid\" x1=\"" + n(left) + "\" y1=\"" + n(y)
           + "\" x2=\"" + n(left + pw) + "\" y2=\"" + n(y) + "\"></line>";
    out += "<text x=\"" + n(left - 6) + "\" y=\"" + n(y + 4)
           + "\" text-anchor=\"end\">" + tick(v) + "</text>\n";
  }
  // Axes, titles and time ticks (under both panels).
  for (auto top_y : {y1, y2}) {
    out += "<line class=\"axis\" x1=\"" + n(left) + "\" y1=\"" + n(top_y)
           + "\" x2=\"" + n(left) + "\" y2=\"" + n(top_y + panel)
           + "\"></line>";
    out += "<line class=\"axis\" x1=\"" + n(left) + "\" y1=\""
           + n(top_y + panel) + "\" x2=\"" + n(left + pw) + "\" y2=\""
           + n(top_y + panel) + "\"></line>\n";
    for (double t = 0; t <= t_max + t_step / 2 && t / t_step < 101; t += t_step)
      out += "<text x=\"" + n(x_of(t)) + "\" y=\"" + n(top_y + panel + 14)
             + "\" text-anchor=\"middle\">" + tick(t) + "</text>";
    out += "\n";
  }
  // Panel titles above the panels, clear of the curves.
  out += "<text x=\"" + n(left) + "\" y=\"" + n(y1 - 8)
         + "\">availability</text>\n";
  out += "<text x=\"" + n(left) + "\" y=\"" + n(y2 - 8)
         + "\">p99 latency (ms)</text>\n";
  out += "<text x=\"" + n(left + pw) + "\" y=\"" + n(h - 6)
         + "\" text-anchor=\"end\">time (s)</text>\n";
  // The curves.
  if (points != nullptr) {
    std::string avail;
    std::string p99;
    for (auto& p : *points) {
      auto t = num(get(&p, "t_s"));
      if (!t)
        continue;
      if (auto a = num(get(&p, "availability")))
        avail += n(x_of(*t)) + "," + n(ya_of(*a)) + " ";
      if (auto ms = num(get(&p, "p99_ms")))
        p99 += n(x_of(*t)) + "," + n(yp_of(*ms)) + " ";
    }
    if (!avail.empty())
      out += "<polyline class=\"avail\" points=\"" + avail
             + "\"><title>availability</title></polyline>\n";
    if (!p99.empty())
      out += "<polyline class=\"p99\" points=\"" + p99
             + "\"><title>p99 latency (ms)</title></polyline>\n";
  }
  // The markers, across both panels; a wide transparent line under each
  // makes its <title> easy to hover.
  for (auto& m : marks) {
    auto x = n(x_of(m.t));
    auto span = "x1=\"" + x + "\" y1=\"" + n(y1) + "\" x2=\"" + x + "\" y2=\""
                + n(y2 + panel) + "\"";
    out += std::string{"<g class=\"marker "} + m.kind + "\"><title>"
           + esc(m.label) + "</title><line class=\"hit\" " + span
           + "></line><line " + span + "></line></g>\n";
  }
  out += "</svg>\n";
}

void timelines(std::string& out, const json::value* report,
               const std::vector<run_ref>& runs) {
  auto duration = num(get(report, "duration_s")).value_or(0);
  bool any = false;
  for (auto& r : runs)
    any = any || array(get(r.run, "timeline")) != nullptr
          || array(get(r.run, "faults")) != nullptr
          || array(get(r.run, "events")) != nullptr;
  if (!any)
    return;
  out += "<h2>Timeline</h2>\n<p>Availability and p99 latency per interval; "
         "dashed red lines mark injected faults, dotted orange ones "
         "detections, green ones healings (hover a line for what it "
         "was).</p>\n";
  for (auto& r : runs)
    if (r.run != nullptr)
      timeline_chart(out, r, duration);
}

} // namespace

std::string render_report_html(const boost::json::value& report) {
  const json::value* root = &report;
  std::vector<run_ref> runs{
    {"without", "without Remedy", get(root, "runs", "without_remedy")},
    {"with", "with Remedy", get(root, "runs", "with_remedy")},
  };
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
         "\n<title>Remedy chaos report</title>\n<style>";
  out += style;
  out += "</style>\n</head>\n<body>\n<h1>Remedy chaos report</h1>\n";
  std::vector<std::string> meta;
  if (auto x = text(get(root, "seed")))
    meta.push_back("seed " + esc(*x));
  if (auto x = num(get(root, "duration_s")))
    meta.push_back(fixed(*x, 1) + " s per run");
  if (auto x = num(get(root, "workers")))
    meta.push_back(fixed(*x, 0) + " workers");
  if (auto x = num(get(root, "load_rps")))
    meta.push_back(fixed(*x, 0) + " req/s offered");
  if (auto x = text(get(root, "remedy_node_report")))
    meta.push_back("report format " + esc(*x));
  if (!meta.empty()) {
    out += "<p class=\"meta\">";
    for (size_t i = 0; i < meta.size(); ++i)
      out += (i > 0 ? " &#183; " : "") + meta[i];
    out += "</p>\n";
  }
  if (boolean(get(root, "partial")).value_or(false))
    out += "<p class=\"partial\">Partial run: the scenario stopped before "
           "its end; the figures cover what ran.</p>\n";
  if (object(root) == nullptr)
    out += "<p class=\"partial\">The report is not a JSON object: nothing "
           "to show.</p>\n";
  summary(out, runs);
  overhead(out, root);
  goals(out, root);
  detection(out, runs);
  healing(out, runs);
  faults(out, runs);
  timelines(out, root, runs);
  out += "</body>\n</html>\n";
  return out;
}

} // namespace remedy::node
