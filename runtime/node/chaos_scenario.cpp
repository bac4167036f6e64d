#include "chaos_scenario.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <boost/json/serialize.hpp>

#include "chaos_overhead.hpp"
#include "chaos_report.hpp"
#include "chaos_run.hpp"
#include "report_html.hpp"

namespace remedy::node {

namespace {

std::atomic<bool> stop_requested{false};
std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int sig) {
  stop_signal = sig;
  stop_requested = true;
}

/// SIGINT and SIGTERM cut the run short while it runs; restored after.
class signal_guard {
public:
  signal_guard() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }

  ~signal_guard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

bool ends_with(const std::string& x, const std::string& suffix) {
  return x.size() >= suffix.size()
         && x.compare(x.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Runs `cfg` in a thread while this one prints progress.
run_result run_with_progress(const run_settings& cfg, const std::string& label,
                             bool quiet) {
  live_counters live;
  live.stop = &stop_requested;
  run_result res;
  std::atomic<bool> finished{false};
  std::thread runner{[&] {
    res = run_once(cfg, live);
    finished = true;
  }};
  bool tty = isatty(STDOUT_FILENO) != 0;
  auto t0 = std::chrono::steady_clock::now();
  auto last_plain = t0;
  auto line = [&](double elapsed) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%-20s %5.1f s  requests %7llu  failed %6llu  open faults "
                  "%2lld  healings %2lld",
                  label.c_str(), elapsed,
                  static_cast<unsigned long long>(live.sent.load()),
                  static_cast<unsigned long long>(live.failed.load()),
                  static_cast<long long>(live.open_faults.load()),
                  static_cast<long long>(live.healings_active.load()));
    return std::string{buf};
  };
  while (!finished) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (quiet)
      continue;
    auto now = std::chrono::steady_clock::now();
    double elapsed = std::chrono::duration<double>(now - t0).count();
    if (tty) {
      std::cout << '\r' << line(elapsed) << "\x1b[K" << std::flush;
    } else if (now - last_plain >= std::chrono::seconds(2)) {
      last_plain = now;
      std::cout << line(elapsed) << '\n' << std::flush;
    }
  }
  runner.join();
  if (!quiet) {
    double elapsed = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - t0)
                       .count();
    std::cout << (tty ? "\r" : "") << line(elapsed) << (tty ? "\x1b[K" : "")
              << '\n';
  }
  return res;
}

} // namespace

std::string write_report(const boost::json::value& report,
                         const std::string& path) {
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  if (!out)
    return "cannot open '" + path + "' for writing";
  if (ends_with(path, ".html"))
    out << render_report_html(report);
  else
    out << boost::json::serialize(report) << '\n';
  out.close();
  if (!out)
    return "cannot write '" + path + "'";
  return {};
}

int run_chaos_scenario(const scenario_options& opts) {
  signal_guard guard;
  stop_requested = false;
  stop_signal = 0;
  auto shape = shape_for(opts.duration, opts.workers);
  run_settings base;
  base.shape = shape;
  base.seed = opts.seed;
  base.load_rps = opts.load_rps;
  base.threads = opts.threads;
  base.worker.iterations = calibrate_iterations(opts.work);
  base.plan = plan_faults(opts.seed, shape);
  if (!opts.quiet)
    std::cout << "remedy-node: chaos scenario, seed " << opts.seed << ", "
              << opts.workers << " workers, " << opts.load_rps
              << " requests/s, two runs of "
              << std::chrono::duration<double>(shape.length).count()
              << " s (warm-up "
              << std::chrono::duration<double>(shape.warmup).count()
              << " s), " << base.plan.size() << " faults planned per run, "
              << opts.overhead_rounds << " overhead rounds of 2 x "
              << std::chrono::duration<double>(opts.overhead_round_length)
                   .count()
              << " s\n";
  std::optional<run_result> without, with;
  int rc = exit_ok;
  {
    auto cfg = base;
    cfg.remedy = false;
    without = run_with_progress(cfg, "without Remedy", opts.quiet);
    if (!without->error.empty()) {
      std::cerr << "remedy-node: the run without Remedy failed: "
                << without->error << '\n';
      rc = exit_failure;
    }
  }
  if (rc == exit_ok && !stop_requested) {
    auto cfg = base;
    cfg.remedy = true;
    with = run_with_progress(cfg, "with Remedy", opts.quiet);
    if (!with->error.empty()) {
      std::cerr << "remedy-node: the run with Remedy failed: " << with->error
                << '\n';
      rc = exit_failure;
    }
  }
  // -- overhead: paired fault-free rounds ------------------------------------
  overhead_measurement overhead;
  overhead.requested = opts.overhead_rounds;
  overhead.round_length = opts.overhead_round_length;
  auto n = opts.overhead_rounds;
  for (size_t r = 0; r < n && rc == exit_ok && !stop_requested; ++r) {
    auto cfg = fault_free(base, opts.overhead_round_length);
    overhead_round round;
    round.remedy_first = remedy_first_in(r);
    for (int k = 0; k < 2 && rc == exit_ok && !stop_requested; ++k) {
      bool remedy = (k == 0) == round.remedy_first;
      cfg.remedy = remedy;
      auto label = "overhead " + std::to_string(r + 1) + "/"
                   + std::to_string(n) + (remedy ? " with" : " without");
      auto res = run_with_progress(cfg, label, opts.quiet);
      auto sample = sample_of(res);
      if (!res.error.empty()) {
        std::cerr << "remedy-node: " << label << " failed: " << res.error
                  << '\n';
        rc = exit_failure;
      }
      (remedy ? round.with_remedy : round.without_remedy) = std::move(sample);
    }
    if (round.with_remedy.error.empty() && round.without_remedy.error.empty()
        && round.with_remedy.requests > 0
        && round.without_remedy.requests > 0)
      overhead.rounds.push_back(std::move(round));
  }
  bool partial = stop_requested.load();
  auto valid = [](const std::optional<run_result>& x) {
    return x && x->error.empty() ? &*x : nullptr;
  };
  auto report = build_report(opts, shape, base.worker.iterations,
                             valid(without), valid(with), partial, overhead);
  print_report(report, std::cout, opts.quiet);
  for (auto& path : opts.reports) {
    if (auto err = write_report(report, path); !err.empty()) {
      std::cerr << "remedy-node: --report: " << err << '\n';
      rc = exit_failure;
    } else if (!opts.quiet) {
      std::cout << "report written to " << path << '\n';
    }
  }
  std::cout << std::flush;
  if (partial && rc == exit_ok)
    return 128 + stop_signal.load();
  return rc;
}

} // namespace remedy::node
