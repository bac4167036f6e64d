// The chaos report's HTML page (runtime/node/report_html.hpp): well formed
// (every tag we open is closed, in order), self-contained (no script, no
// external reference), text escaped, one marker per fault and healing, and
// a report with fields missing or null still renders.

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "node/report_html.hpp"

using remedy::node::render_report_html;

namespace {

boost::json::value load_sample() {
  std::ifstream in{REMEDY_SOURCE_DIR "/tests/data/report_sample.json"};
  REQUIRE(in);
  std::string text{std::istreambuf_iterator<char>{in},
                   std::istreambuf_iterator<char>{}};
  return boost::json::parse(text);
}

/// Number of non-overlapping occurrences of `needle` in `s`.
size_t occurrences(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (auto pos = s.find(needle); pos != std::string::npos;
       pos = s.find(needle, pos + needle.size()))
    ++n;
  return n;
}

/// Checks that every tag the page opens is closed in order (HTML's void
/// elements and `<.../>` excepted), that attribute values are quoted and
/// hold no raw '<' or '>', and that text holds no raw '<' or '>'. Returns
/// the first violation with where it is (empty if none) and counts the
/// tags by name in `seen`.
std::string well_formed_error(const std::string& html,
                              std::map<std::string, size_t>& seen) {
  static const std::set<std::string> void_tags = {"meta", "br",   "hr",
                                                  "img",  "link", "input"};
  std::vector<std::string> open;
  size_t pos = 0;
  auto at = [&](const std::string& why) {
    auto from = pos > 40 ? pos - 40 : 0;
    return why + " at offset " + std::to_string(pos) + ": "
           + html.substr(from, 120);
  };
  while (pos < html.size()) {
    auto lt = html.find('<', pos);
    auto text_end = lt == std::string::npos ? html.size() : lt;
    auto gt = html.find('>', pos);
    if (gt < text_end) {
      pos = gt;
      return at("raw '>' in text");
    }
    if (lt == std::string::npos)
      break;
    pos = lt;
    if (html.compare(pos, 9, "<!DOCTYPE") == 0) {
      pos = html.find('>', pos) + 1;
      continue;
    }
    auto closing = pos + 1 < html.size() && html[pos + 1] == '/';
    auto name_start = pos + (closing ? 2 : 1);
    auto name_end = name_start;
    while (name_end < html.size()
           && (std::isalnum(static_cast<unsigned char>(html[name_end]))
               || html[name_end] == '-'))
      ++name_end;
    auto name = html.substr(name_start, name_end - name_start);
    if (name.empty())
      return at("'<' that starts no tag");
    // Attributes: name="value" pairs up to '>' or '/>'.
    auto i = name_end;
    bool self_closing = false;
    for (;;) {
      while (i < html.size() && html[i] == ' ')
        ++i;
      if (i >= html.size())
        return at("unterminated tag");
      if (html[i] == '>')
        break;
      if (html.compare(i, 2, "/>") == 0) {
        self_closing = true;
        ++i;
        break;
      }
      if (closing)
        return at("attribute in a closing tag");
      auto eq = html.find('=', i);
      if (eq == std::string::npos || eq + 1 >= html.size()
          || html[eq + 1] != '"')
        return at("unquoted attribute");
      auto end = html.find('"', eq + 2);
      if (end == std::string::npos)
        return at("unterminated attribute");
      auto value = html.substr(eq + 2, end - eq - 2);
      if (value.find('<') != std::string::npos
          || value.find('>') != std::string::npos)
        return at("raw '<' or '>' in an attribute");
      i = end + 1;
    }
    pos = i + 1;
    if (closing) {
      if (open.empty() || open.back() != name)
        return at("</" + name + "> closes "
                  + (open.empty() ? std::string{"nothing"} : open.back()));
      open.pop_back();
      continue;
    }
    ++seen[name];
    if (self_closing || void_tags.count(name) > 0)
      continue;
    open.push_back(name);
    if (name == "style") {
      // CSS may hold '>' (selectors); skip to the closing tag.
      auto end = html.find("</style>", pos);
      if (end == std::string::npos)
        return at("unterminated style");
      if (html.substr(pos, end - pos).find('<') != std::string::npos)
        return at("'<' in the style sheet");
      pos = end;
    }
  }
  if (!open.empty())
    return "unclosed tags, innermost " + open.back();
  return {};
}

std::map<std::string, size_t> check_well_formed(const std::string& html) {
  std::map<std::string, size_t> seen;
  auto err = well_formed_error(html, seen);
  INFO(err);
  CHECK(err.empty());
  return seen;
}

void check_self_contained(const std::string& html) {
  std::string lower;
  for (auto c : html)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(lower.find("<script") == std::string::npos);
  CHECK(lower.find("http://") == std::string::npos);
  CHECK(lower.find("https://") == std::string::npos);
  CHECK(lower.find(" src=") == std::string::npos);
  CHECK(lower.find(" href=") == std::string::npos);
  CHECK(lower.find("url(") == std::string::npos);
  CHECK(lower.find("@import") == std::string::npos);
  // No event handler attribute (onload=, onclick=...) in any tag.
  CHECK(!std::regex_search(lower, std::regex{"<[^>]*\\son[a-z]+="}));
}

} // namespace

TEST_CASE("report page: the sample renders well formed and self-contained",
          "[report]") {
  auto report = load_sample();
  auto html = render_report_html(report);
  auto tags = check_well_formed(html);
  check_self_contained(html);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(occurrences(html, "<table id=\"summary\">") == 1);
  CHECK(occurrences(html, "<table id=\"goals\">") == 1);
  CHECK(occurrences(html, "<table id=\"overhead\">") == 1);
  // The overhead's paired rounds, one row each.
  CHECK(occurrences(html, "<table id=\"overhead-rounds\">") == 1);
  CHECK(html.find("Median of 4 paired fault-free rounds") != std::string::npos);
  CHECK(tags["svg"] == 2); // one timeline per run
  CHECK(tags["polyline"] == 4);
  // The summary has both runs side by side.
  CHECK(html.find("<th>without Remedy</th><th>with Remedy</th>")
        != std::string::npos);
  // Availability of each run, as a percentage.
  CHECK(html.find("<td>82.720&#8239;%</td><td>96.000&#8239;%</td>")
        != std::string::npos);
  // Goals: 3 met, 1 missed.
  CHECK(occurrences(html, "<tr class=\"met\">") == 3);
  CHECK(occurrences(html, "<tr class=\"missed\">") == 1);
  CHECK(html.find("3 of 4 goals met.") != std::string::npos);
  // Detection per class only for the run with Remedy (null without).
  CHECK(html.find("id=\"detection-with\"") != std::string::npos);
  CHECK(html.find("id=\"detection-without\"") == std::string::npos);
  CHECK(html.find("<td class=\"l\">error_spike</td><td>1</td><td>0</td>"
                  "<td>0</td><td>1.000</td><td>1.000</td><td>1.000</td>")
        != std::string::npos);
  CHECK(html.find("id=\"healing-with\"") != std::string::npos);
  CHECK(html.find("<td class=\"l\">isolate</td><td>0</td><td>1</td>")
        != std::string::npos);
}

TEST_CASE("report page: one marker per fault, detection and healing",
          "[report]") {
  auto report = load_sample();
  auto html = render_report_html(report);
  auto& runs = report.at("runs").as_object();
  size_t faults = 0;
  size_t healings = 0;
  size_t detections = 0;
  for (auto& [name, run] : runs) {
    faults += run.at("faults").as_array().size();
    for (auto& e : run.at("events").as_array()) {
      auto type = e.at("type").as_string();
      healings += type == "healing" ? 1 : 0;
      detections += type == "detection" ? 1 : 0;
    }
  }
  REQUIRE(faults == 8);
  REQUIRE(healings == 4);
  CHECK(occurrences(html, "<g class=\"marker fault\">") == faults);
  CHECK(occurrences(html, "<g class=\"marker healing\">") == healings);
  CHECK(occurrences(html, "<g class=\"marker detection\">") == detections);
  // Each marker says what it marks in its tooltip.
  CHECK(html.find("<title>fault 1: crash svc/worker-3 at 5.20 s</title>")
        != std::string::npos);
  CHECK(html.find("<title>healing: restart svc/worker-3 succeeded at 5.50 "
                  "s</title>")
        != std::string::npos);
}

TEST_CASE("report page: text from the report is escaped", "[report]") {
  auto report = boost::json::parse(R"({
    "remedy_node_report": 1, "seed": "<b>",
    "goals": [{"name": "<script>alert(1)</script>", "value": 1,
               "goal": "x' onload='y", "met": true}],
    "runs": {"with_remedy": {
      "faults": [{"id": 4294967297, "kind": "crash", "target": "<x&\"y>",
                  "at_s": 1.0,
                  "detected": true, "classified_as": "crash",
                  "healing": {"strategy": "re<start", "outcome": "ok&"}}],
      "detection": {"per_class": {"<c>": {"tp": 1}}},
      "healings": {"by_strategy": {"a\"b": {"succeeded": 1}}},
      "events": [{"t_s": 1.5, "type": "healing", "label": "</title><x&\"y>"}],
      "timeline": [{"t_s": 1, "availability": 1, "p99_ms": 2}]}}})");
  auto html = render_report_html(report);
  check_well_formed(html);
  check_self_contained(html);
  CHECK(html.find("<x&") == std::string::npos);
  CHECK(html.find("&lt;x&amp;&quot;y&gt;") != std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;")
        != std::string::npos);
  CHECK(html.find("x&#39; onload=&#39;y") != std::string::npos);
  CHECK(html.find("re&lt;start &#8594; ok&amp;") != std::string::npos);
  CHECK(html.find("&lt;c&gt;") != std::string::npos);
  CHECK(html.find("a&quot;b") != std::string::npos);
  CHECK(html.find("<title>healing: &lt;/title&gt;&lt;x&amp;&quot;y&gt; at "
                  "1.50 s</title>")
        != std::string::npos);
  CHECK(html.find("seed &lt;b&gt;") != std::string::npos);
  // Ids are written whole, not in exponent notation.
  CHECK(html.find("<tr><td>4294967297</td>") != std::string::npos);
}

TEST_CASE("report page: missing and null fields are tolerated", "[report]") {
  SECTION("an empty object") {
    auto html = render_report_html(boost::json::parse("{}"));
    check_well_formed(html);
    check_self_contained(html);
    // The summary stays, with n/a cells; no section without data.
    CHECK(html.find("<table id=\"summary\">") != std::string::npos);
    CHECK(html.find("n/a") != std::string::npos);
    CHECK(html.find("<svg") == std::string::npos);
    CHECK(html.find("id=\"goals\"") == std::string::npos);
  }
  SECTION("not an object") {
    for (auto text : {"null", "[1,2]", "42", "\"x\""}) {
      auto html = render_report_html(boost::json::parse(text));
      check_well_formed(html);
      CHECK(html.find("not a JSON object") != std::string::npos);
    }
  }
  SECTION("nulls and wrong types everywhere") {
    auto html = render_report_html(boost::json::parse(R"({
      "seed": null, "duration_s": "long", "partial": true,
      "goals": [null, {"name": "g"}, {"met": false, "value": "high"}],
      "overhead": {"throughput_ratio": null},
      "runs": {"without_remedy": null, "with_remedy": {
        "requests": null, "latency_ms": {"p50": "fast"},
        "faults": [null, {"id": 2}, {"at_s": 3, "healing": null}],
        "detection": {"per_class": {"crash": null}},
        "healings": {"by_strategy": {"restart": {}}},
        "events": [null, {"type": "healing"}, {"t_s": 4}],
        "timeline": [null, {"t_s": 1}, {"availability": 0.5},
                     {"t_s": 2, "availability": 0.9, "p99_ms": null}]}}})"));
    check_well_formed(html);
    check_self_contained(html);
    CHECK(html.find("Partial run") != std::string::npos);
    CHECK(occurrences(html, "<tr class=\"missed\">") == 1);
    CHECK(occurrences(html, "<tr class=\"unknown\">") == 2);
    // One fault has a time: one marker; the event without time none.
    CHECK(occurrences(html, "<g class=\"marker fault\">") == 1);
    CHECK(occurrences(html, "<g class=\"marker healing\">") == 0);
    CHECK(occurrences(html, "<polyline class=\"avail\"") == 1);
    CHECK(occurrences(html, "<polyline class=\"p99\"") == 0);
  }
  SECTION("huge and infinite numbers (Boost.JSON reads 1e400 as inf)") {
    auto html = render_report_html(boost::json::parse(R"({
      "duration_s": 1e400, "runs": {"with_remedy": {
        "availability": 1e400,
        "faults": [{"id": 1, "at_s": 1e400}, {"id": 2, "at_s": 1e300}],
        "timeline": [{"t_s": 1e400, "availability": 1, "p99_ms": 1e400},
                     {"t_s": 1, "availability": 0.5, "p99_ms": 1e308},
                     {"t_s": 2, "availability": -1e400, "p99_ms": 3}]}}})"));
    auto tiny = render_report_html(boost::json::parse(R"({"runs": {
      "with_remedy": {"timeline": [{"t_s": 5e-324, "availability": 1,
                                    "p99_ms": 5e-324}]}}})"));
    check_well_formed(tiny);
    CHECK(tiny.find("nan") == std::string::npos);
    CHECK(tiny.find("NaN") == std::string::npos);
    CHECK(tiny.find("inf") == std::string::npos);
    check_well_formed(html);
    CHECK(html.find("inf") == std::string::npos);
    CHECK(occurrences(html, "<g class=\"marker fault\">") == 1);
    CHECK(occurrences(html, "<polyline class=\"avail\"") == 1);
  }
  SECTION("healings marked from the faults when there is no event list") {
    auto html = render_report_html(boost::json::parse(R"({"runs": {
      "with_remedy": {"faults": [
        {"id": 1, "kind": "crash", "target": "w", "at_s": 2, "recover_s": 0.5,
         "healing": {"strategy": "restart", "outcome": "succeeded"}}]}}})"));
    check_well_formed(html);
    CHECK(occurrences(html, "<g class=\"marker fault\">") == 1);
    CHECK(html.find("<title>healing: restart w succeeded at 2.50 s</title>")
          != std::string::npos);
  }
}

TEST_CASE("report page: the checks above catch a broken page", "[report]") {
  // The well-formedness check must bite, or passing it proves nothing.
  std::map<std::string, size_t> seen;
  CHECK(well_formed_error("<p><b>x</b></p>", seen).empty());
  CHECK(
    well_formed_error("<p>x<br></p><svg><line x1=\"1\"/></svg>", seen).empty());
  CHECK(!well_formed_error("<html><body><p>x</body></html>", seen).empty());
  CHECK(!well_formed_error("<p>unclosed", seen).empty());
  CHECK(!well_formed_error("<p>a > b</p>", seen).empty());
  CHECK(!well_formed_error("<p>a < b</p>", seen).empty());
  CHECK(!well_formed_error("<p title=x>y</p>", seen).empty());
  CHECK(!well_formed_error("<p title=\"<x>\">y</p>", seen).empty());
  CHECK(!well_formed_error("</p>", seen).empty());
}
