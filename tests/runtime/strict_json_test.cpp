// Strict JSON: golden tests for every error shape of the parser
// (strict_json.hpp) and the typed reader (json_reader.hpp), each with the
// exact lines a user sees, and the positive cases that read values exactly.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/runtime/json_reader.hpp"
#include "remedy/runtime/strict_json.hpp"

using namespace std::chrono_literals;
namespace sj = remedy::strict_json;

namespace {

enum class restart_kind { permanent, transient, temporary };

struct child_cfg {
  std::string id;
  restart_kind restart = restart_kind::permanent;
};

/// A made-up node schema that uses every kind of read.
struct node_cfg {
  std::string name;
  bool chaos = false;
  std::uint32_t workers = 4;
  std::int64_t offset = 0;
  std::uint64_t big = 0;
  std::int32_t delta = 0;
  double ratio = 0.5;
  caf::timespan timeout = 1s;
  std::uint16_t port = 0;
  std::string host;
  std::vector<child_cfg> children;
  std::vector<std::uint16_t> ports;
};

void read_node(sj::object_reader& o, node_cfg& c) {
  o.get("name", c.name, sj::string_rule::non_empty);
  o.get_optional("chaos", c.chaos);
  o.get_optional("workers", c.workers, 1, 1000);
  o.get_optional("offset", c.offset);
  o.get_optional("big", c.big);
  o.get_optional("delta", c.delta, -10, 10);
  o.get_optional("ratio", c.ratio, 0.0, 1.0);
  o.get_optional("timeout", c.timeout, 1ms, 1h);
  o.object_optional("http", [&](sj::object_reader& h) {
    h.get("port", c.port, 1, 65535);
    h.get_optional("host", c.host);
  });
  o.array_optional("children", [&](sj::value_reader& v) {
    v.object([&](sj::object_reader& ch) {
      child_cfg x;
      ch.get("id", x.id, sj::string_rule::non_empty);
      ch.get_enum_optional("restart", x.restart,
                           {{"permanent", restart_kind::permanent},
                            {"transient", restart_kind::transient},
                            {"temporary", restart_kind::temporary}});
      c.children.push_back(x);
    });
  });
  o.array_optional(
    "ports",
    [&](sj::value_reader& v) {
      std::uint16_t p = 0;
      if (v.read(p, 1, 65535))
        c.ports.push_back(p);
    },
    1, 3);
}

/// The error lines for `text` read as node.json with the schema above.
std::vector<std::string> errors_of(const std::string& text,
                                   sj::limits lim = {}) {
  auto doc = sj::parse(text, "node.json", lim);
  node_cfg cfg;
  sj::read_object(doc, [&](sj::object_reader& o) { read_node(o, cfg); });
  std::vector<std::string> out;
  for (const auto& d : doc.errors.list())
    out.push_back(d.to_string());
  return out;
}

using lines = std::vector<std::string>;

} // namespace

TEST_CASE("strict_json reads a valid document exactly", "[strict_json]") {
  auto text = R"({
  "name": "edge",
  "chaos": true,
  "workers": 1000,
  "offset": -9223372036854775808,
  "big": 18446744073709551615,
  "delta": -10,
  "ratio": 0.25,
  "timeout": "500ms",
  "http": {"port": 65535, "host": "127.0.0.1"},
  "children": [{"id": "a"}, {"id": "b", "restart": "temporary"}],
  "ports": [1, 8080]
}
)";
  auto doc = sj::parse(text, "node.json");
  node_cfg c;
  CHECK(sj::read_object(doc, [&](sj::object_reader& o) { read_node(o, c); }));
  CHECK(doc.errors.to_string() == "");
  CHECK(!doc.errors.to_error());
  CHECK(c.name == "edge");
  CHECK(c.chaos);
  CHECK(c.workers == 1000u);
  CHECK(c.offset == std::numeric_limits<std::int64_t>::min());
  CHECK(c.big == std::numeric_limits<std::uint64_t>::max());
  CHECK(c.delta == -10);
  CHECK(c.ratio == 0.25);
  CHECK(c.timeout == 500ms);
  CHECK(c.port == 65535);
  CHECK(c.host == "127.0.0.1");
  REQUIRE(c.children.size() == 2);
  CHECK(c.children[0].id == "a");
  CHECK(c.children[0].restart == restart_kind::permanent);
  CHECK(c.children[1].id == "b");
  CHECK(c.children[1].restart == restart_kind::temporary);
  CHECK(c.ports == std::vector<std::uint16_t>{1, 8080});
  // Lines of the tree.
  REQUIRE(doc.root);
  CHECK(doc.root->line == 1);
  CHECK(doc.root->find("http")->line == 10);
  CHECK(doc.root->find("children")->items[1].line == 11);
  CHECK(doc.root->find("ports")->items[1].text == "8080");
}

TEST_CASE("strict_json durations take every unit", "[strict_json]") {
  auto dur = [](const std::string& s) {
    auto doc = sj::parse("{\"name\": \"n\", \"timeout\": \"" + s + "\"}", "t");
    node_cfg c;
    sj::read_object(doc, [&](sj::object_reader& o) { read_node(o, c); });
    CHECK(doc.errors.to_string() == "");
    return c.timeout;
  };
  CHECK(dur("1000000ns") == 1ms);
  CHECK(dur("1500us") == 1500us);
  CHECK(dur("2s") == 2s);
  CHECK(dur("1m") == 1min);
  CHECK(dur("1h") == 1h);
}

TEST_CASE("strict_json rejects unknown keys", "[strict_json]") {
  SECTION("with a suggestion for a near miss") {
    CHECK(errors_of("{\"name\": \"n\",\n \"http\": {\n  \"prot\": 80}}")
          == lines{
            R"(node.json:2: $.http: missing required key "port")",
            R"(node.json:3: $.http: unknown key "prot" (did you mean "port"?))"});
  }
  SECTION("without one when nothing is close") {
    CHECK(errors_of("{\"name\": \"n\",\n \"colour\": 1}")
          == lines{R"(node.json:2: $: unknown key "colour")"});
  }
  SECTION("odd keys are quoted in the path") {
    CHECK(errors_of("{\"name\": \"n\", \"children\": [{\"id\": \"x\", "
                    "\"my key\": {\"a b\": 1}}]}")
          == lines{R"(node.json:1: $.children[0]: unknown key "my key")"});
  }
}

TEST_CASE("strict_json rejects duplicate keys", "[strict_json]") {
  CHECK(errors_of("{\"name\": \"n\",\n \"http\": {\"port\": 80,\n"
                  "  \"port\": 81}}")
        == lines{
          R"(node.json:3: $.http: duplicate key "port" (first at line 2))"});
  // The first value is the one read.
  auto doc = sj::parse(R"({"a": 1, "a": 2})", "d.json");
  REQUIRE(doc.root);
  CHECK(doc.root->members.size() == 1);
  CHECK(doc.root->find("a")->i == 1);
  CHECK(doc.errors.to_string()
        == R"(d.json:1: $: duplicate key "a" (first at line 1))");
}

TEST_CASE("strict_json rejects wrong types", "[strict_json]") {
  CHECK(errors_of(R"({"name": 5})")
        == lines{R"(node.json:1: $.name: expected a non-empty string, got 5)"});
  CHECK(errors_of(R"({"name": ""})")
        == lines{R"(node.json:1: $.name: expected a non-empty string, got "")"});
  CHECK(errors_of(R"({"name": "n", "chaos": 1})")
        == lines{R"(node.json:1: $.chaos: expected true or false, got 1)"});
  CHECK(errors_of(R"({"name": "n", "chaos": "true"})")
        == lines{
          R"(node.json:1: $.chaos: expected true or false, got "true")"});
  CHECK(errors_of(R"({"name": "n", "workers": "4"})")
        == lines{
          R"(node.json:1: $.workers: expected an integer from 1 to 1000, got "4")"});
  CHECK(errors_of(R"({"name": "n", "workers": null})")
        == lines{
          R"(node.json:1: $.workers: expected an integer from 1 to 1000, got null)"});
  CHECK(errors_of(R"({"name": "n", "ratio": [0.5]})")
        == lines{
          R"(node.json:1: $.ratio: expected a number from 0 to 1, got an array)"});
  CHECK(errors_of(R"({"name": "n", "http": 80})")
        == lines{R"(node.json:1: $.http: expected an object, got 80)"});
  CHECK(errors_of(R"({"name": "n", "children": {}})")
        == lines{R"(node.json:1: $.children: expected an array, got an object)"});
  CHECK(errors_of(R"({"name": "n", "children": [true]})")
        == lines{R"(node.json:1: $.children[0]: expected an object, got true)"});
  CHECK(errors_of(R"([1])")
        == lines{R"(node.json:1: $: expected an object, got an array)"});
  CHECK(errors_of(R"({"name": "n", "ports": []})")
        == lines{
          R"(node.json:1: $.ports: expected an array of 1 to 3 items, got 0)"});
}

TEST_CASE("strict_json rejects numbers out of range", "[strict_json]") {
  CHECK(errors_of("{\"name\": \"n\",\n\"http\": {\n\"port\": 70000}}")
        == lines{
          "node.json:3: $.http.port: expected an integer from 1 to 65535, got 70000"});
  CHECK(errors_of(R"({"name": "n", "workers": 0})")
        == lines{
          R"(node.json:1: $.workers: expected an integer from 1 to 1000, got 0)"});
  CHECK(errors_of(R"({"name": "n", "delta": 11})")
        == lines{
          R"(node.json:1: $.delta: expected an integer from -10 to 10, got 11)"});
  CHECK(errors_of(R"({"name": "n", "ratio": 1.5})")
        == lines{
          R"(node.json:1: $.ratio: expected a number from 0 to 1, got 1.5)"});
  SECTION("negative into unsigned") {
    CHECK(errors_of(R"({"name": "n", "big": -1})")
          == lines{"node.json:1: $.big: expected an integer from 0 to "
                   "18446744073709551615, got -1"});
  }
  SECTION("above int64 into a signed field") {
    CHECK(errors_of(R"({"name": "n", "offset": 9223372036854775808})")
          == lines{"node.json:1: $.offset: expected an integer from "
                   "-9223372036854775808 to 9223372036854775807, got "
                   "9223372036854775808"});
  }
  SECTION("fractional or exponent into an integer") {
    CHECK(errors_of(R"({"name": "n", "workers": 2.5})")
          == lines{
            R"(node.json:1: $.workers: expected an integer from 1 to 1000, got 2.5)"});
    CHECK(errors_of(R"({"name": "n", "workers": 1e2})")
          == lines{
            R"(node.json:1: $.workers: expected an integer from 1 to 1000, got 1e2)"});
  }
}

TEST_CASE("strict_json rejects integers beyond 64 bits and non-finite numbers",
          "[strict_json]") {
  // Boost.JSON turns these into doubles (2^64 into 1.8e19, 1e999 into inf)
  // without a word; the parser reports them, and the readers stay silent.
  CHECK(errors_of("{\"name\": \"n\",\n\"big\": 18446744073709551616}")
        == lines{"node.json:2: $.big: integer 18446744073709551616 does not "
                 "fit in 64 bits"});
  CHECK(errors_of(R"({"name": "n", "offset": -9223372036854775809})")
        == lines{"node.json:1: $.offset: integer -9223372036854775809 does not "
                 "fit in 64 bits"});
  CHECK(errors_of(R"({"name": "n", "ratio": 1e999})")
        == lines{
          "node.json:1: $.ratio: number 1e999 is out of range for a double"});
  CHECK(errors_of(R"({"name": "n", "ratio": -1.5e400})")
        == lines{
          "node.json:1: $.ratio: number -1.5e400 is out of range for a double"});
  // Also where no reader looks: the parser itself rejects them.
  auto doc = sj::parse(R"({"x": [1, 18446744073709551616]})", "a.json");
  CHECK(doc.errors.to_string()
        == "a.json:1: $.x[1]: integer 18446744073709551616 does not fit in 64 "
           "bits");
}

TEST_CASE("strict_json rejects bad enums and durations", "[strict_json]") {
  CHECK(errors_of("{\"name\": \"n\", \"children\": [{\"id\": \"a\"},\n"
                  "{\"id\": \"b\"}, {\"id\": \"c\",\n"
                  "\"restart\": \"sometimes\"}]}")
        == lines{"node.json:3: $.children[2].restart: expected one of "
                 "\"permanent\", \"transient\", \"temporary\", got "
                 "\"sometimes\""});
  CHECK(errors_of(R"({"name": "n", "timeout": 5})")
        == lines{"node.json:1: $.timeout: expected a duration such as "
                 "\"500ms\", \"2s\" or \"1m\", got 5"});
  CHECK(errors_of(R"({"name": "n", "timeout": "5 s"})")
        == lines{"node.json:1: $.timeout: expected a duration such as "
                 "\"500ms\", \"2s\" or \"1m\", got \"5 s\""});
  CHECK(errors_of(R"({"name": "n", "timeout": "1.5s"})")
        == lines{"node.json:1: $.timeout: expected a duration such as "
                 "\"500ms\", \"2s\" or \"1m\", got \"1.5s\""});
  CHECK(errors_of(R"({"name": "n", "timeout": "2h"})")
        == lines{"node.json:1: $.timeout: expected a duration from 1ms to 1h, "
                 "got \"2h\""});
  CHECK(errors_of(R"({"name": "n", "timeout": "99999999999999999h"})")
        == lines{"node.json:1: $.timeout: expected a duration such as "
                 "\"500ms\", \"2s\" or \"1m\", got \"99999999999999999h\""});
}

TEST_CASE("strict_json reports missing required keys", "[strict_json]") {
  CHECK(errors_of("{\n\"chaos\": false}")
        == lines{R"(node.json:1: $: missing required key "name")"});
  CHECK(errors_of("{\"name\": \"n\", \"children\": [\n{\"restart\": "
                  "\"permanent\"}]}")
        == lines{R"(node.json:2: $.children[0]: missing required key "id")"});
}

TEST_CASE("strict_json reports syntax errors with their line", "[strict_json]") {
  SECTION("a missing comma") {
    CHECK(errors_of("{\"name\": \"n\",\n\"chaos\": true\n\"workers\": 3}")
          == lines{"node.json:3: invalid JSON: syntax error"});
  }
  SECTION("a trailing comma") {
    CHECK(errors_of("{\"name\": \"n\",\n}")
          == lines{"node.json:2: invalid JSON: syntax error"});
  }
  SECTION("a comment") {
    CHECK(errors_of("{\n// the name\n\"name\": \"n\"}")
          == lines{"node.json:2: invalid JSON: syntax error"});
  }
  SECTION("the end of the file inside the document") {
    CHECK(errors_of("{\"name\": \"n\",\n\"http\": {\n")
          == lines{"node.json:2: invalid JSON: incomplete JSON"});
    CHECK(errors_of("") == lines{"node.json:1: invalid JSON: incomplete JSON"});
  }
  SECTION("anything after the document") {
    CHECK(errors_of("{\"name\": \"n\"}\n\n  {}\n")
          == lines{
            "node.json:3: invalid JSON: extra data after the document"});
  }
  SECTION("a number split by the end of the text still reads") {
    auto doc = sj::parse("42", "n.json");
    REQUIRE(doc.root);
    CHECK(doc.root->i == 42);
    CHECK(doc.errors.empty());
  }
}

TEST_CASE("strict_json limits depth and size", "[strict_json]") {
  CHECK(errors_of(R"({"name": "n", "http": {"host": {"x": {}}}})",
                  sj::limits{3, 1 << 20})
        == lines{"node.json:1: $.http.host.x: nesting deeper than 3 levels"});
  auto nested = [](std::size_t levels) {
    return std::string(levels, '[') + std::string(levels, ']');
  };
  CHECK(sj::parse(nested(64), "d.json").errors.empty());
  auto deep = sj::parse(nested(65), "d.json");
  REQUIRE(deep.errors.list().size() == 1);
  CHECK(deep.errors.list()[0].message == "nesting deeper than 64 levels");
  CHECK(!deep.root);
  CHECK(errors_of(R"({"name": "a long name"})", sj::limits{64, 10})
        == lines{"node.json:1: document larger than 10 bytes"});
}

TEST_CASE("strict_json reports all errors together in file order",
          "[strict_json]") {
  auto text = R"({
  "name": "",
  "workers": 0,
  "http": {
    "port": 0,
    "hots": "x"
  },
  "timeout": "soon",
  "workers": 2,
  "big": 18446744073709551616,
  "extra": 1
}
)";
  lines want{
    R"(node.json:2: $.name: expected a non-empty string, got "")",
    R"(node.json:3: $.workers: expected an integer from 1 to 1000, got 0)",
    R"(node.json:5: $.http.port: expected an integer from 1 to 65535, got 0)",
    R"(node.json:6: $.http: unknown key "hots" (did you mean "host"?))",
    R"(node.json:8: $.timeout: expected a duration such as "500ms", "2s" or "1m", got "soon")",
    R"(node.json:9: $: duplicate key "workers" (first at line 3))",
    R"(node.json:10: $.big: integer 18446744073709551616 does not fit in 64 bits)",
    R"(node.json:11: $: unknown key "extra")",
  };
  CHECK(errors_of(text) == want);
  // One caf::error carries them all.
  auto doc = sj::parse(text, "node.json");
  node_cfg c;
  CHECK(!sj::read_object(doc, [&](sj::object_reader& o) { read_node(o, c); }));
  auto err = doc.errors.to_error();
  CHECK(remedy::is(err, remedy::errc::invalid_argument));
  std::string joined;
  for (const auto& w : want)
    joined += (joined.empty() ? "" : "\n") + w;
  CHECK(remedy::context_of(err) == joined);
  REQUIRE(doc.errors.list().size() == want.size());
  const auto& d = doc.errors.list()[2];
  CHECK(d.file == "node.json");
  CHECK(d.line == 5);
  CHECK(d.path == "$.http.port");
  CHECK(d.message == "expected an integer from 1 to 65535, got 0");
}

TEST_CASE("strict_json reads files", "[strict_json]") {
  CHECK(sj::parse_file("/nonexistent/node.json").errors.to_string()
        == "/nonexistent/node.json: cannot open the file");
  auto path = std::string{"strict_json_test.json"};
  {
    std::ofstream out{path};
    out << "{\n  \"name\": \"n\",\n  \"http\": {\"port\": 70000}\n}\n";
  }
  auto doc = sj::parse_file(path);
  node_cfg c;
  sj::read_object(doc, [&](sj::object_reader& o) { read_node(o, c); });
  std::remove(path.c_str());
  CHECK(doc.errors.to_string()
        == "strict_json_test.json:3: $.http.port: expected an integer from 1 "
           "to 65535, got 70000");
}
