// The real remedy-node program, run as a child process: its command line
// (bad options fail cleanly with exit code 64), and Ctrl-C during the chaos
// scenario stops it with a partial report. The scenario's own results are
// checked by the ctest scenario.chaos_short (tests/node/).

#include <catch2/catch.hpp>

#ifdef REMEDY_NODE_EXE

#  include <algorithm>
#  include <cerrno>
#  include <chrono>
#  include <cstdio>
#  include <cstdlib>
#  include <cstring>
#  include <regex>
#  include <string>
#  include <vector>

#  include <optional>

#  include "support/child_process.hpp"
#  include <unistd.h>

namespace {

using run_result = remedy::test::process_result;

/// Runs remedy-node with `args` (see run_process): killed and reaped after
/// `limit`; with `signal_after` > 0, `sig` is sent that long after the start.
run_result run_node(const std::vector<std::string>& args,
                    std::chrono::seconds limit = std::chrono::seconds(60),
                    std::chrono::milliseconds signal_after
                    = std::chrono::milliseconds(0),
                    int sig = SIGINT) {
  std::optional<remedy::test::signal_plan> plan;
  if (signal_after.count() > 0)
    plan = remedy::test::signal_plan{sig, signal_after};
  return remedy::test::run_process(REMEDY_NODE_EXE, args, limit, plan);
}

std::string describe(const run_result& r) {
  return r.describe();
}

} // namespace

TEST_CASE("remedy-node --help lists the options and exits 0", "[node]") {
  auto r = run_node({"--help"}, std::chrono::seconds(20));
  INFO(describe(r));
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  for (auto opt : {"--duration", "--seed", "--workers", "--load", "--report",
                   "--threads", "--log-level", "--quiet"})
    CHECK(r.out.find(opt) != std::string::npos);
}

TEST_CASE("remedy-node rejects bad options with exit code 64", "[node]") {
  std::vector<std::vector<std::string>> bad{
    {"--no-such-flag"},     {"--duration", "abc"}, {"--duration", "1s"},
    {"--duration", "2h"},   {"--seed", "-5"},
    {"--seed", "18446744073709551616"}, {"--workers", "0"},
    {"--load", "0"},        {"--report"},          {"stray"}};
  for (auto& args : bad) {
    auto r = run_node(args, std::chrono::seconds(20));
    INFO(args.front() << (args.size() > 1 ? " " + args[1] : "") << ": "
                      << describe(r));
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.exit_code == 64);
    CHECK(r.err.find("remedy-node: error:") != std::string::npos);
  }
}

TEST_CASE("Ctrl-C or SIGTERM stops the chaos scenario and still writes a "
          "partial report",
          "[node]") {
  auto sig = GENERATE(SIGINT, SIGTERM);
  char dir_template[] = "/tmp/remedy-node-test-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  std::string report = std::string{dir_template} + "/partial.json";
  auto r = run_node({"--duration", "60", "--report", report},
                    std::chrono::seconds(30), std::chrono::milliseconds(3000),
                    sig);
  INFO("signal " << sig << ": " << describe(r));
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 128 + sig);
  CHECK(r.out.find("PARTIAL") != std::string::npos);
  std::string text;
  if (auto* f = std::fopen(report.c_str(), "rb")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
      text.append(buf, n);
    std::fclose(f);
  }
  ::unlink(report.c_str());
  ::rmdir(dir_template);
  CHECK(text.find("\"remedy_node_report\":1") != std::string::npos);
  CHECK(text.find("\"partial\":true") != std::string::npos);
  // Cut short in the first run: no run with Remedy.
  CHECK(text.find("\"with_remedy\":null") != std::string::npos);
}

TEST_CASE("a remedy-node run that overruns its limit is killed and reaped",
          "[node]") {
  auto started = std::chrono::steady_clock::now();
  auto r = run_node({"--duration", "60", "--quiet"}, std::chrono::seconds(1));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(r.timed_out);
  CHECK(r.exit_code == 128 + SIGKILL);
  CHECK(took < std::chrono::seconds(10));
}

#endif // REMEDY_NODE_EXE
