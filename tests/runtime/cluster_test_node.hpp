#pragma once
// In-process cluster nodes for tests: an actor system with the middleman and
// a node agent on a free loopback port, and a bounded real-time poll.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/cluster_member.hpp"
#include "remedy/runtime/cluster_settings.hpp"
#include "remedy/runtime/config.hpp"

namespace remedy::test {

using namespace std::chrono_literals;

struct test_node {
  remedy::config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor agent;
  uint16_t port = 0;

  test_node(const std::string& name, std::vector<uint16_t> seeds) {
    cfg.load<caf::io::middleman>();
    cfg.set("middleman.heartbeat-interval", caf::timespan{100ms});
    cfg.set("middleman.connection-timeout", caf::timespan{1s});
    sys = std::make_unique<caf::actor_system>(cfg);
    cluster_settings s;
    s.name = name;
    s.down_after = 1s;
    for (auto p : seeds)
      s.seeds.emplace_back("127.0.0.1", p);
    auto x = spawn_cluster_agent(*sys, s);
    REQUIRE(x);
    agent = x->first;
    port = x->second;
  }

  std::vector<cluster_member> members() {
    caf::scoped_actor self{*sys};
    std::vector<cluster_member> result;
    self->request(agent, 1s, cluster_members_atom::value)
      .receive([&](std::vector<cluster_member>& xs) { result = std::move(xs); },
               [](caf::error&) {});
    return result;
  }

  std::vector<cluster_member> reachable() {
    caf::scoped_actor self{*sys};
    std::vector<cluster_member> result;
    self->request(agent, 1s, cluster_reachable_atom::value)
      .receive([&](std::vector<cluster_member>& xs) { result = std::move(xs); },
               [](caf::error&) {});
    return result;
  }

  /// The names of members in `state` in this node's view.
  std::set<std::string> in_state(member_state state) {
    std::set<std::string> result;
    for (auto& m : members())
      if (m.state == state)
        result.insert(m.name);
    return result;
  }

  void stop() {
    if (!sys)
      return;
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    agent = nullptr;
    sys.reset();
  }

  ~test_node() {
    stop();
  }
};

/// Polls `pred` every 20 ms for at most `limit`. Real time on purpose: the
/// agents talk over loopback TCP through CAF's middleman, whose multiplexer
/// the test coordinator does not drive, and `pred` asks several nodes'
/// agents at once, so there is no single event on one bus to wait for.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

} // namespace remedy::test
