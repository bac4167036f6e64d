// remedy-node: the Remedy runtime's program. For now it runs the supervision
// demo (see supervision_demo.hpp); later it will also run chaos scenarios.
//
// Exit codes: 0 every check held, 1 a check failed (or the run broke),
// 2 bad command line.

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <random>
#include <string>

#include <CLI/CLI.hpp>


#include "remedy/core/logging.hpp"
#include "remedy/core/version.hpp"
#include "remedy/runtime/run_node.hpp"
#include "builtin_workers.hpp"
#include "supervision_demo.hpp"

namespace {

constexpr int exit_usage = 2;

/// Parses "3", "2.5", "2.5s", "500ms" or "1m" into a positive duration.
/// Returns an empty string on success, else what is wrong.
std::string parse_duration(const std::string& text, caf::timespan& out) {
  const char* first = text.c_str();
  char* last = nullptr;
  errno = 0;
  double value = std::strtod(first, &last);
  if (last == first || errno != 0 || !std::isfinite(value))
    return "'" + text + "' is not a duration (e.g. 3, 2.5s, 500ms, 1m)";
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
  if (seconds < 0.01)
    return "'" + text + "' is too short (at least 10ms)";
  if (seconds > 3600)
    return "'" + text + "' is too long (at most 1 hour)";
  out = std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double>(seconds));
  return {};
}

/// Parses a decimal uint64. Returns an empty string on success, else what is
/// wrong.
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
  remedy::node::demo_options opts;
  std::string duration_text = "3s";
  std::string log_level = "warn";
  std::string seed_text;

  CLI::App app{"remedy-node: the Remedy runtime's program. Without a command "
               "it runs the supervision demo: a supervision tree under real "
               "client load with random crashes, watched by Remedy's "
               "detection pipeline, then a measured summary.",
               "remedy-node"};
  app.set_version_flag("--version", std::string{remedy::version()});
  app
    .add_option("--duration", duration_text,
                "How long the client drives load (e.g. 3, 2.5s, 500ms)")
    ->capture_default_str()
    ->check(CLI::Validator(
      [](std::string& x) {
        caf::timespan ignored{0};
        return parse_duration(x, ignored);
      },
      "DURATION", "duration"));
  // Parsed here: CLI11 turns "-5" into 2^64 - 5 and accepts 2^64.
  auto seed_opt = app
                    .add_option("--seed", seed_text,
                                "Seed of the crash schedule and the "
                                "client's choices (default: random)")
                    ->check(CLI::Validator(
                      [](std::string& x) {
                        uint64_t ignored = 0;
                        return parse_seed(x, ignored);
                      },
                      "UINT64", "seed"));
  app
    .add_option("--crash-rate", opts.crash_rate,
                "Mean injected crashes per second (0 for none)")
    ->capture_default_str()
    ->check(CLI::Validator(
      [](std::string& x) -> std::string {
        char* last = nullptr;
        errno = 0;
        double value = std::strtod(x.c_str(), &last);
        if (last == x.c_str() || *last != '\0' || errno != 0
            || !std::isfinite(value) || value < 0 || value > 1000)
          return "'" + x + "' is not a number from 0 to 1000";
        return {};
      },
      "RATE", "rate"));
  app
    .add_option("--threads", opts.threads,
                "Scheduler threads (CAF scheduler.max-threads)")
    ->capture_default_str()
    ->check(CLI::Range(1, 256));
  auto log_level_opt
    = app
        .add_option("--log-level", log_level,
                    "Level of Remedy's loggers on stderr (default: "
                    "$REMEDY_LOG_LEVEL if set, else warn)")
        ->capture_default_str()
        ->check(CLI::IsMember(
          {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_flag("-q,--quiet", opts.quiet,
               "Print only the checks and the verdict (and log at error "
               "level unless --log-level is given)");

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
  if (seed_opt->count() > 0)
    parse_seed(seed_text, opts.seed);
  else
    opts.seed = (uint64_t{std::random_device{}()} << 32)
                | std::random_device{}();

  // Without --log-level, REMEDY_LOG_LEVEL (the library's own setting) still
  // applies; else the default is warn, or error with --quiet (which also
  // quiets the crash reports the supervisors log at warn level).
  bool level_from_env = log_level_opt->count() == 0
                        && std::getenv("REMEDY_LOG_LEVEL") != nullptr;
  if (opts.quiet && log_level_opt->count() == 0)
    log_level = "error";
  try {
    if (!level_from_env)
      remedy::set_log_level(log_level); // checked by --log-level's IsMember
    return remedy::node::run_supervision_demo(opts);
  } catch (const std::exception& e) {
    std::cerr << "remedy-node: fatal: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "remedy-node: fatal: unknown exception\n";
  }
  return 1;
}
