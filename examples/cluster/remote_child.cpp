// A supervisor child on another node: three actor systems in this process
// stand for three nodes (real TCP on 127.0.0.1 through CAF's middleman).
// Nodes "a" and "b" can run the actor type "greeter"; node "app" supervises
// one greeter started wherever the cluster has a healthy member. When the
// greeter crashes, the supervisor restarts it on the other node and the
// child's endpoint keeps answering. Exits 0 only if that happened.

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

#include "remedy/core/error.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/runtime/remote_start.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

using namespace std::chrono_literals;
using greet_atom = caf::atom_constant<caf::atom("greet")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;

caf::behavior greeter(caf::event_based_actor*, std::string node) {
  return {
    [node](greet_atom, const std::string& who) {
      return "hello " + who + " from node " + node;
    },
    [](crash_atom) -> std::string { throw std::runtime_error("crash"); },
  };
}

/// One node: an actor system with the middleman and a cluster agent.
struct node {
  remedy::config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor agent;
  uint16_t port = 0;

  node(const std::string& name, uint16_t seed) {
    cfg.load<caf::io::middleman>();
    // Every node registers the types other nodes may spawn on it by name.
    cfg.add_actor_type("greeter", [name](caf::event_based_actor* self) {
      return greeter(self, name);
    });
    sys = std::make_unique<caf::actor_system>(cfg);
    remedy::cluster_settings s;
    s.name = name;
    if (seed != 0)
      s.seeds.emplace_back("127.0.0.1", seed);
    auto x = remedy::spawn_cluster_agent(*sys, s);
    if (x) {
      agent = x->first;
      port = x->second;
    }
  }
};

int main() {
  node a{"a", 0};
  node b{"b", a.port};
  node app{"app", a.port};
  caf::scoped_actor self{*app.sys};
  // Wait (bounded) until "app" sees both other members.
  for (int i = 0; i < 100; ++i) {
    size_t peers = 0;
    self->request(app.agent, 1s, remedy::cluster_peers_atom::value)
      .receive([&](std::vector<remedy::cluster_member>& ms,
                   std::vector<caf::actor>&) { peers = ms.size(); },
               [](caf::error&) {});
    if (peers == 2)
      break;
    std::this_thread::sleep_for(50ms);
  }
  // The supervision tree, composed as always; only the start differs.
  auto tree = remedy::supervisor_builder("app", remedy::strategy::one_for_one)
                .worker("greeter", remedy::remote_start(app.agent, "greeter"))
                .spawn(*app.sys);
  if (!tree) {
    std::printf("tree: %s\n", remedy::render(tree.error()).c_str());
    return 1;
  }
  auto greeter_ep = tree->endpoint("greeter");
  auto ask = [&] {
    std::string answer;
    self->request(greeter_ep, 2s, greet_atom::value, std::string{"you"})
      .receive([&](std::string& x) { answer = x; },
               [&](caf::error& err) { answer = remedy::render(err); });
    return answer;
  };
  auto before = ask();
  std::printf("before: %s\n", before.c_str());
  self->send(greeter_ep, crash_atom::value); // it crashes on its node
  std::string after;
  for (int i = 0; i < 100; ++i) { // the restart takes a moment
    after = ask();
    if (after.rfind("hello", 0) == 0 && after != before)
      break;
    std::this_thread::sleep_for(20ms);
  }
  std::printf("after:  %s\n", after.c_str());
  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  for (auto* n : {&app, &b, &a})
    caf::anon_send_exit(n->agent, caf::exit_reason::user_shutdown);
  bool moved = before.rfind("hello", 0) == 0 && after.rfind("hello", 0) == 0
               && before != after;
  std::printf("%s\n", moved ? "restarted on the other node"
                            : "FAILED: the greeter did not move");
  return moved ? 0 : 1;
}
