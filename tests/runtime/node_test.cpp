// The real remedy-node program, run as a child process: the supervision demo
// passes its own checks, and bad options fail cleanly with exit code 2.

#include <catch2/catch.hpp>

#ifdef REMEDY_NODE_EXE

#  include <cerrno>
#  include <chrono>
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
run_result run_node(const std::vector<std::string>& args,
                    std::chrono::seconds limit = std::chrono::seconds(60)) {
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
  auto deadline = std::chrono::steady_clock::now() + limit;
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

TEST_CASE("remedy-node's supervision demo crashes workers and passes its "
          "checks",
          "[node]") {
  auto r = run_node({"--duration", "1", "--seed", "42", "--crash-rate", "10"});
  INFO(describe(r));
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("result: PASS") != std::string::npos);
  // The default level is warn: no complaint about it, and no info logs in
  // the middle of the report.
  CHECK(r.err.find("ignoring REMEDY_LOG_LEVEL") == std::string::npos);
  CHECK(r.err.find(" info [") == std::string::npos);
  std::smatch m;
  std::regex summary{"summary: crashes injected ([0-9]+), restarted ([0-9]+), "
                     "requests ([0-9]+) \\(answered ([0-9]+), failed "
                     "([0-9]+), no answer ([0-9]+)\\)"};
  REQUIRE(std::regex_search(r.out, m, summary));
  auto crashes = std::stoull(m[1]);
  auto restarted = std::stoull(m[2]);
  auto requests = std::stoull(m[3]);
  auto answered = std::stoull(m[4]);
  auto failed = std::stoull(m[5]);
  auto unanswered = std::stoull(m[6]);
  CHECK(crashes > 0);
  // The detection pipeline classified every crash, and only those.
  std::regex detection{"\\[ok\\] every injected crash classified by the "
                       "detection pipeline \\(crash or crash_loop\\): "
                       "([0-9]+) of ([0-9]+); faults on targets that did not "
                       "crash: 0"};
  std::smatch dm;
  REQUIRE(std::regex_search(r.out, dm, detection));
  CHECK(std::stoull(dm[1]) == crashes);
  CHECK(std::stoull(dm[2]) == crashes);
  CHECK(restarted == crashes);
  CHECK(requests > 0);
  CHECK(answered > 0);
  CHECK(requests == answered + failed);
  CHECK(unanswered == 0);
  // The full (not quiet) summary shows its sections.
  CHECK(r.out.find("== crashes and restarts") != std::string::npos);
  CHECK(r.out.find("== recovery") != std::string::npos);
}

TEST_CASE("remedy-node --quiet prints only the checks", "[node]") {
  auto r = run_node({"--quiet", "--duration", "0.3", "--seed", "7"});
  INFO(describe(r));
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("== checks") != std::string::npos);
  CHECK(r.out.find("== requests") == std::string::npos);
  CHECK(r.out.find("result: PASS") != std::string::npos);
}

TEST_CASE("remedy-node rejects bad options with exit code 2", "[node]") {
  struct bad_case {
    std::vector<std::string> args;
    std::string expected; // in stderr
  };
  std::vector<bad_case> cases{
    {{"--no-such-option"}, "--no-such-option"},
    {{"--duration", "soon"}, "--duration"},
    {{"--duration", "-1"}, "--duration"},
    {{"--threads", "0"}, "--threads"},
    {{"--crash-rate", "nan"}, "--crash-rate"},
    {{"--seed", "-5"}, "--seed"},
    {{"--log-level", "loud"}, "--log-level"},
    {{"stray-argument"}, "stray-argument"},
  };
  for (auto& c : cases) {
    auto r = run_node(c.args, std::chrono::seconds(20));
    INFO(describe(r));
    REQUIRE_FALSE(r.timed_out);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("remedy-node: error:") != std::string::npos);
    CHECK(r.err.find(c.expected) != std::string::npos);
    CHECK(r.out.find("supervision demo") == std::string::npos);
  }
}

TEST_CASE("remedy-node --help lists the options and exits 0", "[node]") {
  auto r = run_node({"--help"}, std::chrono::seconds(20));
  INFO(describe(r));
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  for (auto opt : {"--duration", "--seed", "--crash-rate", "--threads",
                   "--log-level", "--quiet"})
    CHECK(r.out.find(opt) != std::string::npos);
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

TEST_CASE("remedy-node takes REMEDY_LOG_LEVEL=warn from the environment",
          "[node]") {
  // Each ctest test is its own process: the variable reaches only this run.
  REQUIRE(::setenv("REMEDY_LOG_LEVEL", "warn", 1) == 0);
  auto r = run_node({"--quiet", "--duration", "0.3", "--seed", "7"});
  ::unsetenv("REMEDY_LOG_LEVEL");
  INFO(describe(r));
  REQUIRE_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("ignoring") == std::string::npos);
  CHECK(r.err.find(" info [") == std::string::npos);
}
