// One healing orchestrator for a whole cluster: three actor systems in this
// process stand for three nodes (real TCP on 127.0.0.1 through CAF's
// middleman). Each node runs its own service tree with detection, its own
// restart strategy, and its part of the cluster's healing; the orchestrator
// runs on the leader only. The example crashes the service of a node that
// does not lead three times in a row: that node's detectors name a crash
// loop, the leader's orchestrator orders that node's restart strategy to
// act, and the healing counts once the loop has cleared. Exits 0 only if
// the leader verified that healing.

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "remedy/classification/detection_tree.hpp"
#include "remedy/core/error.hpp"
#include "remedy/healing/atoms.hpp"
#include "remedy/healing/healing_stats.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/cluster_healing.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/strategies/restart_strategy.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

using namespace std::chrono_literals;
using crash_atom = caf::atom_constant<caf::atom("crash")>;

caf::behavior crashy_service(caf::event_based_actor*) {
  return {[](crash_atom) { throw std::runtime_error("injected crash"); }};
}

/// One node: the middleman, a cluster agent, a service tree with detection,
/// a restart strategy, and the node's part of the cluster's healing.
struct node {
  remedy::config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor agent, tree, service, restart, healing;
  std::string name;
  uint16_t port = 0;

  node(std::string node_name, uint16_t seed) : name(std::move(node_name)) {
    cfg.load<caf::io::middleman>();
    sys = std::make_unique<caf::actor_system>(cfg);
    remedy::cluster_settings cs;
    cs.name = name;
    if (seed != 0)
      cs.seeds.emplace_back("127.0.0.1", seed);
    auto x = remedy::spawn_cluster_agent(*sys, cs);
    // Three crashes within 2 s are a crash loop; 1 s without one is stable,
    // and the fault clears half a second later.
    remedy::detection_tree_settings ds;
    ds.detectors.crash_loop.loop.events = 3;
    ds.detectors.crash_loop.loop.window = 2s;
    ds.detectors.crash_loop.stable_after = 1s;
    ds.classifier.clear_after = 500ms;
    auto t = remedy::supervisor_builder(name, remedy::strategy::one_for_one)
               .intensity(10, 10s)
               .supervisor(remedy::detection_tree("detection", ds))
               .worker("svc", remedy::start(crashy_service))
               .spawn(*sys);
    auto r = remedy::spawn_restart_strategy(*sys);
    if (!x || !t || !r)
      return;
    agent = x->first;
    port = x->second;
    tree = t->root;
    service = t->endpoint("svc");
    restart = *r;
    // [offer]
    // What this node offers the cluster: its target and its strategy.
    remedy::heal_target svc;
    svc.name = name + "/svc";
    svc.supervisor = tree;
    svc.child = "svc";
    remedy::cluster_healing_settings hs;
    hs.healing.ladders[remedy::fault_class::crash_loop] = {"restart"};
    hs.healing.verify_window = 5s;
    auto h = remedy::spawn_cluster_healing(*sys, agent, hs, {svc},
                                           {{"restart", restart}});
    // [offer]
    if (h)
      healing = *h;
  }

  /// The cluster orchestrator's counters, asked through this node.
  caf::expected<remedy::healing_stats> status() {
    caf::scoped_actor self{*sys};
    caf::expected<remedy::healing_stats> result{caf::error{}};
    self->request(healing, 1s, remedy::healing_status_atom::value)
      .receive([&](remedy::healing_stats& x) { result = x; },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  std::string leader() {
    caf::scoped_actor self{*sys};
    std::string result;
    self->request(agent, 1s, remedy::cluster_leader_atom::value)
      .receive([&](uint64_t, std::string& who) { result = who; },
               [](caf::error&) {});
    return result;
  }

  ~node() {
    for (auto* x : {&healing, &restart, &tree, &agent})
      if (*x)
        caf::anon_send_exit(*x, caf::exit_reason::user_shutdown);
  }
};

int main() {
  std::vector<std::unique_ptr<node>> nodes;
  nodes.push_back(std::make_unique<node>("a", 0));
  for (auto name : {"b", "c"})
    nodes.push_back(std::make_unique<node>(name, nodes[0]->port));
  for (auto& n : nodes)
    if (!n->healing) {
      std::printf("node %s did not start\n", n->name.c_str());
      return 1;
    }
  // Wait (bounded) until every node reaches the orchestrator.
  auto all_joined = [&] {
    for (auto& n : nodes)
      if (!n->status())
        return false;
    return true;
  };
  for (int i = 0; i < 200 && !all_joined(); ++i)
    std::this_thread::sleep_for(50ms);
  auto leader = nodes[0]->leader();
  std::printf("the orchestrator runs on %s, the leader\n", leader.c_str());
  // Crash the service of a node that does not lead, three times in a row.
  auto& victim = *nodes[leader == "a" ? 1 : 0];
  std::printf("crashing %s/svc three times\n", victim.name.c_str());
  {
    caf::scoped_actor self{*victim.sys};
    for (int i = 0; i < 3; ++i) {
      self->send(victim.service, crash_atom::value);
      std::this_thread::sleep_for(100ms);
    }
  }
  // The leader heals it with the victim's own restart strategy; the healing
  // counts once the crash loop has cleared.
  bool healed = false;
  for (int i = 0; i < 200 && !healed; ++i) {
    auto s = victim.status();
    healed = s && s->succeeded >= 1;
    if (!healed)
      std::this_thread::sleep_for(50ms);
  }
  std::printf("%s\n", healed ? "the leader's orchestrator healed it"
                              : "FAILED: no verified healing");
  return healed ? 0 : 1;
}
