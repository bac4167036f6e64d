#include "remedy/runtime/node.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/system_messages.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>

#include "remedy/classification/detection_tree.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/logging.hpp"

#include <spdlog/spdlog.h>
#include "remedy/healing/orchestrator.hpp"
#include "remedy/healing/orchestrator_actor.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/chaos_monkey.hpp"
#include "remedy/runtime/metrics.hpp"
#include "remedy/runtime/metrics_settings.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/cluster_healing.hpp"
#include "remedy/runtime/node_event.hpp"
#include "remedy/scheduling/scheduler.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/supervisor_actor.hpp"

using namespace std::chrono_literals;

namespace remedy {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr caf::timespan step_timeout = std::chrono::seconds(5);

void announce(caf::actor_system& sys, node_event ev) {
  auto log = logger("remedy.node");
  auto delay_ms
    = std::chrono::duration_cast<std::chrono::milliseconds>(ev.delay).count();
  switch (ev.kind) {
    case node_event_kind::tree_started:
      log->info("node '{}': tree started{}", ev.node,
                ev.attempt > 0 ? " again (restart " + std::to_string(ev.attempt)
                                   + ")"
                               : std::string{});
      break;
    case node_event_kind::tree_down:
      log->error("node '{}': the tree's root gave up: {}", ev.node, ev.detail);
      break;
    case node_event_kind::tree_restarting:
      log->warn("node '{}': restarting the tree in {} ms (restart {})",
                ev.node, delay_ms, ev.attempt);
      break;
    case node_event_kind::giving_up:
      log->critical("node '{}': giving up: {}", ev.node, ev.detail);
      break;
    case node_event_kind::stopping:
      log->info("node '{}': stopping ({})", ev.node, ev.detail);
      break;
  }
  auto t = topic(ev);
  publish(sys, t, caf::make_message(std::move(ev)));
}

/// The parent supervisor's path of `path` ("" for a child of the root) and
/// the child's id.
std::pair<std::string, std::string> split_path(const std::string& path) {
  auto i = path.rfind('/');
  if (i == std::string::npos)
    return {std::string{}, path};
  return {path.substr(0, i), path.substr(i + 1)};
}

/// Detection and healing: started once, kept across tree restarts.
struct infra {
  caf::actor root;
  caf::actor orchestrator;
};

/// The heal targets of the running tree, shared with the start function of
/// the orchestrator (or relay), which reads them at each (re)start.
class target_book {
public:
  void put(heal_target t) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto name = t.name;
    targets_[name] = std::move(t);
  }

  std::vector<heal_target> snapshot() const {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<heal_target> result;
    for (auto& [name, t] : targets_)
      result.push_back(t);
    return result;
  }

private:
  mutable std::mutex mtx_;
  std::map<std::string, heal_target> targets_;
};

/// The tree and what stands in front of it: rebuilt on each restart.
struct service_layer {
  caf::actor root;
  std::vector<caf::actor> fronts; // routes and schedulers
  caf::actor chaos;
  std::map<std::string, caf::actor> services;
};

class node_runner {
public:
  node_runner(caf::actor_system& sys, const node_config& cfg,
              const node_hooks& hooks)
    : sys_(sys), cfg_(cfg), hooks_(hooks), self_(sys) {
  }

  caf::error run() {
    if (auto err = start_infra())
      return stop_all(std::move(err));
    uint32_t attempt = 0;
    for (;;) {
      service_layer layer;
      auto started_at = clock_type::now();
      if (auto err = start_layer(layer)) {
        // A start that fails after the first one counts as the tree going
        // down; the first one is a configuration or environment error.
        stop_layer(layer);
        if (attempt == 0 && first_start_)
          return stop_all(make_error(errc::start_failed,
                                     "node '" + cfg_.name + "': "
                                       + render(err)));
        first_start_ = false;
        if (auto end = next_attempt(attempt, render(err)))
          return stop_all(std::move(*end));
        continue;
      }
      first_start_ = false;
      announce(sys_, {node_event_kind::tree_started, cfg_.name, "", attempt,
                      caf::timespan{0}});
      self_->send(metrics_, metrics_root_atom::value, layer.root);
      if (hooks_.on_tree)
        hooks_.on_tree(layer.root);
      if (hooks_.on_services)
        hooks_.on_services(layer.services);
      auto reason = wait_for_root(layer.root);
      if (!reason) { // asked to stop
        announce(sys_, {node_event_kind::stopping, cfg_.name, "stop requested",
                        0, caf::timespan{0}});
        begin_stopping();
        // Leave first: the others elect a new leader (and start its
        // singletons) while this node stops its tree.
        leave_cluster();
        stop_layer(layer);
        return stop_all(caf::error{});
      }
      stop_layer(layer);
      if (self_downed_) {
        // Not the tree's fault: restarting it would run a minority on.
        announce(sys_, {node_event_kind::giving_up, cfg_.name, *reason,
                        attempt, caf::timespan{0}});
        return stop_all(make_error(errc::shutting_down,
                                   "node '" + cfg_.name + "': " + *reason));
      }
      if (clock_type::now() - started_at >= cfg_.restart.reset_after)
        attempt = 0;
      announce(sys_, {node_event_kind::tree_down, cfg_.name, *reason, attempt,
                      caf::timespan{0}});
      if (auto end = next_attempt(attempt, *reason))
        return stop_all(std::move(*end));
    }
  }

private:
  bool stop_requested() const {
    return hooks_.stop != nullptr && hooks_.stop->load();
  }

  /// Waits the backoff before restart number `attempt + 1`. Returns none to
  /// go on, an error if the node gives up (too many restarts), and an empty
  /// error if it was asked to stop meanwhile (a clean stop).
  std::optional<caf::error> next_attempt(uint32_t& attempt,
                                         const std::string& why) {
    if (attempt >= cfg_.restart.max_restarts) {
      auto detail = "the tree went down " + std::to_string(attempt + 1)
                    + " time(s) in a row, last: " + why;
      announce(sys_, {node_event_kind::giving_up, cfg_.name, detail, attempt,
                      caf::timespan{0}});
      return make_error(errc::max_restart_intensity,
                        "node '" + cfg_.name + "': " + detail);
    }
    auto b = backoff::exponential(std::max(cfg_.restart.min_delay, caf::timespan{1ms}),
                                  std::max(cfg_.restart.max_delay, caf::timespan{1ms}))
               .with_jitter(0.2);
    std::uniform_real_distribution<double> u{0.0, 1.0};
    auto delay = cfg_.restart.max_delay.count() == 0
                   ? caf::timespan{0}
                   : b.delay(attempt, u(rng_));
    ++attempt;
    announce(sys_, {node_event_kind::tree_restarting, cfg_.name, why, attempt,
                    delay});
    auto until = clock_type::now() + delay;
    while (clock_type::now() < until) {
      if (stop_requested())
        return caf::error{};
      std::this_thread::sleep_for(
        std::min<clock_type::duration>(hooks_.poll_interval,
                                       until - clock_type::now()));
    }
    return std::nullopt;
  }

  /// Returns the root's exit reason, or none when asked to stop.
  std::optional<std::string> wait_for_root(const caf::actor& root) {
    std::optional<std::string> reason;
    bool done = false;
    while (!done) {
      if (stop_requested())
        return std::nullopt;
      self_->receive(
        [&](const caf::down_msg& dm) {
          if (dm.source == root) {
            reason = render(dm.reason);
            done = true;
          }
        },
        [&](const caf::exit_msg&) {},
        [&](const cluster_event& ev) {
          if (ev.kind == cluster_event_kind::node_down
              && ev.observer == cfg_.name && ev.member.name == cfg_.name) {
            reason = cfg_.cluster && cfg_.cluster->lease.kind == lease_kind::etcd
                       ? "the cluster's split-brain rule downed this node ("
                         "it could not reach the lease holder)"
                       : "the cluster's split-brain rule downed this node ("
                         "it reached no majority)";
            done = true;
            self_downed_ = true;
          }
        },
        caf::after(hooks_.poll_interval) >> [] {});
    }
    return reason;
  }

  caf::error start_infra() {
    metrics_settings ms;
    ms.name = cfg_.name;
    ms.root_name = cfg_.name;
    auto metrics = spawn_metrics(sys_, ms);
    if (!metrics)
      return std::move(metrics.error());
    metrics_ = *metrics;
    if (hooks_.on_metrics)
      hooks_.on_metrics(metrics_);
    if (cfg_.cluster) {
      auto agent = spawn_cluster_agent(sys_, *cfg_.cluster);
      if (!agent)
        return std::move(agent.error());
      cluster_agent_ = agent->first;
      subscribe(self_.ptr(), "cluster.node_down");
      logger("remedy.node")
        ->info("node '{}': cluster agent on {}:{}", cfg_.name,
               cfg_.cluster->host, agent->second);
    }
    if (!cfg_.detection && !cfg_.healing)
      return {};
    supervisor_builder b{"remedy", strategy::one_for_one};
    b.intensity(10, 10s);
    if (cfg_.detection)
      b.supervisor(detection_tree("detection", cfg_.detection_settings));
    if (cfg_.healing) {
      strategy_set set;
      for (auto& [name, make] : cfg_.strategy_makers) {
        auto s = make(sys_);
        if (!s)
          return make_error(errc::start_failed,
                            "strategy '" + name + "': " + render(s.error()));
        strategies_.push_back(*s);
        set.emplace(name, *s);
      }
      // The orchestrator (or, for the cluster's healing, this node's relay)
      // gets the running tree's targets at each (re)start.
      auto book = book_;
      if (cfg_.cluster_healing) {
        cluster_healing_settings cs;
        cs.healing = cfg_.healing_settings_;
        b.worker("healing", [cs, agent = cluster_agent_, set,
                             book](caf::actor_system& sys, const caf::message&) {
          return spawn_cluster_healing(sys, agent, cs, book->snapshot(), set);
        });
      } else {
        b.worker("healing", [hs = cfg_.healing_settings_, set, book,
                             memory = make_healing_memory()](
                              caf::actor_system& sys,
                              const caf::message& extra) {
          return orchestrator_start(hs, set, book->snapshot(),
                                    memory)(sys, extra);
        });
      }
    }
    auto tree = b.spawn(sys_);
    if (!tree)
      return std::move(tree.error());
    infra_.root = tree->root;
    if (cfg_.healing)
      infra_.orchestrator = tree->endpoint("healing");
    return {};
  }

  caf::error start_layer(service_layer& layer) {
    auto tree = cfg_.tree.builder.spawn(sys_);
    if (!tree)
      return std::move(tree.error());
    layer.root = tree->root;
    self_->monitor(layer.root);
    auto sup_of = [&](const std::string& parent) {
      return parent.empty() ? tree->root : tree->endpoint(parent);
    };
    // Fill the pools.
    for (auto& [path, size] : cfg_.tree.pool_sizes)
      for (uint32_t i = 0; i < size; ++i)
        if (auto x = start_pool_child(self_, tree->endpoint(path),
                                      caf::message{}, step_timeout);
            !x)
          return make_error(errc::start_failed,
                            "pool '" + path + "': " + render(x.error()));
    // Routes, and schedulers over pools.
    for (auto& svc : cfg_.services) {
      auto target = tree->endpoint(svc.target);
      auto route_target = target;
      if (svc.is_pool) {
        auto sched = spawn_scheduler(sys_, svc.scheduler);
        if (!sched)
          return std::move(sched.error());
        layer.fronts.push_back(*sched);
        if (auto ok = follow_pool(self_, *sched, target, svc.target,
                                  step_timeout);
            !ok)
          return std::move(ok.error());
        route_target = *sched;
      }
      auto settings = svc.route;
      settings.metrics_target = cfg_.name + "/" + svc.target;
      auto route = spawn_route(sys_, route_target, settings);
      if (!route)
        return std::move(route.error());
      layer.fronts.push_back(*route);
      layer.services.emplace(svc.name, *route);
    }
    // Every static worker is a heal target.
    if (infra_.orchestrator) {
      for (auto& path : cfg_.tree.workers) {
        auto [parent, child] = split_path(path);
        heal_target t;
        t.name = cfg_.name + "/" + path;
        t.supervisor = sup_of(parent);
        t.child = child;
        t.endpoint = tree->endpoint(path);
        for (auto& svc : cfg_.services)
          if (svc.target == path)
            t.route = layer.services[svc.name];
        book_->put(t);
        self_->send(infra_.orchestrator, heal_target_atom::value,
                    std::move(t));
      }
    }
    if (cfg_.chaos.enabled && cfg_.chaos.crash_rate > 0) {
      std::vector<chaos_target> targets;
      for (auto& path : cfg_.chaos.targets) {
        auto [parent, child] = split_path(path);
        targets.push_back({path, sup_of(parent), child});
      }
      auto chaos_cfg = cfg_.chaos;
      chaos_cfg.seed += restarts_seen_++;
      auto chaos = spawn_chaos_monkey(sys_, chaos_cfg, std::move(targets));
      if (!chaos)
        return std::move(chaos.error());
      layer.chaos = *chaos;
    }
    return {};
  }

  /// Stops `a` and waits (bounded) for it to be gone.
  void stop_and_wait(const caf::actor& a, caf::timespan bound) {
    if (!a)
      return;
    self_->monitor(a);
    self_->send_exit(a, caf::exit_reason::user_shutdown);
    auto until = clock_type::now() + bound;
    bool gone = false;
    while (!gone && clock_type::now() < until)
      self_->receive(
        [&](const caf::down_msg& dm) {
          if (dm.source == a)
            gone = true;
        },
        [&](const caf::exit_msg&) {},
        caf::after(std::chrono::duration_cast<caf::timespan>(
          until - clock_type::now()))
          >> [] {});
    if (!gone) {
      logger("remedy.node")
        ->warn("node '{}': an actor did not stop in time; killing it",
               cfg_.name);
      self_->send_exit(a, caf::exit_reason::kill);
    }
  }

  void stop_layer(service_layer& layer) {
    if (layer.chaos)
      self_->send_exit(layer.chaos, caf::exit_reason::user_shutdown);
    for (auto& f : layer.fronts)
      self_->send_exit(f, caf::exit_reason::user_shutdown);
    stop_and_wait(layer.root, 1500ms);
    layer = service_layer{};
  }

  /// Tells the host once that the node stops (before anything stops).
  void begin_stopping() {
    if (hooks_.on_stopping && !stopping_called_)
      hooks_.on_stopping();
    stopping_called_ = true;
  }

  /// A graceful leave (once): the others see `left`, not a failure.
  void leave_cluster() {
    if (!cluster_agent_ || left_)
      return;
    left_ = true;
    self_->request(cluster_agent_, 500ms, cluster_leave_atom::value)
      .receive([] {}, [](caf::error&) {});
  }

  caf::error stop_all(caf::error result) {
    begin_stopping();
    if (cluster_agent_) {
      leave_cluster();
      stop_and_wait(cluster_agent_, 500ms);
    }
    stop_and_wait(infra_.root, 500ms);
    stop_and_wait(metrics_, 200ms);
    for (auto& s : strategies_)
      self_->send_exit(s, caf::exit_reason::user_shutdown);
    strategies_.clear();
    return result;
  }

  caf::actor_system& sys_;
  caf::actor cluster_agent_;
  caf::actor metrics_;
  const node_config& cfg_;
  const node_hooks& hooks_;
  caf::scoped_actor self_;
  infra infra_;
  std::vector<caf::actor> strategies_;
  std::shared_ptr<target_book> book_ = std::make_shared<target_book>();
  std::mt19937_64 rng_{std::random_device{}()};
  uint64_t restarts_seen_ = 0;
  bool first_start_ = true;
  bool self_downed_ = false;
  bool stopping_called_ = false;
  bool left_ = false;
};

} // namespace

caf::error run_node(caf::actor_system& sys, const node_config& cfg,
                    const node_hooks& hooks) {
  node_runner runner{sys, cfg, hooks};
  return runner.run();
}

} // namespace remedy
