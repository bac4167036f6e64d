// Shared helpers for Remedy's benchmarks (bench/*.cpp): command line,
// actor system setup with a pinned scheduler, statistics, memory probes and
// the output format.
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
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include "remedy/runtime/config.hpp"

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

inline double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return NAN;
  std::sort(xs.begin(), xs.end());
  auto rank = p / 100.0 * static_cast<double>(xs.size() - 1);
  auto lo = static_cast<size_t>(std::floor(rank));
  auto hi = static_cast<size_t>(std::ceil(rank));
  auto frac = rank - static_cast<double>(lo);
  return xs[lo] + (xs[hi] - xs[lo]) * frac;
}

inline double median(std::vector<double> xs) {
  return percentile(std::move(xs), 50.0);
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

} // namespace bench
