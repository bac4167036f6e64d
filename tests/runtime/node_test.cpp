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

#  include <fcntl.h>
#  include <poll.h>
#  include <signal.h>
#  include <sys/types.h>
#  include <sys/wait.h>
#  include <unistd.h>

namespace {

struct run_result {
  /// The exit code, or 128 + signal number if the child was killed.
  int exit_code = -1;
  bool timed_out = false;
  std::string out;
  std::string err;
};

/// Runs remedy-node with `args`, capturing stdout and stderr. A child still
/// running after `limit` is killed (SIGKILL) and reaped; `timed_out` says so.
/// With `signal_after` > 0, sends `sig` to the child that long after the
/// start.
run_result run_node(const std::vector<std::string>& args,
                    std::chrono::seconds limit = std::chrono::seconds(60),
                    std::chrono::milliseconds signal_after
                    = std::chrono::milliseconds(0),
                    int sig = SIGINT) {
  run_result result;
  // Everything the child needs is prepared before fork: between fork and
  // exec only async-signal-safe calls are allowed.
  std::string path = REMEDY_NODE_EXE;
  std::vector<std::string> storage;
  storage.push_back(path);
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& x : storage)
    argv.push_back(x.data());
  argv.push_back(nullptr);
  int out_pipe[2];
  int err_pipe[2];
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + limit;
  bool signalled = signal_after.count() <= 0;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0) {
      result.timed_out = true;
      break;
    }
    if (!signalled) {
      auto until_signal
        = std::chrono::duration_cast<std::chrono::milliseconds>(
            started + signal_after - std::chrono::steady_clock::now())
            .count();
      if (until_signal <= 0) {
        ::kill(pid, sig);
        signalled = true;
      } else {
        left = std::min<long>(left, until_signal);
      }
    }
    auto n = ::poll(fds, 2, static_cast<int>(left));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char buf[4096];
      auto got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1; // poll ignores negative descriptors
        --open_fds;
      }
    }
  }
  if (result.timed_out)
    ::kill(pid, SIGKILL);
  for (auto& x : fds)
    if (x.fd >= 0)
      ::close(x.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  return result;
}

std::string describe(const run_result& r) {
  return "exit code " + std::to_string(r.exit_code)
         + (r.timed_out ? " (timed out, killed)" : "") + "\n--- stdout\n"
         + r.out + "--- stderr\n" + r.err;
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
