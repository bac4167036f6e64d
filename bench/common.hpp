// Shared helpers for Remedy's benchmarks (bench/*.cpp): command line,
// actor system setup with a pinned scheduler, statistics, memory probes, a
// windowed request driver and the output format.
//
// Every benchmark compares Remedy against raw CAF doing the same work in the
// same process, interleaving repetitions so that drift on a noisy machine
// hits both sides alike, and reports ratios (remedy / caf, > 1 means Remedy
// is slower or bigger). Each prints a readable table and one line per result:
//
//   RESULT bench=<binary> name=<what> remedy=<v> caf=<v> ratio=<r> unit=<u>
//     goal=<max ratio or -> pass=<yes|no|->
//
// (one line, no wrap).
#pragma once

#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/duration.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/result.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/unit.hpp>

#include "remedy/runtime/config.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/percentile.hpp"

namespace bench {

using clock_type = std::chrono::steady_clock;

inline double since_us(clock_type::time_point t0, clock_type::time_point t1) {
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           clock_type::now().time_since_epoch())
    .count();
}

// -- the common target ----------------------------------------------------------

using ping_atom = caf::atom_constant<caf::atom("b_ping")>;

/// Answers `(ping_atom, x)` with `x` at once: the target behind the
/// throughput benchmarks, so that what is measured is the path to it.
inline caf::behavior echo(caf::event_based_actor*) {
  return {
    [](ping_atom, int x) { return x; },
  };
}

// -- command line -------------------------------------------------------------

struct options {
  bool quick = false;
  size_t threads = 2;
  std::string policy = "stealing";
  std::string log = "error";
  /// Benchmark-specific `--key=value` or `--flag` arguments.
  std::vector<std::pair<std::string, std::string>> extra;

  std::string get(const std::string& key, const std::string& fallback) const {
    for (auto& [k, v] : extra)
      if (k == key)
        return v;
    return fallback;
  }

  bool has(const std::string& key) const {
    for (auto& kv : extra)
      if (kv.first == key)
        return true;
    return false;
  }

  size_t get_size(const std::string& key, size_t fallback) const {
    auto v = get(key, "");
    return v.empty() ? fallback : static_cast<size_t>(std::stoull(v));
  }
};

/// Parses the common flags; unknown `--key[=value]` flags go to `extra`.
/// `usage` describes the benchmark-specific flags.
inline options parse(int argc, char** argv, const char* usage) {
  options result;
  if (const char* env = std::getenv("REMEDY_LOG_LEVEL"))
    result.log = env;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      // `usage`: the benchmark's flags on its first line, then their
      // descriptions.
      std::string text = usage;
      auto nl = text.find('\n');
      auto flags = text.substr(0, nl);
      auto details = nl == std::string::npos ? std::string{}
                                             : text.substr(nl + 1);
      std::printf(
        "usage: %s [--quick] [--threads=N] [--policy=stealing|sharing]\n"
        "          [--log=LEVEL] %s\n"
        "  --quick       small sizes, finishes in under 10 s\n"
        "  --threads=N   scheduler.max-threads (default 2)\n"
        "  --policy=P    scheduler.policy (default stealing)\n"
        "  --log=LEVEL   REMEDY_LOG_LEVEL for Remedy's loggers (default\n"
        "                error, or $REMEDY_LOG_LEVEL; 'info' is the\n"
        "                library's own default)\n"
        "%s",
        argv[0], flags.c_str(), details.c_str());
      if (!details.empty() && details.back() != '\n')
        std::printf("\n");
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0) {
      std::fprintf(stderr, "unexpected argument '%s' (see --help)\n",
                   arg.c_str());
      std::exit(2);
    }
    auto eq = arg.find('=');
    auto key = arg.substr(2, eq == std::string::npos ? std::string::npos
                                                     : eq - 2);
    auto value = eq == std::string::npos ? std::string{} : arg.substr(eq + 1);
    if (key == "quick")
      result.quick = true;
    else if (key == "threads")
      result.threads = static_cast<size_t>(std::stoul(value));
    else if (key == "policy")
      result.policy = value;
    else if (key == "log")
      result.log = value;
    else
      result.extra.emplace_back(key, value);
  }
  // Remedy's loggers read this when they are first made (in the first
  // supervisor or endpoint), so it must be set before the system runs.
  setenv("REMEDY_LOG_LEVEL", result.log.c_str(), 1);
  return result;
}

/// The NAB data directory: --dir, else $REMEDY_NAB_DIR, else
/// ../shared/data/nab-tune (relative to where the bench runs).
inline std::string nab_dir(const options& opts) {
  auto dir = opts.get("dir", "");
  if (!dir.empty())
    return dir;
  const char* env = std::getenv("REMEDY_NAB_DIR");
  return env ? env : "../shared/data/nab-tune";
}

/// A Remedy config with the scheduler pinned as `opts` says.
inline void configure(remedy::config& cfg, const options& opts) {
  cfg.set("scheduler.max-threads", static_cast<int64_t>(opts.threads));
  cfg.set("scheduler.policy", caf::atom_from_string(opts.policy));
}

inline std::string today() {
  char buf[32];
  auto t = std::time(nullptr);
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", std::localtime(&t));
  return buf;
}

/// The 1-minute load average (other work on the machine skews timings).
inline std::string loadavg() {
  std::ifstream in{"/proc/loadavg"};
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

inline void print_header(const char* name, const options& opts,
                         caf::actor_system& sys) {
  std::printf("== %s  (%s)\n", name, today().c_str());
  std::printf("   scheduler.max-threads=%zu (workers running: %zu)  "
              "policy=%s  cores=%ld  log=%s  mode=%s  loadavg=%s\n",
              opts.threads, sys.scheduler().num_workers(),
              opts.policy.c_str(), sysconf(_SC_NPROCESSORS_ONLN),
              opts.log.c_str(), opts.quick ? "quick" : "full",
              loadavg().c_str());
  std::fflush(stdout);
}

// -- statistics ---------------------------------------------------------------

// One percentile for the whole project: remedy/core/percentile.hpp.
using remedy::median;
using remedy::percentile;

/// "paired_median=... paired_min=... paired_max=..." of per-repetition
/// ratios, the extra fields of a RESULT line.
inline std::string paired(const std::vector<double>& xs) {
  char buf[128];
  std::snprintf(buf, sizeof(buf),
                "paired_median=%.3f paired_min=%.3f paired_max=%.3f",
                median(xs), percentile(xs, 0), percentile(xs, 100));
  return buf;
}

// -- memory -------------------------------------------------------------------

/// Bytes of heap in use (all malloc arenas, plus mmapped chunks).
inline size_t heap_in_use() {
  auto mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

/// Resident set size in bytes, from /proc/self/statm.
inline size_t rss_bytes() {
  std::ifstream in{"/proc/self/statm"};
  size_t pages = 0;
  size_t resident = 0;
  in >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// -- output -------------------------------------------------------------------

/// Prints one machine-readable result line. `goal` <= 0 means no goal.
inline void result(const char* bench, const std::string& name, double remedy,
                   double caf, const char* unit, double goal = 0,
                   const std::string& more = "") {
  auto ratio = remedy / caf;
  const char* pass = goal > 0 ? (ratio <= goal ? "yes" : "no") : "-";
  std::printf("RESULT bench=%s name=%s remedy=%.4g caf=%.4g ratio=%.3f "
              "unit=%s goal=",
              bench, name.c_str(), remedy, caf, ratio, unit);
  if (goal > 0)
    std::printf("%.2f", goal);
  else
    std::printf("-");
  std::printf(" pass=%s%s%s\n", pass, more.empty() ? "" : " ",
              more.c_str());
  std::fflush(stdout);
}

/// Prints one machine-readable line for a value with a goal (no raw side),
/// e.g. a growth factor: `RESULT bench=.. name=.. value=.. goal=.. pass=..`.
inline void value_result(const char* bench, const std::string& name,
                         double value, const char* unit, double goal,
                         const std::string& more = "") {
  std::printf("RESULT bench=%s name=%s value=%.4g unit=%s goal=%.2f pass=%s%s%s\n",
              bench, name.c_str(), value, unit, goal,
              value <= goal ? "yes" : "no", more.empty() ? "" : " ",
              more.c_str());
  std::fflush(stdout);
}

/// Aborts the process (the actor system would otherwise wait forever for
/// stuck actors) after printing why.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "bench: FAILED: %s\n", what.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(3);
}

// -- child processes ----------------------------------------------------------

/// A copy of this benchmark started as a child (see `fork_self`).
struct child_process {
  pid_t pid = -1;
  /// The port the child printed on its first line.
  uint16_t port = 0;
};

/// Starts `self_path` (argv[0]) with `args` as a child whose stdout is a
/// pipe, and reads the port it prints first. The child dies with this
/// process (PR_SET_PDEATHSIG), also when a benchmark fails.
inline child_process fork_self(const char* self_path,
                               std::vector<std::string> args) {
  int fds[2];
  if (::pipe(fds) != 0)
    fail("pipe failed");
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(self_path));
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::execv(self_path, argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  char buf[32] = {0};
  auto n = ::read(fds[0], buf, sizeof(buf) - 1);
  ::close(fds[0]);
  if (n <= 0)
    fail("the child did not start");
  return {pid, static_cast<uint16_t>(std::stoul(buf))};
}

/// Kills (SIGKILL) and reaps `c`.
inline void reap(child_process& c) {
  if (c.pid > 0) {
    ::kill(c.pid, SIGKILL);
    ::waitpid(c.pid, nullptr, 0);
    c.pid = -1;
  }
}

// -- request driver -----------------------------------------------------------

/// Starts one run of a request driver:
/// `(go_atom, target, n, in_flight, expect_error)`.
using go_atom = caf::atom_constant<caf::atom("b_go")>;

/// A windowed request driver: on `(go_atom, target, n, in_flight,
/// expect_error)` it sends `n` requests to `target` (caf::infinite timeout),
/// keeping `in_flight` of them outstanding, and answers (with nothing) once
/// all are answered. Every request is `Args...` (the values given at spawn,
/// sent as they are, not wrapped in a caf::message); an answer must be a
/// `Result` unless `expect_error`, in which case it must be an error. Any
/// other answer fails the bench (`what` names the request in the message).
/// A driver may be run again after its previous run has finished.
template <class Result, class... Args>
struct request_driver {
  struct state {
    std::string what;
    std::tuple<Args...> request;
    caf::actor target;
    size_t n = 0;
    size_t window = 0;
    bool expect_error = false;
    size_t sent = 0;
    size_t done = 0;
    caf::response_promise rp;
  };

  using actor_type = caf::stateful_actor<state>;

  static caf::behavior make(actor_type* self, std::string what,
                            Args... request) {
    self->state.what = std::move(what);
    self->state.request = std::make_tuple(std::move(request)...);
    return {
      [self](go_atom, caf::actor target, uint64_t n, uint64_t in_flight,
             bool expect_error) -> caf::result<void> {
        auto& st = self->state;
        st.target = std::move(target);
        st.n = n;
        st.window = in_flight;
        st.expect_error = expect_error;
        st.sent = 0;
        st.done = 0;
        st.rp = self->make_response_promise();
        for (size_t i = 0; i < st.window && st.sent < st.n; ++i)
          send_one(self);
        return st.rp;
      },
    };
  }

  static void on_answer(actor_type* self) {
    auto& st = self->state;
    if (++st.done == st.n) {
      st.rp.deliver(caf::unit);
      return;
    }
    if (st.sent < st.n)
      send_one(self);
  }

  static void send_one(actor_type* self) {
    auto& st = self->state;
    ++st.sent;
    std::apply(
      [&](const Args&... xs) {
        return self->request(st.target, caf::infinite, xs...);
      },
      st.request)
      .then(
        [self](const Result&) {
          if (self->state.expect_error)
            fail("fast-fail path: got a value, expected breaker_open");
          on_answer(self);
        },
        [self](caf::error& err) {
          if (!self->state.expect_error)
            fail(self->state.what + " failed: " + remedy::render(err));
          on_answer(self);
        });
  }
};

/// Spawns a `request_driver<Result, Args...>` sending `request...` each time.
template <class Result, class... Args>
caf::actor spawn_request_driver(caf::actor_system& sys, std::string what,
                                Args... request) {
  return sys.spawn(&request_driver<Result, Args...>::make, std::move(what),
                   std::move(request)...);
}

} // namespace bench
