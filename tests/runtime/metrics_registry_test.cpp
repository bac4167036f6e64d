// The Prometheus registry against the text exposition format 0.0.4: every
// rendered line is parsed back by a small validator written from the
// format's rules, so escaping, ordering and histogram shapes are checked
// by reading, not by comparing strings only.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/runtime/metrics_registry.hpp"
#include "support/prometheus_text.hpp"

using namespace remedy;
using namespace remedy::test;

TEST_CASE("metrics registry: counters and gauges render as the format says",
          "[metrics]") {
  metrics_registry r;
  REQUIRE(!r.add_counter("requests_total", "Requests served."));
  REQUIRE(!r.add_gauge("in_flight", "Requests in flight."));
  REQUIRE(!r.inc("requests_total", {{"route", "a"}}));
  REQUIRE(!r.inc("requests_total", {{"route", "a"}}, 2));
  REQUIRE(!r.inc("requests_total", {{"route", "b"}}, 0.5));
  REQUIRE(!r.set("in_flight", {}, 3));
  REQUIRE(!r.add("in_flight", {}, -1));
  CHECK(r.value("requests_total", {{"route", "a"}}) == 3);
  CHECK(r.value("in_flight") == 2);
  auto text = r.render();
  CHECK(text
        == "# HELP in_flight Requests in flight.\n"
           "# TYPE in_flight gauge\n"
           "in_flight 2\n"
           "# HELP requests_total Requests served.\n"
           "# TYPE requests_total counter\n"
           "requests_total{route=\"a\"} 3\n"
           "requests_total{route=\"b\"} 0.5\n");
  auto lines = validate(text);
  CHECK(lines.size() == 7);
}

TEST_CASE("metrics registry: label values and help text are escaped",
          "[metrics]") {
  metrics_registry r;
  REQUIRE(!r.add_counter("odd_total", "Back\\slash and\nnewline."));
  std::string nasty = "a\\b\"c\nd";
  REQUIRE(!r.inc("odd_total", {{"name", nasty}, {"other", "{},= #"}}));
  auto text = r.render();
  CHECK(text.find("# HELP odd_total Back\\\\slash and\\nnewline.\n")
        != std::string::npos);
  CHECK(text.find("odd_total{name=\"a\\\\b\\\"c\\nd\",other=\"{},= #\"} 1\n")
        != std::string::npos);
  // Reading it back gives the original strings.
  auto lines = validate(text);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].text == "Back\\slash and\nnewline.");
  REQUIRE(lines[2].labels.size() == 2);
  CHECK(lines[2].labels[0].second == nasty);
  CHECK(lines[2].labels[1].second == "{},= #");
}

TEST_CASE("metrics registry: histograms have cumulative buckets, +Inf, sum "
          "and count",
          "[metrics]") {
  metrics_registry r;
  REQUIRE(!r.add_histogram("latency_seconds", "Latency.", {0.1, 0.5, 1}));
  for (auto x : {0.05, 0.1, 0.3, 0.7, 2.0})
    REQUIRE(!r.observe("latency_seconds", {{"route", "a"}}, x));
  REQUIRE(!r.observe("latency_seconds", {{"route", "a"}}, 0.2, 3));
  auto* h = r.histogram("latency_seconds", {{"route", "a"}});
  REQUIRE(h != nullptr);
  CHECK(h->count == 8);
  CHECK(h->counts == std::vector<uint64_t>{2, 4, 1, 1});
  auto text = r.render();
  CHECK(text.find("latency_seconds_bucket{route=\"a\",le=\"0.1\"} 2\n"
                  "latency_seconds_bucket{route=\"a\",le=\"0.5\"} 6\n"
                  "latency_seconds_bucket{route=\"a\",le=\"1\"} 7\n"
                  "latency_seconds_bucket{route=\"a\",le=\"+Inf\"} 8\n"
                  "latency_seconds_sum{route=\"a\"} ")
        != std::string::npos);
  CHECK(h->sum == Approx(3.75));
  CHECK(text.find("latency_seconds_count{route=\"a\"} 8\n")
        != std::string::npos);
  auto lines = validate(text);
  CHECK(lines.size() == 2 + 4 + 2);
  // Without labels the le label stands alone.
  REQUIRE(!r.observe("latency_seconds", {}, 5));
  text = r.render();
  CHECK(text.find("latency_seconds_bucket{le=\"+Inf\"} 1\n")
        != std::string::npos);
  validate(text);
}

TEST_CASE("metrics registry: series are keyed and sorted by label name",
          "[metrics]") {
  metrics_registry r;
  REQUIRE(!r.add_gauge("g", "G."));
  REQUIRE(!r.set("g", {{"b", "1"}, {"a", "2"}}, 1));
  REQUIRE(!r.set("g", {{"a", "2"}, {"b", "1"}}, 5)); // the same series
  auto text = r.render();
  CHECK(text == "# HELP g G.\n# TYPE g gauge\ng{a=\"2\",b=\"1\"} 5\n");
  r.remove("g", {{"b", "1"}, {"a", "2"}});
  CHECK(r.render() == "# HELP g G.\n# TYPE g gauge\n");
}

TEST_CASE("metrics registry: values are written so that they read back",
          "[metrics]") {
  CHECK(metrics_registry::format_value(0) == "0");
  CHECK(metrics_registry::format_value(-3) == "-3");
  CHECK(metrics_registry::format_value(1e15) == "1000000000000000");
  CHECK(metrics_registry::format_value(0.1) == "0.1");
  CHECK(metrics_registry::format_value(HUGE_VAL) == "+Inf");
  CHECK(metrics_registry::format_value(-HUGE_VAL) == "-Inf");
  CHECK(metrics_registry::format_value(std::nan("")) == "NaN");
  for (auto x : {1.0 / 3.0, 2.5e-7, 123456.789, 1e300, 0.30000000000000004}) {
    auto s = metrics_registry::format_value(x);
    CHECK(std::strtod(s.c_str(), nullptr) == x);
  }
  metrics_registry r;
  REQUIRE(!r.add_gauge("g", "G."));
  REQUIRE(!r.set("g", {{"k", "inf"}}, HUGE_VAL));
  REQUIRE(!r.set("g", {{"k", "nan"}}, std::nan("")));
  REQUIRE(!r.set("g", {{"k", "third"}}, 1.0 / 3.0));
  validate(r.render());
}

TEST_CASE("metrics registry: bad names, types and updates are refused",
          "[metrics]") {
  metrics_registry r;
  CHECK(is(r.add_counter("", "x"), errc::invalid_argument));
  CHECK(is(r.add_counter("1abc", "x"), errc::invalid_argument));
  CHECK(is(r.add_counter("a-b", "x"), errc::invalid_argument));
  CHECK(!r.add_counter("ns:sub_total", "colons are allowed"));
  CHECK(is(r.add_gauge("ns:sub_total", "x"), errc::invalid_argument));
  CHECK(is(r.add_histogram("h", "x", {}), errc::invalid_argument));
  CHECK(is(r.add_histogram("h", "x", {1, 1}), errc::invalid_argument));
  CHECK(is(r.add_histogram("h", "x", {1, HUGE_VAL}), errc::invalid_argument));
  CHECK(!r.add_histogram("h", "x", {1, 2}));
  CHECK(is(r.add_counter("h_count", "x"), errc::invalid_argument));
  CHECK(is(r.inc("missing"), errc::invalid_argument));
  CHECK(is(r.inc("ns:sub_total", {}, -1), errc::invalid_argument));
  CHECK(is(r.inc("ns:sub_total", {}, std::nan("")), errc::invalid_argument));
  CHECK(is(r.set("ns:sub_total", {}, 1), errc::invalid_argument));
  CHECK(is(r.inc("ns:sub_total", {{"__x", "1"}}), errc::invalid_argument));
  CHECK(is(r.inc("ns:sub_total", {{"a:b", "1"}}), errc::invalid_argument));
  CHECK(is(r.inc("ns:sub_total", {{"a", "1"}, {"a", "2"}}),
           errc::invalid_argument));
  CHECK(is(r.observe("h", {{"le", "1"}}, 1), errc::invalid_argument));
  CHECK(is(r.observe("h", {}, HUGE_VAL), errc::invalid_argument));
  // Nothing of the refused updates shows.
  CHECK(r.value("ns:sub_total") == 0);
  CHECK(r.histogram("h") == nullptr);
  auto text = r.render();
  CHECK(text.find("\nns:sub_total ") == std::string::npos);
  validate(text);
}

TEST_CASE("metrics registry: the validator rejects what the format forbids",
          "[metrics]") {
  // The validator itself must bite, or the checks above prove nothing.
  std::string why;
  CHECK(parse_line("x{a=\"1\"} 2", why));
  CHECK(!parse_line("x{a=\"1\"}2", why));
  CHECK(!parse_line("x{a=\"unterminated} 2", why));
  CHECK(!parse_line("x{a=\"bad \\t escape\"} 2", why));
  CHECK(!parse_line("x{1a=\"v\"} 2", why));
  CHECK(!parse_line("x 1.2.3", why));
  CHECK(!parse_line("x inf", why));
  CHECK(!parse_line("# TYPE x countr", why));
  CHECK(!parse_line("# HELP x bad \\\" escape", why));
  CHECK(!parse_line("# random comment", why));
  CHECK(!parse_line("-x 1", why));
}
