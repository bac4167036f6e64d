// remedy-node --config as a real process: exit codes (0 ok, 64 usage, 78
// configuration, 1 runtime failure), SIGTERM and SIGINT stop it cleanly
// within 2 s, and a tree that keeps giving up makes it exit 1 with the
// reason after its restarts, so that a service manager can take over.

#include <catch2/catch.hpp>

#ifdef REMEDY_NODE_EXE

#  include <chrono>
#  include <cstdio>
#  include <fstream>
#  include <string>

#  include "support/child_process.hpp"
#  include "support/http_client.hpp"
#  include "support/node_process.hpp"

using namespace std::chrono_literals;
using remedy::test::run_process;
using remedy::test::signal_plan;

namespace {

const std::string node_exe = REMEDY_NODE_EXE;
const std::string examples = REMEDY_SOURCE_DIR "/examples/node/";

/// Writes `text` to a fresh file in /tmp and returns its path.
std::string write_temp(const std::string& text) {
  char path[] = "/tmp/remedy-node-test-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream out{path};
  out << text;
  return path;
}

} // namespace

TEST_CASE("remedy-node --check-config accepts the example configs",
          "[node][process]") {
  for (auto name : {"shop.json", "chaos.json"}) {
    auto r = run_process(node_exe,
                         {"--check-config", "--config", examples + name}, 20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(": ok (") != std::string::npos);
  }
}

TEST_CASE("remedy-node exits 78 with file:line: path: what for a bad config",
          "[node][process]") {
  auto path = write_temp(R"({
  "tree": {"children": [{"name": "a", "worker": "kv",
                         "args": {"capacity": 0}}]},
  "htpp": {"port": 1}
})");
  for (bool check : {true, false}) {
    std::vector<std::string> args{"--config", path};
    if (check)
      args.push_back("--check-config");
    auto r = run_process(node_exe, args, 20s);
    INFO(r.describe());
    CHECK(r.exit_code == 78);
    CHECK(r.err.find(path + ":3: $.tree.children[0].args.capacity: expected "
                            "an integer from 1 to 1000000, got 0")
          != std::string::npos);
    CHECK(r.err.find(path + ":4: $: unknown key \"htpp\" (did you mean "
                            "\"http\"?)")
          != std::string::npos);
  }
  std::remove(path.c_str());
}

TEST_CASE("remedy-node exits 64 on a bad command line", "[node][process]") {
  for (auto args : std::vector<std::vector<std::string>>{
         {"--config", examples + "shop.json", "--bogus"},
         {"--config", "/nonexistent/node.json"},
         {"--config", examples + "shop.json", "--http", "70000"},
         {"--check-config"}}) {
    auto r = run_process(node_exe, args, 20s);
    INFO(r.describe());
    CHECK(r.exit_code == 64);
    CHECK(r.err.find("remedy-node: error: ") != std::string::npos);
  }
}

TEST_CASE("remedy-node stops cleanly within 2 s on SIGTERM and SIGINT",
          "[node][process]") {
  for (int sig : {SIGTERM, SIGINT}) {
    auto r = run_process(node_exe,
                         {"--config", examples + "shop.json", "--log-level",
                          "info"},
                         20s, signal_plan{sig, 1500ms});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(!r.timed_out);
    CHECK(r.exit_after_signal < 2s);
    // Stopped in order: the service tree, then Remedy's own tree.
    auto shop = r.err.find("supervisor=shop context=supervisor_shutdown");
    auto remedy = r.err.find("supervisor=remedy context=supervisor_shutdown");
    CHECK(shop != std::string::npos);
    CHECK(remedy != std::string::npos);
    CHECK(shop < remedy);
  }
}

TEST_CASE("remedy-node restarts a tree that gives up, then exits 1 with the "
          "reason",
          "[node][process]") {
  // The issue's case: 200 crashes a second exceed any sane intensity.
  auto path = write_temp(R"({
  "name": "doomed",
  "tree": {"intensity": {"restarts": 3, "within": "5s"},
           "children": [{"name": "a", "worker": "kv"},
                        {"name": "b", "worker": "echo"}]},
  "healing": {"enabled": false},
  "chaos": {"enabled": true, "crash_rate": 200},
  "restart": {"max_restarts": 2, "min_delay": "100ms", "max_delay": "200ms"}
})");
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_process(node_exe, {"--config", path, "--log-level", "warn"},
                       30s);
  INFO(r.describe());
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  CHECK(r.exit_code == 1);
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (auto i = r.err.find(what); i != std::string::npos;
         i = r.err.find(what, i + 1))
      ++n;
    return n;
  };
  CHECK(count("the tree's root gave up") == 3);
  CHECK(count("restarting the tree in") == 2);
  CHECK(r.err.find("remedy-node: remedy.max_restart_intensity: node "
                   "'doomed': the tree went down 3 time(s) in a row")
        != std::string::npos);
  std::remove(path.c_str());
}

namespace {

/// One request on a fresh connection, as the gateway tests make them.
remedy::test::answer http(uint16_t port, const std::string& method,
                          const std::string& target,
                          const std::string& body = "") {
  return remedy::test::ask(
    port, method + " " + target + " HTTP/1.1\r\nHost: test\r\n"
            + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"
            + body);
}

} // namespace

TEST_CASE("remedy-node --config --http serves the node's services, health "
          "and metrics",
          "[node][process][http]") {
  remedy::test::node_process node{
    node_exe, {"--config", examples + "shop.json", "--http", "0",
               "--log-level", "info"}};
  auto at = node.wait_for("HTTP on 127.0.0.1:", 10000ms);
  REQUIRE(at != std::string::npos);
  auto out = node.output();
  auto port = static_cast<uint16_t>(
    std::stoul(out.substr(at + std::string{"HTTP on 127.0.0.1:"}.size())));
  INFO("port " << port << "\n" << node.output());
  // Through the route to the kv worker, and through the scheduler to the
  // echo pool.
  CHECK(http(port, "PUT", "/api/kv/colour", "blue").status == 204);
  auto got = http(port, "GET", "/api/kv/colour");
  CHECK(got.status == 200);
  CHECK(got.body == R"({"key":"colour","value":"blue"})");
  CHECK(http(port, "GET", "/api/kv/nothing").status == 404);
  auto echo = http(port, "POST", "/api/echo/a/b?c=1", "hi");
  CHECK(echo.status == 200);
  CHECK(echo.body.find(R"("path":"/a/b","query":"c=1","body":"hi")")
        != std::string::npos);
  CHECK(http(port, "GET", "/api/nope/x").status == 404);
  auto health = http(port, "GET", "/health");
  CHECK(health.status == 200);
  CHECK(health.header("content-type").find("application/json") != std::string::npos);
  CHECK(health.body.find(R"("status":"healthy")") != std::string::npos);
  CHECK(health.body.find(R"("id":"store")") != std::string::npos);
  auto metrics = http(port, "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.header("content-type").find("text/plain; version=0.0.4") != std::string::npos);
  CHECK(metrics.body.find("remedy_node_events_total{event=\"tree_started\"} 1")
        != std::string::npos);
  node.signal(SIGTERM);
  CHECK(node.wait_exit(3000ms) == 0);
}

#endif // REMEDY_NODE_EXE
