// remedy-node: the Remedy runtime's program. Without arguments it runs the
// closed-loop chaos scenario (chaos_scenario.hpp): the same seeded load and
// faults without and with Remedy, and a side-by-side report.
//
// Exit codes: 0 the run completed (the report says whether the goals were
// met), 1 a runtime failure, 64 a usage error, 128 + signal when SIGINT or
// SIGTERM cut it short (a partial report is still printed and written).

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "chaos_scenario.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/core/version.hpp"
#include "remedy/runtime/run_node.hpp"
#include "builtin_workers.hpp"

namespace {

using remedy::node::exit_usage;

/// Parses "3", "2.5", "2.5s", "500ms" or "1m" into a duration of 4 s to 1 h.
/// Returns an empty string on success, else what is wrong.
std::string parse_duration(const std::string& text, caf::timespan& out) {
  const char* first = text.c_str();
  char* last = nullptr;
  errno = 0;
  double value = std::strtod(first, &last);
  if (last == first || errno != 0 || !std::isfinite(value))
    return "'" + text + "' is not a duration (e.g. 60, 20s, 1m)";
  std::string unit{last};
  double seconds = 0;
  if (unit.empty() || unit == "s")
    seconds = value;
  else if (unit == "ms")
    seconds = value / 1000.0;
  else if (unit == "m" || unit == "min")
    seconds = value * 60.0;
  else
    return "'" + text + "': unknown unit '" + unit + "' (use ms, s or m)";
  if (seconds < 4)
    return "'" + text + "' is too short (at least 4 s: two runs)";
  if (seconds > 3600)
    return "'" + text + "' is too long (at most 1 hour)";
  out = std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double>(seconds));
  return {};
}

/// Parses a decimal uint64 (CLI11 turns "-5" into 2^64 - 5).
std::string parse_seed(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 20
      || text.find_first_not_of("0123456789") != std::string::npos)
    return "'" + text + "' is not an unsigned 64-bit integer";
  errno = 0;
  auto value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE)
    return "'" + text + "' is larger than 2^64 - 1";
  out = value;
  return {};
}

} // namespace

/// Whether the command line asks for a node from a config file.
static bool wants_config_node(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" || arg.rfind("--config=", 0) == 0
        || arg == "--check-config")
      return true;
  }
  return false;
}

int main(int argc, char** argv) {
  if (wants_config_node(argc, argv)) {
    remedy::node_registry reg;
    remedy::node::add_builtin_workers(reg);
    return remedy::run_node(argc, argv, reg);
  }
  remedy::node::scenario_options opts;
  std::string duration_text = "60s";
  std::string seed_text = "1";
  std::string log_level = "error";

  CLI::App app{"remedy-node: the Remedy runtime's program. Without a command "
               "it runs the chaos scenario: a service of workers under "
               "steady load with real faults injected on a seeded schedule, "
               "once without Remedy and once with it, and a side-by-side "
               "report.",
               "remedy-node"};
  app.set_version_flag("--version", std::string{remedy::version()});
  app
    .add_option("--duration", duration_text,
                "Both runs together (e.g. 60, 20s, 1m)")
    ->capture_default_str()
    ->check(CLI::Validator(
      [](std::string& x) {
        caf::timespan ignored{0};
        return parse_duration(x, ignored);
      },
      "DURATION", "duration"));
  app
    .add_option("--seed", seed_text,
                "Seed of the fault schedule, the targets and the load")
    ->capture_default_str()
    ->check(CLI::Validator(
      [](std::string& x) {
        uint64_t ignored = 0;
        return parse_seed(x, ignored);
      },
      "UINT64", "seed"));
  app.add_option("--workers", opts.workers, "Workers of the service")
    ->capture_default_str()
    ->check(CLI::Range(2, 64));
  app.add_option("--load", opts.load_rps, "Client requests per second")
    ->capture_default_str()
    ->check(CLI::Range(10.0, 20000.0));
  app
    .add_option("--report", opts.reports,
                "Write the report: FILE.json as JSON, FILE.html as a page "
                "(may be given more than once)")
    ->allow_extra_args(false);
  app
    .add_option("--overhead-rounds", opts.overhead_rounds,
                "Paired fault-free rounds (a 3 s run without Remedy and one "
                "with it) that measure the overhead after the two runs; 0 "
                "uses the runs' warm-up windows only")
    ->capture_default_str()
    ->check(CLI::Range(0, 20));
  app.add_option("--threads", opts.threads,
                 "CAF scheduler threads in each run")
    ->capture_default_str()
    ->check(CLI::Range(1, 64));
  auto log_level_opt
    = app
        .add_option("--log-level", log_level,
                    "Level of Remedy's loggers on stderr (default: "
                    "$REMEDY_LOG_LEVEL if set, else error)")
        ->capture_default_str()
        ->check(CLI::IsMember(
          {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_flag("-q,--quiet", opts.quiet,
               "No progress and no table: only the goals and the verdict");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
      return app.exit(e); // --help, --version
    std::cerr << "remedy-node: error: " << e.what() << '\n'
              << "Run 'remedy-node --help' for the options.\n";
    return exit_usage;
  }
  if (auto err = parse_duration(duration_text, opts.duration); !err.empty()) {
    std::cerr << "remedy-node: error: --duration: " << err << '\n';
    return exit_usage;
  }
  if (auto err = parse_seed(seed_text, opts.seed); !err.empty()) {
    std::cerr << "remedy-node: error: --seed: " << err << '\n';
    return exit_usage;
  }
  for (auto& path : opts.reports)
    if (path.empty()) {
      std::cerr << "remedy-node: error: --report: empty file name\n";
      return exit_usage;
    }
  bool level_from_env = log_level_opt->count() == 0
                        && std::getenv("REMEDY_LOG_LEVEL") != nullptr;
  try {
    if (!level_from_env)
      remedy::set_log_level(log_level);
    return remedy::node::run_chaos_scenario(opts);
  } catch (const std::exception& e) {
    std::cerr << "remedy-node: fatal: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "remedy-node: fatal: unknown exception\n";
  }
  return remedy::node::exit_failure;
}
