// A node's config file (node_config.hpp): golden tests for every error
// shape of the node schema, each with the exact lines a user sees, and the
// positive cases that read a node exactly.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <caf/event_based_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/runtime/node_config.hpp"
#include "remedy/runtime/node_registry.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

caf::behavior idle_worker(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

caf::behavior sized_worker(caf::event_based_actor*, uint32_t) {
  return {[](int x) { return x; }};
}

node_registry test_registry() {
  node_registry reg;
  reg.worker("idle", idle_worker);
  reg.worker("sized", [](strict_json::object_reader& args) {
    uint32_t capacity = 10;
    args.get("capacity", capacity, 1u, 1000u);
    return start(sized_worker, capacity);
  });
  return reg;
}

/// The errors of `text` as the user sees them, one per line ("" if none).
std::string errors_of(const std::string& text) {
  auto cfg = parse_node_config(text, "node.json", test_registry());
  return cfg ? std::string{} : context_of(cfg.error());
}

const char* minimal = R"({
  "name": "shop",
  "tree": {"children": [{"name": "store", "worker": "idle"}]}
})";

} // namespace

TEST_CASE("a minimal node reads with its defaults", "[node_config]") {
  auto cfg = parse_node_config(minimal, "node.json", test_registry());
  REQUIRE(cfg);
  CHECK(cfg->name == "shop");
  CHECK(cfg->tree.workers == std::vector<std::string>{"store"});
  CHECK(cfg->services.empty());
  CHECK(cfg->detection);
  CHECK(cfg->healing);
  CHECK(cfg->strategies
        == std::vector<std::string>{"restart", "isolate", "scale_out"});
  CHECK(cfg->healing_settings_.default_ladder == cfg->strategies);
  CHECK(!cfg->http_port);
  CHECK(!cfg->chaos.enabled);
  CHECK(cfg->restart.max_restarts == 3);
}

TEST_CASE("a full node reads every section exactly", "[node_config]") {
  auto cfg = parse_node_config(R"({
  "name": "shop",
  "threads": 2,
  "logging": {"level": "warn"},
  "http": {"port": 8080, "address": "127.0.0.1"},
  "tree": {
    "strategy": "rest_for_one",
    "intensity": {"restarts": 5, "within": "10s"},
    "backoff": {"min": "10ms", "max": "1s", "jitter": 0.2},
    "children": [
      {"name": "store", "worker": "sized", "args": {"capacity": 64},
       "restart": "transient", "shutdown": "2s"},
      {"name": "api", "supervisor": {
        "strategy": "one_for_all",
        "children": [{"name": "front", "worker": "idle",
                      "shutdown": "brutal_kill"}]}},
      {"name": "sessions", "pool": {"worker": "idle", "size": 4}}
    ]
  },
  "services": [
    {"name": "kv", "target": "store", "timeout": "500ms",
     "retry": {"attempts": 3, "delay": "10ms", "max_delay": "100ms"},
     "breaker": {"failure_rate": 0.5, "window": 20, "minimum_calls": 10,
                 "open_for": "2s"},
     "bulkhead": {"max_concurrent": 8, "max_queue": 16, "max_wait": "50ms"}},
    {"name": "work", "target": "sessions",
     "scheduler": {"max_per_worker": 4, "attempts": 2,
                   "attempt_timeout": "200ms", "policy": "round_robin",
                   "metrics_interval": "1s"}}
  ],
  "detection": {"memory_limit_mb": 512,
                "watch": [{"kind": "rate", "metrics": ["orders_per_s"],
                           "interval": "10s"}]},
  "healing": {"strategies": ["restart", "isolate"],
              "ladders": {"crash": ["restart"], "slow": ["isolate", "restart"]},
              "verify_window": "3s", "cooldown": "1s", "dry_run": true},
  "chaos": {"enabled": true, "crash_rate": 0.5, "seed": 7,
            "targets": ["store"]},
  "restart": {"max_restarts": 2, "min_delay": "100ms", "max_delay": "2s"}
})",
                               "node.json", test_registry());
  REQUIRE(cfg);
  CHECK(cfg->threads == 2);
  CHECK(cfg->log_level == "warn");
  CHECK(cfg->http_port == uint16_t{8080});
  CHECK(cfg->tree.builder.flags().strategy == strategy::rest_for_one);
  CHECK(cfg->tree.workers
        == std::vector<std::string>{"store", "api/front"});
  CHECK(cfg->tree.pools == std::vector<std::string>{"sessions"});
  CHECK(cfg->tree.pool_sizes.at("sessions") == 4);
  REQUIRE(cfg->services.size() == 2);
  auto& kv = cfg->services[0];
  CHECK(!kv.is_pool);
  CHECK(kv.route.timeout == 500ms);
  REQUIRE(kv.route.retry);
  CHECK(kv.route.retry->max_attempts() == 3);
  REQUIRE(kv.route.breaker);
  CHECK(kv.route.breaker->failure_rate_threshold == 0.5);
  CHECK(kv.route.breaker->window_size == 20);
  CHECK(kv.route.breaker->open_duration == 2s);
  REQUIRE(kv.route.bulkhead);
  CHECK(kv.route.bulkhead->max_concurrent == 8);
  auto& work = cfg->services[1];
  CHECK(work.is_pool);
  CHECK(work.scheduler.max_per_worker == 4);
  CHECK(work.scheduler.policy == placement_policy::round_robin);
  CHECK(work.scheduler.metrics_interval == 1s);
  CHECK(cfg->strategies == std::vector<std::string>{"restart", "isolate"});
  CHECK(cfg->strategy_makers.size() == 2);
  CHECK(cfg->healing_settings_.ladder(fault_class::slow)
        == std::vector<std::string>{"isolate", "restart"});
  CHECK(cfg->healing_settings_.dry_run);
  CHECK(cfg->chaos.enabled);
  CHECK(cfg->chaos.targets == std::vector<std::string>{"store"});
  CHECK(cfg->restart.max_restarts == 2);
  CHECK(cfg->restart.max_delay == 2s);
}

TEST_CASE("node config errors name file, line, path and what was expected",
          "[node_config]") {
  SECTION("unknown key with a near miss") {
    CHECK(errors_of(R"({
  "name": "shop",
  "tre": {}
})")
          == "node.json:1: $: missing required key \"tree\"\n"
             "node.json:3: $: unknown key \"tre\" (did you mean \"tree\"?)");
  }
  SECTION("unknown worker type lists the registered ones") {
    CHECK(errors_of(R"({"tree": {"children": [
  {"name": "a", "worker": "nope"}]}})")
          == "node.json:2: $.tree.children[0].worker: expected a registered "
             "worker type (one of \"idle\", \"sized\"), got \"nope\"");
  }
  SECTION("a worker type reads its own args strictly") {
    CHECK(errors_of(R"({"tree": {"children": [
  {"name": "a", "worker": "sized", "args": {"capacity": 5000, "colour": 1}}]}})")
          == "node.json:2: $.tree.children[0].args.capacity: expected an "
             "integer from 1 to 1000, got 5000\n"
             "node.json:2: $.tree.children[0].args: unknown key \"colour\"");
  }
  SECTION("a required arg of a worker type without args") {
    CHECK(errors_of(R"({"tree": {"children": [
  {"name": "a", "worker": "sized"}]}})")
          == "node.json:2: $.tree.children[0].args: missing required key "
             "\"capacity\"");
  }
  SECTION("duplicate keys and duplicate child names") {
    CHECK(errors_of(R"({"tree": {"children": [
  {"name": "a", "worker": "idle"},
  {"name": "a", "worker": "idle", "worker": "idle"}]}})")
          == "node.json:3: $.tree.children[1]: duplicate key \"worker\" "
             "(first at line 3)\n"
             "node.json:3: $.tree.children[1].name: duplicate child name "
             "\"a\" in this supervisor");
    CHECK(errors_of(R"({"tree": {"children": [
  {"name": "a", "worker": "idle"},
  {"name": "a", "worker": "idle"}]}})")
          == "node.json:3: $.tree.children[1].name: duplicate child name "
             "\"a\" in this supervisor");
  }
  SECTION("a child is exactly one of worker, supervisor, pool") {
    CHECK(errors_of(R"({"tree": {"children": [
  {"name": "a"},
  {"name": "b", "worker": "idle", "pool": {"worker": "idle"}}]}})")
          == "node.json:2: $.tree.children[0].name: a child needs one of "
             "\"worker\", \"supervisor\", \"pool\"\n"
             "node.json:3: $.tree.children[1].name: a child has only one of "
             "\"worker\", \"supervisor\", \"pool\"");
  }
  SECTION("wrong types, out of range, 2^64, infinities") {
    CHECK(errors_of(R"({
  "threads": 18446744073709551616,
  "http": {"port": 65536},
  "tree": {"intensity": {"restarts": -1, "within": 5},
           "children": [{"name": "a/b", "worker": "idle"}]},
  "chaos": {"crash_rate": 1e999}
})")
          == "node.json:2: $.threads: integer 18446744073709551616 does not "
             "fit in 64 bits\n"
             "node.json:3: $.http.port: expected an integer from 0 to 65535, "
             "got 65536\n"
             "node.json:4: $.tree.intensity.restarts: expected an integer "
             "from 0 to 1000000, got -1\n"
             "node.json:4: $.tree.intensity.within: expected a duration "
             "such as \"500ms\", \"2s\" or \"1m\", got 5\n"
             "node.json:5: $.tree.children[0].name: expected a name of 1 to "
             "64 characters without '/', got \"a/b\"\n"
             "node.json:6: $.chaos.crash_rate: number 1e999 is out of range "
             "for a double");
  }
  SECTION("services name a worker or pool of the tree") {
    CHECK(errors_of(R"({"tree": {"children": [{"name": "a", "worker": "idle"}]},
  "services": [{"name": "s", "target": "b"},
               {"name": "t", "target": "a", "scheduler": {}}]})")
          == "node.json:2: $.services[0].target: expected the path of a "
             "worker or pool of the tree (one of \"a\"), got \"b\"\n"
             "node.json:3: $.services[1].scheduler: \"scheduler\" is only for "
             "a service whose target is a pool");
  }
  SECTION("healing ladders name known classes and listed strategies") {
    CHECK(errors_of(R"({"tree": {"children": [{"name": "a", "worker": "idle"}]},
  "healing": {"strategies": ["restart", "reboot"],
              "ladders": {"crash": ["isolate"], "fire": ["restart"]}}})")
          == "node.json:2: $.healing.strategies[1]: expected a registered "
             "strategy (one of \"escalate\", \"failover\", \"isolate\", "
             "\"restart\", \"scale_out\", \"throttle\"), got \"reboot\"\n"
             "node.json:3: $.healing.ladders.crash[0]: expected a strategy "
             "listed in $.healing.strategies, got \"isolate\"\n"
             "node.json:3: $.healing.ladders.fire: unknown fault class "
             "\"fire\"");
  }
  SECTION("healing scope: node or cluster, cluster only with a cluster") {
    CHECK(errors_of(R"({"tree": {"children": [{"name": "a", "worker": "idle"}]},
  "healing": {"scope": "cluster"}})")
          == "node.json:2: $.healing.scope: expected \"node\" (\"cluster\" "
             "needs a $.cluster section), got \"cluster\"");
    CHECK(errors_of(R"({"tree": {"children": [{"name": "a", "worker": "idle"}]},
  "healing": {"scope": "world"}})")
          == "node.json:2: $.healing.scope: expected one of \"node\", "
             "\"cluster\", got \"world\"");
  }
  SECTION("a cluster member's name has no ':'") {
    CHECK(errors_of(R"({"name": "db:1",
  "tree": {"children": [{"name": "a", "worker": "idle"}]}, "cluster": {}})")
          == "node.json:1: $.name: expected a name without ':' in a cluster "
             "(the cluster's healing names a node's targets "
             "\"<node>:<target>\"), got \"db:1\"");
  }
  SECTION("backoff and restart delays in order") {
    CHECK(errors_of(R"({"tree": {"backoff": {"min": "2s", "max": "1s"},
  "children": [{"name": "a", "worker": "idle"}]},
  "restart": {"min_delay": "5s", "max_delay": "1s"}})")
          == "node.json:1: $.tree.backoff.max: expected a duration at least "
             "min, got \"1s\"\n"
             "node.json:3: $.restart.max_delay: expected a duration at least "
             "min_delay, got \"1s\"");
  }
  SECTION("syntax errors stop before reading") {
    auto text = errors_of("{\"tree\": {\"children\": [],}}");
    CHECK(text.rfind("node.json:1: ", 0) == 0);
    CHECK(text.find('\n') == std::string::npos);
  }
  SECTION("a missing file is one error naming it") {
    auto cfg = load_node_config("/nonexistent/node.json", test_registry());
    REQUIRE(!cfg);
    CHECK(context_of(cfg.error()).find("/nonexistent/node.json")
          != std::string::npos);
  }
}

TEST_CASE("cluster.lease: raft by default, etcd with endpoints, key and ttl",
          "[node_config][etcd_config]") {
  auto with_cluster = [](const std::string& cluster) {
    return std::string{R"({"tree": {"children": [{"name": "a", "worker": "idle"}]},
  "cluster": )"} + cluster + "}";
  };
  SECTION("no lease: the Raft election") {
    auto cfg = parse_node_config(with_cluster("{}"), "node.json",
                                 test_registry());
    REQUIRE(cfg);
    REQUIRE(cfg->cluster);
    CHECK(cfg->cluster->lease.kind == lease_kind::raft);
    CHECK(!cfg->cluster->validate());
  }
  SECTION("an etcd lease reads exactly") {
    auto cfg = parse_node_config(
      with_cluster(R"({"lease": {"kind": "etcd",
    "endpoints": ["127.0.0.1:2379", "etcd-2:32379"],
    "key": "shop/leader", "ttl": "5s"}})"),
      "node.json", test_registry());
    REQUIRE(cfg);
    auto& l = cfg->cluster->lease;
    CHECK(l.kind == lease_kind::etcd);
    REQUIRE(l.endpoints.size() == 2);
    CHECK(to_string(l.endpoints[0]) == "127.0.0.1:2379");
    CHECK(to_string(l.endpoints[1]) == "etcd-2:32379");
    CHECK(l.key == "shop/leader");
    CHECK(l.ttl == 5s);
    CHECK(l.period() == caf::timespan{5s} / 3);
    CHECK(!cfg->cluster->validate());
  }
  SECTION("etcd defaults") {
    auto cfg = parse_node_config(with_cluster(R"({"lease": {"kind": "etcd"}})"),
                                 "node.json", test_registry());
    REQUIRE(cfg);
    auto& l = cfg->cluster->lease;
    REQUIRE(l.endpoints.size() == 1);
    CHECK(to_string(l.endpoints[0]) == "127.0.0.1:2379");
    CHECK(l.key == "remedy/leader");
    CHECK(l.ttl == 2s);
  }
  SECTION("errors") {
    CHECK(errors_of(with_cluster(R"({"lease": {"kind": "zookeeper"}})"))
          == "node.json:2: $.cluster.lease.kind: expected one of \"raft\", "
             "\"etcd\", got \"zookeeper\"");
    CHECK(errors_of(with_cluster(R"({"lease": {"key": "k", "ttl": "2s"}})"))
          == "node.json:2: $.cluster.lease.key: \"key\" is only for a lease "
             "of kind \"etcd\"\n"
             "node.json:2: $.cluster.lease.ttl: \"ttl\" is only for a lease "
             "of kind \"etcd\"");
    CHECK(errors_of(with_cluster(R"({"lease": {"kind": "etcd",
    "endpoints": ["127.0.0.1", "h:0", 7], "key": "",
    "ttl": "1500ms", "tll": "2s"}})"))
          == "node.json:3: $.cluster.lease.endpoints[0]: expected "
             "\"host:port\" with a port from 1 to 65535, got \"127.0.0.1\"\n"
             "node.json:3: $.cluster.lease.endpoints[1]: expected "
             "\"host:port\" with a port from 1 to 65535, got \"h:0\"\n"
             "node.json:3: $.cluster.lease.endpoints[2]: expected a non-empty "
             "string, got 7\n"
             "node.json:3: $.cluster.lease.key: expected a non-empty string, "
             "got \"\"\n"
             "node.json:4: $.cluster.lease.ttl: expected a whole number of "
             "seconds, got \"1500ms\"\n"
             "node.json:4: $.cluster.lease: unknown key \"tll\" (did you "
             "mean \"ttl\"?)");
    CHECK(errors_of(with_cluster(R"({"lease": {"kind": "etcd",
    "endpoints": [], "ttl": "0s"}})"))
          == "node.json:3: $.cluster.lease.endpoints: expected an array of "
             "1 to 16 items, got 0\n"
             "node.json:3: $.cluster.lease.ttl: expected a duration from 1s "
             "to 1h, got \"0s\"");
  }
}

TEST_CASE("healing.scope: node by default, cluster with a cluster section",
          "[node_config]") {
  auto tree = std::string{
    R"({"tree": {"children": [{"name": "a", "worker": "idle"}]})"};
  auto plain = parse_node_config(tree + "}", "node.json", test_registry());
  REQUIRE(plain);
  CHECK_FALSE(plain->cluster_healing);
  auto clustered = parse_node_config(
    tree + R"(, "cluster": {}, "healing": {"scope": "cluster"}})", "node.json",
    test_registry());
  REQUIRE(clustered);
  CHECK(clustered->cluster_healing);
}
