#include "remedy/runtime/run_node.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <pthread.h>
#include <thread>

#include <CLI/CLI.hpp>

#include <caf/actor_factory.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>

#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"

#include <spdlog/spdlog.h>
#include "remedy/core/version.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/runtime/http_gateway.hpp"
#include "remedy/runtime/http_gateway_settings.hpp"
#include "remedy/runtime/node.hpp"
#include "remedy/runtime/node_config.hpp"
#include "remedy/runtime/json_reader.hpp"
#include "remedy/runtime/strict_json.hpp"

namespace remedy {

namespace {

/// Makes the registry's worker types spawnable by other cluster nodes (CAF's
/// remote spawn by name, see `remote_start`), each started as its reader
/// makes it from an empty `args` object; a type that needs arguments is left
/// out (logged at debug).
void add_remote_worker_types(remedy::config& cfg, const node_registry& reg) {
  for (auto& type : reg.worker_types()) {
    strict_json::diagnostics errs{"remote spawn"};
    strict_json::value empty;
    empty.type = strict_json::value::kind::object;
    strict_json::object_reader args{empty, "$.args", errs};
    auto fn = (*reg.find_worker(type))(args);
    args.finish();
    if (!errs.empty() || !fn) {
      logger("remedy.node")->debug("worker type '{}' needs arguments: not "
                                   "spawnable by other nodes",
                                   type);
      continue;
    }
    cfg.actor_factories[type]
      = [fn](caf::actor_config& acfg,
             caf::message& msg) -> caf::actor_factory_result {
      auto h = fn(acfg.host->system(), msg);
      if (!h)
        return {};
      return {caf::actor_cast<caf::strong_actor_ptr>(*h), {}};
    };
  }
}

/// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread
/// it starts later, CAF's included) and turns them into `stop` on a thread
/// of its own, so that no handler runs inside CAF's code.
class stop_signals {
public:
  explicit stop_signals(std::atomic<bool>& stop) : stop_(stop) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread{[this] {
      timespec tick{0, 50'000'000};
      while (!done_.load()) {
        int sig = sigtimedwait(&set_, nullptr, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
          logger("remedy.node")
            ->info("{}: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
          stop_.store(true);
        }
      }
    }};
  }

  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  ~stop_signals() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

private:
  std::atomic<bool>& stop_;
  std::atomic<bool> done_{false};
  sigset_t set_;
  sigset_t old_;
  std::thread thread_;
};

} // namespace

int run_node(int argc, char** argv, const node_registry& reg) {
  std::string file;
  bool check_only = false;
  std::optional<uint16_t> http_port;
  std::string log_level;
  CLI::App app{"Runs a Remedy node from a JSON config file.", "remedy-node"};
  app.set_version_flag("--version", std::string{version()});
  app.add_option("--config", file, "The node's config file (JSON)")
    ->required()
    ->check(CLI::ExistingFile);
  app.add_flag("--check-config", check_only,
               "Only validate the config file, then exit (0 or 78)");
  app.add_option("--http", http_port,
                 "Serve /metrics, /health and /api on 127.0.0.1:PORT "
                 "(overrides the file's http.port)")
    ->check(CLI::Range(0, 65535));
  app
    .add_option("--log-level", log_level,
                "Level of Remedy's loggers (default: the file's "
                "logging.level, else $REMEDY_LOG_LEVEL, else info)")
    ->check(CLI::IsMember(
      {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
      return app.exit(e); // --help, --version
    std::cerr << "remedy-node: error: " << e.what() << '\n'
              << "Run 'remedy-node --help' for the options.\n";
    return exit_status::usage;
  }
  auto cfg = load_node_config(file, reg);
  if (!cfg) {
    std::cerr << "remedy-node: configuration error:\n"
              << context_of(cfg.error()) << '\n';
    return exit_status::config;
  }
  if (check_only) {
    std::cout << file << ": ok (" << cfg->tree.workers.size() << " workers, "
              << cfg->tree.pools.size() << " pools, " << cfg->services.size()
              << " services)\n";
    return exit_status::ok;
  }
  if (!log_level.empty())
    set_log_level(log_level);
  else if (!cfg->log_level.empty())
    set_log_level(cfg->log_level);
  else if (std::getenv("REMEDY_LOG_LEVEL") == nullptr)
    set_log_level("info");
  if (http_port)
    cfg->http_port = *http_port;
  std::atomic<bool> stop{false};
  stop_signals signals{stop};
  caf::error result;
  {
    remedy::config sys_cfg;
    if (cfg->cluster) {
      // Node failure detection needs CAF's own connection heartbeat too: with
      // it off, a paused peer's connection never times out.
      sys_cfg.load<caf::io::middleman>();
      sys_cfg.set("middleman.heartbeat-interval",
                  cfg->cluster->heartbeat_interval);
      sys_cfg.set("middleman.connection-timeout", cfg->cluster->down_after);
      add_remote_worker_types(sys_cfg, reg);
    }
    if (cfg->threads > 0)
      sys_cfg.set("scheduler.max-threads", size_t{cfg->threads});
    caf::actor_system sys{sys_cfg};
    node_hooks hooks;
    hooks.stop = &stop;
    std::unique_ptr<http_gateway> gateway;
    std::string gateway_error;
    if (cfg->http_port) {
      hooks.on_metrics = [&](const caf::actor& metrics) {
        http_gateway_settings gs;
        gs.address = cfg->http_address;
        gs.port = *cfg->http_port;
        auto gw = start_http_gateway(sys, gs, {metrics, metrics, {}});
        if (!gw) {
          gateway_error = render(gw.error());
          stop.store(true);
          return;
        }
        gateway = std::move(*gw);
      };
      hooks.on_services = [&](const std::map<std::string, caf::actor>& xs) {
        if (!gateway)
          return;
        for (auto& [name, actor] : xs)
          gateway->set_service(name, actor);
        // Logged once the services are in place: a client (or a test) that
        // waits for this line finds /api ready.
        logger("remedy.node")
          ->info("node '{}': HTTP on {}:{} (/health, /metrics, /api/...)",
                 cfg->name, cfg->http_address, gateway->port());
      };
      hooks.on_stopping = [&] {
        if (gateway)
          gateway->stop();
      };
    }
    result = run_node(sys, *cfg, hooks);
    if (gateway)
      gateway->stop();
    if (!gateway_error.empty() && !result)
      result = make_error(errc::start_failed,
                          "HTTP gateway: " + gateway_error);
  }
  if (result) {
    std::cerr << "remedy-node: " << render(result) << '\n';
    return exit_status::failure;
  }
  return exit_status::ok;
}

} // namespace remedy
