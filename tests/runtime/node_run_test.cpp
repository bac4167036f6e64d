// A node run from its config (node.hpp) in this process, in real time: its
// services answer through their routes and schedulers, a stop request
// stops it cleanly and promptly, and a tree whose root gives up is started
// again with backoff, each time with a node_event, until the node gives up.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/node.hpp"
#include "remedy/runtime/node_config.hpp"
#include "remedy/runtime/node_event.hpp"
#include "remedy/runtime/node_registry.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

caf::behavior doubler(caf::event_based_actor*) {
  return {[](int x) { return x * 2; }};
}

node_registry test_registry() {
  node_registry reg;
  reg.worker("doubler", doubler);
  return reg;
}

node_config read(const std::string& text) {
  auto cfg = parse_node_config(text, "node.json", test_registry());
  REQUIRE(cfg);
  return std::move(*cfg);
}

/// Runs `cfg` on a thread of its own; the hooks hand out the services.
struct running_node {
  caf::actor_system& sys;
  node_config cfg;
  std::atomic<bool> stop{false};
  std::mutex mtx;
  std::map<std::string, caf::actor> services;
  std::atomic<int> starts{0};
  caf::actor metrics;
  node_hooks hooks;
  std::future<caf::error> result;

  running_node(caf::actor_system& sys, node_config c)
    : sys(sys), cfg(std::move(c)) {
    hooks.stop = &stop;
    hooks.on_services = [this](const std::map<std::string, caf::actor>& xs) {
      std::lock_guard<std::mutex> guard{mtx};
      services = xs;
      ++starts;
    };
    hooks.on_metrics = [this](const caf::actor& m) {
      std::lock_guard<std::mutex> guard{mtx};
      metrics = m;
    };
    result = std::async(std::launch::async,
                        [this] { return run_node(this->sys, cfg, hooks); });
  }

  ~running_node() {
    stop = true;
    if (result.valid())
      result.wait_for(10s);
  }

  caf::actor service(const std::string& name) {
    for (int i = 0; i < 250; ++i) { // at most 5 s
      {
        std::lock_guard<std::mutex> guard{mtx};
        auto j = services.find(name);
        if (j != services.end())
          return j->second;
      }
      std::this_thread::sleep_for(20ms);
    }
    return {};
  }
};

} // namespace

TEST_CASE("a node from its config serves through its routes and stops "
          "within 2 s",
          "[node]") {
  remedy::config sys_cfg;
  caf::actor_system sys{sys_cfg};
  running_node node{sys, read(R"({
  "name": "shop",
  "tree": {"children": [
    {"name": "calc", "worker": "doubler"},
    {"name": "pool", "pool": {"worker": "doubler", "size": 3}}]},
  "services": [
    {"name": "calc", "target": "calc", "timeout": "1s",
     "breaker": {"failure_rate": 0.5}, "bulkhead": {"max_concurrent": 4}},
    {"name": "pool", "target": "pool", "scheduler": {"attempts": 2}}]
})")};
  auto calc = node.service("calc");
  auto pool = node.service("pool");
  REQUIRE(calc);
  REQUIRE(pool);
  caf::scoped_actor self{sys};
  for (auto& svc : {calc, pool})
    for (int i = 1; i <= 20; ++i) {
      int answer = 0;
      self->request(svc, 2s, i).receive([&](int x) { answer = x; },
                                        [&](caf::error& err) {
                                          FAIL(render(err));
                                        });
      CHECK(answer == 2 * i);
    }
  // The node's metrics and health follow its tree.
  caf::actor metrics;
  {
    std::lock_guard<std::mutex> guard{node.mtx};
    metrics = node.metrics;
  }
  REQUIRE(metrics);
  std::string text;
  for (int i = 0; i < 50 && text.find("tree_started") == std::string::npos;
       ++i) {
    self->request(metrics, 1s, metrics_atom::value)
      .receive([&](std::string& x) { text = std::move(x); },
               [&](caf::error& err) { FAIL(render(err)); });
    std::this_thread::sleep_for(20ms);
  }
  CHECK(text.find("remedy_node_events_total{event=\"tree_started\"} 1")
        != std::string::npos);
  health_report health;
  self->request(metrics, 2s, health_atom::value)
    .receive([&](health_report& x) { health = std::move(x); },
             [&](caf::error& err) { FAIL(render(err)); });
  CHECK(health.healthy);
  CHECK(health.json.find("\"shop\"") != std::string::npos);
  CHECK(health.json.find("\"calc\"") != std::string::npos);
  auto t0 = std::chrono::steady_clock::now();
  node.stop = true;
  REQUIRE(node.result.wait_for(5s) == std::future_status::ready);
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  CHECK(!node.result.get());
  // Everything the node started is gone: the route no longer answers.
  bool answered = false;
  self->request(calc, 500ms, 1).receive([&](int) { answered = true; },
                                        [](caf::error&) {});
  CHECK(!answered);
}

TEST_CASE("a node restarts its tree with backoff when the root gives up, "
          "then exits with the reason",
          "[node]") {
  remedy::config sys_cfg;
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor events{sys};
  subscribe(events.ptr(), "node.");
  // 200 crashes a second against a root that allows 2 restarts in 5 s: the
  // root gives up within a few crashes, each time.
  auto cfg = read(R"({
  "name": "doomed",
  "tree": {"intensity": {"restarts": 2, "within": "5s"},
           "children": [{"name": "a", "worker": "doubler"},
                        {"name": "b", "worker": "doubler"}]},
  "detection": {"enabled": false},
  "healing": {"enabled": false},
  "chaos": {"enabled": true, "crash_rate": 200, "seed": 3},
  "restart": {"max_restarts": 2, "min_delay": "50ms", "max_delay": "100ms"}
})");
  auto t0 = std::chrono::steady_clock::now();
  running_node node{sys, std::move(cfg)};
  REQUIRE(node.result.wait_for(10s) == std::future_status::ready);
  auto err = node.result.get();
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  REQUIRE(err);
  CHECK(err == errc::max_restart_intensity);
  CHECK(context_of(err).find("the tree went down 3 time(s) in a row")
        != std::string::npos);
  CHECK(node.starts == 3);
  std::map<node_event_kind, int> seen;
  std::vector<caf::timespan> delays;
  for (bool more = true; more;)
    events->receive(
      [&](const node_event& ev) {
        ++seen[ev.kind];
        if (ev.kind == node_event_kind::tree_restarting) {
          delays.push_back(ev.delay);
          CHECK(ev.attempt == delays.size());
        }
      },
      caf::after(100ms) >> [&] { more = false; });
  CHECK(seen[node_event_kind::tree_started] == 3);
  CHECK(seen[node_event_kind::tree_down] == 3);
  CHECK(seen[node_event_kind::tree_restarting] == 2);
  CHECK(seen[node_event_kind::giving_up] == 1);
  REQUIRE(delays.size() == 2);
  CHECK(delays[0] >= 50ms);
  CHECK(delays[1] >= 100ms); // doubled, capped at max_delay (+ jitter)
  CHECK(delays[1] <= 120ms);
}

TEST_CASE("a node that is asked to stop while it waits to restart its tree "
          "stops without error",
          "[node]") {
  remedy::config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto cfg = read(R"({
  "tree": {"intensity": {"restarts": 0, "within": "1s"},
           "children": [{"name": "a", "worker": "doubler"}]},
  "detection": {"enabled": false},
  "healing": {"enabled": false},
  "chaos": {"enabled": true, "crash_rate": 100},
  "restart": {"max_restarts": 5, "min_delay": "10s", "max_delay": "10s"}
})");
  running_node node{sys, std::move(cfg)};
  for (int i = 0; i < 100 && node.starts == 0; ++i)
    std::this_thread::sleep_for(20ms);
  REQUIRE(node.starts == 1);
  std::this_thread::sleep_for(300ms); // the tree is down, the node waits 10 s
  node.stop = true;
  REQUIRE(node.result.wait_for(2s) == std::future_status::ready);
  CHECK(!node.result.get());
}
