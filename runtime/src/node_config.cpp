#include "remedy/runtime/node_config.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "remedy/classification/fault.hpp"
#include "remedy/core/error.hpp"
#include "remedy/detection/adaptive_detector.hpp"
#include "remedy/runtime/node_registry.hpp"
#include "remedy/supervision/child_spec.hpp"

using namespace std::chrono_literals;

namespace remedy {

namespace sj = strict_json;

namespace {

constexpr caf::timespan max_duration = std::chrono::hours(24);

/// Joins `xs` as `"a", "b", "c"` for "expected one of" messages.
std::string one_of(const std::vector<std::string>& xs) {
  std::string result;
  for (auto& x : xs) {
    if (!result.empty())
      result += ", ";
    result += sj::quote(x);
  }
  return result.empty() ? "(none registered)" : result;
}

/// A child or supervisor name: non-empty, no '/', at most 64 characters.
bool read_name(sj::value_reader& r, std::string& out) {
  std::string x;
  if (!r.read(x, sj::string_rule::non_empty))
    return false;
  if (x.size() > 64 || x.find('/') != std::string::npos) {
    r.expected("a name of 1 to 64 characters without '/'");
    return false;
  }
  out = std::move(x);
  return true;
}

struct reader {
  const node_registry& reg;
  node_config& cfg;

  // -- tree ------------------------------------------------------------------

  /// A worker type and its args: `"worker": "type", "args": {...}`.
  start_fn read_worker(sj::object_reader& o) {
    start_fn result;
    auto type_field = o.field("worker", true);
    std::string type;
    if (!type_field || !type_field->read(type, sj::string_rule::non_empty)) {
      o.field("args", false); // read: no second error about it
      return result;
    }
    auto* make = reg.find_worker(type);
    if (make == nullptr) {
      type_field->expected("a registered worker type (one of "
                           + one_of(reg.worker_types()) + ")");
      o.field("args", false);
      return result;
    }
    if (auto args = o.field("args", false)) {
      args->object([&](sj::object_reader& a) { result = (*make)(a); });
    } else {
      sj::value empty;
      empty.type = sj::value::kind::object;
      empty.line = type_field->get().line;
      sj::object_reader a{empty, o.path() + ".args", *errors};
      result = (*make)(a);
      a.finish();
    }
    return result;
  }

  void read_restart(sj::object_reader& o, restart_type& out) {
    o.get_enum_optional("restart", out,
                        {{"permanent", restart_type::permanent},
                         {"transient", restart_type::transient},
                         {"temporary", restart_type::temporary}});
  }

  void read_shutdown(sj::object_reader& o, shutdown_spec& out) {
    auto f = o.field("shutdown", false);
    if (!f)
      return;
    if (f->get().type == sj::value::kind::string
        && (f->get().text == "brutal_kill" || f->get().text == "infinity")) {
      out = f->get().text == "brutal_kill" ? shutdown_spec::brutal_kill()
                                           : shutdown_spec::infinity();
      return;
    }
    caf::timespan grace{0};
    if (f->get().type != sj::value::kind::string) {
      f->expected("a duration (e.g. \"5s\"), \"brutal_kill\" or \"infinity\"");
      return;
    }
    if (f->read(grace, 1ms, max_duration))
      out = shutdown_spec::timeout(grace);
  }

  /// The flags and children of one supervisor at `path` ("" for the root).
  void read_supervisor(sj::object_reader& o, supervisor_builder& b,
                       const std::string& path) {
    auto s = strategy::one_for_one;
    o.get_enum_optional("strategy", s,
                        {{"one_for_one", strategy::one_for_one},
                         {"one_for_all", strategy::one_for_all},
                         {"rest_for_one", strategy::rest_for_one}});
    b = supervisor_builder(b.flags().name, s);
    o.object_optional("intensity", [&](sj::object_reader& i) {
      uint32_t restarts = 3;
      caf::timespan within = 5s;
      i.get("restarts", restarts, 0u, 1000000u);
      i.get("within", within, 1ms, max_duration);
      b.intensity(restarts, within);
    });
    o.object_optional("backoff", [&](sj::object_reader& k) {
      caf::timespan min = 0ms;
      caf::timespan max = 0ms;
      double jitter = 0;
      bool ok = k.get("min", min, 1ms, max_duration);
      ok = k.get("max", max, 1ms, max_duration) && ok;
      k.get_optional("jitter", jitter, 0.0, 1.0);
      if (ok && max < min) {
        if (auto f = k.field("max", false))
          f->expected("a duration at least min");
        return;
      }
      if (ok)
        b.with_backoff(backoff::exponential(min, max).with_jitter(jitter));
    });
    std::set<std::string> names;
    o.array(
      "children",
      [&](sj::value_reader& item) {
        item.object([&](sj::object_reader& c) {
          read_child(c, b, path, names);
        });
      },
      1, 1000);
  }

  void read_child(sj::object_reader& c, supervisor_builder& b,
                  const std::string& path, std::set<std::string>& names) {
    std::string name;
    if (auto f = c.field("name", true); f && read_name(*f, name)) {
      if (!names.insert(name).second) {
        f->error("duplicate child name " + sj::quote(name)
                 + " in this supervisor");
        name.clear();
      }
    }
    auto child_path = path.empty() ? name : path + "/" + name;
    int kinds = c.has("worker") + c.has("supervisor") + c.has("pool");
    if (kinds != 1) {
      if (auto f = c.field("name", false))
        f->error(kinds == 0
                   ? "a child needs one of \"worker\", \"supervisor\", \"pool\""
                   : "a child has only one of \"worker\", \"supervisor\", "
                     "\"pool\"");
      // Mark the rest as read: the error above says what is wrong.
      for (auto key : {"worker", "args", "supervisor", "pool", "restart",
                       "shutdown"})
        c.field(key, false);
      return;
    }
    auto restart = restart_type::permanent;
    read_restart(c, restart);
    if (c.has("worker")) {
      shutdown_spec shutdown;
      read_shutdown(c, shutdown);
      auto fn = read_worker(c);
      if (fn && !name.empty()) {
        b.worker(name, std::move(fn), restart, shutdown);
        cfg.tree.workers.push_back(child_path);
      }
    } else if (c.has("supervisor")) {
      supervisor_builder sub{name.empty() ? std::string{"x"} : name};
      c.object("supervisor", [&](sj::object_reader& s) {
        read_supervisor(s, sub, child_path);
      });
      if (!name.empty())
        b.supervisor(std::move(sub), restart);
    } else {
      c.object("pool", [&](sj::object_reader& p) {
        uint32_t size = 1;
        p.get_optional("size", size, 0u, 10000u);
        auto child_restart = restart_type::permanent;
        read_restart(p, child_restart);
        auto fn = read_worker(p);
        if (!fn || name.empty())
          return;
        supervisor_builder pool{name, strategy::simple_one_for_one};
        pool.intensity(std::max<uint32_t>(size, 1) * 3, 5s);
        pool.worker(name, std::move(fn), child_restart);
        b.supervisor(std::move(pool), restart);
        cfg.tree.pools.push_back(child_path);
        cfg.tree.pool_sizes[child_path] = size;
      });
    }
  }

  // -- services --------------------------------------------------------------

  void read_service(sj::object_reader& o, std::set<std::string>& names) {
    service_config svc;
    if (auto f = o.field("name", true); f && read_name(*f, svc.name)) {
      if (!names.insert(svc.name).second)
        f->error("duplicate service name " + sj::quote(svc.name));
    }
    if (auto f = o.field("target", true);
        f && f->read(svc.target, sj::string_rule::non_empty)) {
      auto& ws = cfg.tree.workers;
      auto& ps = cfg.tree.pools;
      svc.is_pool = std::count(ps.begin(), ps.end(), svc.target) > 0;
      if (!svc.is_pool && std::count(ws.begin(), ws.end(), svc.target) == 0) {
        std::vector<std::string> paths = ws;
        paths.insert(paths.end(), ps.begin(), ps.end());
        f->expected("the path of a worker or pool of the tree (one of "
                    + one_of(paths) + ")");
      }
    }
    auto& r = svc.route;
    r.name = svc.name;
    r.metrics_target = svc.target;
    r.timeout = 5s;
    o.get_optional("timeout", r.timeout, 1ms, max_duration);
    o.object_optional("retry", [&](sj::object_reader& x) {
      uint32_t attempts = 3;
      caf::timespan delay = 100ms;
      caf::timespan max_delay = 0ms;
      double jitter = 0.2;
      x.get("attempts", attempts, 1u, 100u);
      x.get_optional("delay", delay, 0ms, max_duration);
      x.get_optional("max_delay", max_delay, 0ms, max_duration);
      x.get_optional("jitter", jitter, 0.0, 1.0);
      auto cap = std::max(delay, max_delay);
      r.retry = retry_policy::exponential(attempts, delay, cap)
                  .with_jitter(jitter);
    });
    o.object_optional("breaker", [&](sj::object_reader& x) {
      circuit_breaker_settings b;
      b.name = svc.name;
      b.minimum_calls = 20;
      b.window_size = 50;
      b.open_duration = 5s;
      x.get_optional("failure_rate", b.failure_rate_threshold, 0.01, 1.0);
      x.get_optional("consecutive_failures", b.consecutive_failures, 0u,
                     1000000u);
      x.get_optional("window", b.window_size, 1u, 1000000u);
      x.get_optional("minimum_calls", b.minimum_calls, 1u, 1000000u);
      x.get_optional("open_for", b.open_duration, 1ms, max_duration);
      x.get_optional("half_open_probes", b.half_open_probes, 1u, 10000u);
      if (b.minimum_calls > b.window_size)
        b.minimum_calls = b.window_size;
      r.breaker = b;
    });
    o.object_optional("bulkhead", [&](sj::object_reader& x) {
      bulkhead_settings b;
      b.name = svc.name;
      x.get("max_concurrent", b.max_concurrent, 1u, 1000000u);
      x.get_optional("max_queue", b.max_queue, 0u, 1000000u);
      x.get_optional("max_wait", b.max_wait, 0ms, max_duration);
      r.bulkhead = b;
    });
    auto& s = svc.scheduler;
    s.name = svc.name;
    auto sched = o.field("scheduler", false);
    if (sched && !svc.is_pool)
      sched->error("\"scheduler\" is only for a service whose target is a "
                   "pool");
    else if (sched)
      sched->object([&](sj::object_reader& x) {
        x.get_optional("max_per_worker", s.max_per_worker, 1u, 100000u);
        x.get_optional("attempts", s.default_attempts, 1u, 100u);
        x.get_optional("attempt_timeout", s.attempt_timeout, 1ms,
                       max_duration);
        x.get_optional("deadline", s.default_deadline, 1ms, max_duration);
        x.get_optional("queue_capacity", s.queue_capacity, 0u, 10000000u);
        x.get_optional("hedge_budget", s.hedge_budget, 0.0, 1.0);
        x.get_optional("metrics_interval", s.metrics_interval, 0ms,
                       max_duration);
        x.get_enum_optional("policy", s.policy,
                            {{"least_loaded", placement_policy::least_loaded},
                             {"round_robin", placement_policy::round_robin},
                             {"random", placement_policy::random}});
      });
    cfg.services.push_back(std::move(svc));
  }

  // -- detection and healing -------------------------------------------------

  void read_detection(sj::object_reader& o) {
    o.get_optional("enabled", cfg.detection);
    double memory_limit_mb = 1024.0;
    if (o.get_optional("memory_limit_mb", memory_limit_mb, 1.0, 1e9))
      cfg.detection_settings.detectors = default_detectors(memory_limit_mb);
    o.array_optional("watch", [&](sj::value_reader& item) {
      item.object([&](sj::object_reader& w) {
        auto kind = metric_kind::gauge;
        caf::timespan interval = 1s;
        std::vector<std::string> metrics;
        w.get_enum("kind", kind,
                   {{"latency", metric_kind::latency},
                    {"rate", metric_kind::rate},
                    {"utilisation", metric_kind::utilisation},
                    {"count", metric_kind::count},
                    {"gauge", metric_kind::gauge}});
        w.array(
          "metrics",
          [&](sj::value_reader& m) {
            std::string name;
            if (m.read(name, sj::string_rule::non_empty))
              metrics.push_back(std::move(name));
          },
          1, 1000);
        w.get_optional("interval", interval, 1ms, max_duration);
        if (!metrics.empty())
          cfg.detection_settings.detectors.watch(kind, std::move(metrics),
                                                 interval);
      });
    });
    o.get_optional("clear_after", cfg.detection_settings.classifier.clear_after,
                   0ms, max_duration);
  }

  /// A list of strategy names, each registered and in `$.healing.strategies`
  /// when `known` is given.
  std::vector<std::string> read_strategy_list(sj::value_reader& r,
                                              const std::set<std::string>* known) {
    std::vector<std::string> result;
    r.array([&](sj::value_reader& item) {
      std::string name;
      if (!item.read(name, sj::string_rule::non_empty))
        return;
      if (reg.find_strategy(name) == nullptr)
        item.expected("a registered strategy (one of "
                      + one_of(reg.strategy_names()) + ")");
      else if (known != nullptr && known->count(name) == 0)
        item.expected("a strategy listed in $.healing.strategies");
      else
        result.push_back(std::move(name));
    });
    return result;
  }

  void read_healing(sj::object_reader& o) {
    auto& h = cfg.healing_settings_;
    o.get_optional("enabled", cfg.healing);
    if (auto f = o.field("strategies", false))
      cfg.strategies = read_strategy_list(*f, nullptr);
    std::set<std::string> known{cfg.strategies.begin(), cfg.strategies.end()};
    if (auto f = o.field("default_ladder", false))
      h.default_ladder = read_strategy_list(*f, &known);
    if (auto f = o.field("ladders", false)) {
      if (f->get().type != sj::value::kind::object) {
        f->expected("an object of fault class -> [strategy, ...]");
      } else {
        for (auto& m : f->get().members) {
          sj::value_reader item{m.v, sj::member_path(f->path(), m.key),
                                *errors};
          fault_class cls{};
          if (!from_string(m.key, cls)) {
            item.error("unknown fault class " + sj::quote(m.key));
            continue;
          }
          h.ladders[cls] = read_strategy_list(item, &known);
        }
      }
    }
    o.get_enum_optional("policy", h.policy,
                        {{"learned", healing_policy::learned},
                         {"first_applicable",
                          healing_policy::first_applicable}});
    o.get_optional("verify_window", h.verify_window, 1ms, max_duration);
    o.get_optional("cooldown", h.cooldown, 0ms, max_duration);
    o.get_optional("max_concurrent", h.max_concurrent, 1u, 10000u);
    o.get_optional("max_disruption", h.max_disruption, 0.0, 1.0);
    o.get_optional("dry_run", h.dry_run);
    o.get_enum_optional("scope", cfg.cluster_healing,
                        {{"node", false}, {"cluster", true}});
    if (cfg.cluster_healing && !cfg.cluster)
      if (auto f = o.field("scope", false))
        f->expected("\"node\" (\"cluster\" needs a $.cluster section)");
  }

  void read_chaos(sj::object_reader& o) {
    auto& c = cfg.chaos;
    o.get_optional("enabled", c.enabled);
    o.get_optional("crash_rate", c.crash_rate, 0.0, 1000.0);
    o.get_optional("seed", c.seed);
    o.array_optional("targets", [&](sj::value_reader& item) {
      std::string path;
      if (!item.read(path, sj::string_rule::non_empty))
        return;
      auto& ws = cfg.tree.workers;
      if (std::count(ws.begin(), ws.end(), path) == 0)
        item.expected("the path of a worker of the tree (one of "
                      + one_of(ws) + ")");
      else
        c.targets.push_back(std::move(path));
    });
  }

  void read_restart_policy(sj::object_reader& o) {
    auto& r = cfg.restart;
    o.get_optional("max_restarts", r.max_restarts, 0u, 1000u);
    o.get_optional("min_delay", r.min_delay, 0ms, max_duration);
    o.get_optional("max_delay", r.max_delay, 0ms, max_duration);
    o.get_optional("reset_after", r.reset_after, 1ms, max_duration);
    if (r.max_delay < r.min_delay)
      if (auto f = o.field("max_delay", false))
        f->expected("a duration at least min_delay");
  }

  void read_cluster(sj::object_reader& o) {
    cluster_settings c;
    c.name = cfg.name;
    o.get_optional("host", c.host, sj::string_rule::non_empty);
    o.get_optional("port", c.port, uint16_t{0}, uint16_t{65535});
    o.array_optional("seeds", [&](sj::value_reader& item) {
      if (auto hp = read_host_port(item))
        c.seeds.push_back(std::move(*hp));
    });
    o.get_optional("heartbeat", c.heartbeat_interval, 1ms, 1min);
    o.get_optional("phi_threshold", c.phi_threshold, 0.1, 1000.0);
    o.get_optional("acceptable_pause", c.acceptable_pause, 0ms, 1min);
    o.get_optional("down_after", c.down_after, 1ms, max_duration);
    o.get_optional("gossip", c.gossip_interval, 1ms, 1min);
    o.get_optional("connect_timeout", c.connect_timeout, 1ms, 1min);
    o.object_optional("lease",
                      [&](sj::object_reader& l) { read_lease(l, c.lease); });
    cfg.cluster = std::move(c);
  }

  /// `"host:port"` with a port from 1 to 65535.
  static std::optional<std::pair<std::string, uint16_t>>
  read_host_port(sj::value_reader& item) {
    std::string text;
    if (!item.read(text, sj::string_rule::non_empty))
      return std::nullopt;
    auto colon = text.rfind(':');
    unsigned long port = 0;
    bool ok = colon != std::string::npos && colon > 0
              && colon + 1 < text.size()
              && text.find_first_not_of("0123456789", colon + 1)
                   == std::string::npos
              && text.size() - colon - 1 <= 5;
    if (ok)
      port = std::stoul(text.substr(colon + 1));
    if (!ok || port == 0 || port > 65535) {
      item.expected("\"host:port\" with a port from 1 to 65535");
      return std::nullopt;
    }
    return std::make_pair(text.substr(0, colon), static_cast<uint16_t>(port));
  }

  /// `cluster.lease`: {"kind": "raft"|"etcd", "endpoints", "key", "ttl"};
  /// the last three only for etcd.
  void read_lease(sj::object_reader& o, lease_settings& l) {
    o.get_enum_optional("kind", l.kind,
                        {{"raft", lease_kind::raft},
                         {"etcd", lease_kind::etcd}});
    if (l.kind != lease_kind::etcd) {
      for (auto key : {"endpoints", "key", "ttl"})
        if (auto f = o.field(key, false))
          f->error(std::string{"\""} + key
                   + "\" is only for a lease of kind \"etcd\"");
      return;
    }
    std::vector<etcd_endpoint> endpoints;
    bool listed = o.array_optional(
      "endpoints",
      [&](sj::value_reader& item) {
        if (auto hp = read_host_port(item))
          endpoints.push_back(etcd_endpoint{hp->first, hp->second});
      },
      1, 16);
    if (listed)
      l.endpoints = std::move(endpoints);
    o.get_optional("key", l.key, sj::string_rule::non_empty);
    if (auto f = o.field("ttl", false)) {
      caf::timespan ttl{0};
      if (f->read(ttl, 1s, 1h)) {
        if (ttl % std::chrono::seconds(1) != caf::timespan{0})
          f->expected("a whole number of seconds");
        else
          l.ttl = ttl;
      }
    }
  }

  sj::diagnostics* errors = nullptr;

  void read_root(sj::object_reader& o) {
    if (auto f = o.field("name", false))
      read_name(*f, cfg.name);
    o.get_optional("threads", cfg.threads, 0u, 256u);
    o.object_optional("logging", [&](sj::object_reader& l) {
      l.get_enum_optional("level", cfg.log_level,
                          {{"trace", std::string{"trace"}},
                           {"debug", std::string{"debug"}},
                           {"info", std::string{"info"}},
                           {"warn", std::string{"warn"}},
                           {"error", std::string{"error"}},
                           {"critical", std::string{"critical"}},
                           {"off", std::string{"off"}}});
    });
    o.object_optional("http", [&](sj::object_reader& h) {
      uint16_t port = 0;
      if (h.get("port", port, uint16_t{0}, uint16_t{65535}))
        cfg.http_port = port;
      h.get_optional("address", cfg.http_address, sj::string_rule::non_empty);
    });
    cfg.tree.builder = supervisor_builder(cfg.name);
    o.object("tree", [&](sj::object_reader& t) {
      read_supervisor(t, cfg.tree.builder, "");
    });
    std::set<std::string> names;
    o.array_optional("services", [&](sj::value_reader& item) {
      item.object([&](sj::object_reader& s) { read_service(s, names); });
    });
    o.object_optional("detection",
                      [&](sj::object_reader& d) { read_detection(d); });
    cfg.strategies = {"restart", "isolate", "scale_out"};
    // The cluster before healing: healing's scope depends on it.
    o.object_optional("cluster",
                      [&](sj::object_reader& c) { read_cluster(c); });
    if (cfg.cluster && cfg.name.find(':') != std::string::npos)
      if (auto f = o.field("name", false))
        f->expected("a name without ':' in a cluster (the cluster's healing "
                    "names a node's targets \"<node>:<target>\")");
    o.object_optional("healing", [&](sj::object_reader& h) { read_healing(h); });
    o.object_optional("chaos", [&](sj::object_reader& c) { read_chaos(c); });
    o.object_optional("restart",
                      [&](sj::object_reader& r) { read_restart_policy(r); });
  }
};

} // namespace

namespace {

caf::expected<node_config> read_document(sj::document& doc,
                                         const node_registry& reg) {
  node_config cfg;
  cfg.file = doc.errors.file();
  reader rd{reg, cfg};
  rd.errors = &doc.errors;
  sj::read_object(doc, [&](sj::object_reader& o) { rd.read_root(o); });
  if (!doc.errors.empty())
    return doc.errors.to_error();
  if (auto err = cfg.tree.builder.validate())
    return make_error(errc::invalid_argument,
                      cfg.file + ": $.tree: " + render(err));
  if (cfg.chaos.enabled && cfg.chaos.targets.empty())
    cfg.chaos.targets = cfg.tree.workers;
  for (auto& name : cfg.strategies)
    cfg.strategy_makers[name] = *reg.find_strategy(name);
  auto& h = cfg.healing_settings_;
  if (h.ladders.empty() && h.default_ladder.empty())
    h.default_ladder = cfg.strategies;
  return cfg;
}

} // namespace

caf::expected<node_config> parse_node_config(const std::string& text,
                                             const std::string& file,
                                             const node_registry& reg) {
  auto doc = sj::parse(text, file);
  return read_document(doc, reg);
}

caf::expected<node_config> load_node_config(const std::string& path,
                                            const node_registry& reg) {
  auto doc = sj::parse_file(path);
  return read_document(doc, reg);
}

} // namespace remedy
