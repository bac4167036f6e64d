// Cluster membership (cluster.hpp) between actor systems in this process,
// over real loopback TCP through CAF's middleman: nodes join through one
// seed and converge on one member list; a node that goes away is
// unreachable and then down on the others; a node that leaves says so.

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

#include "remedy/classification/classifier.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/config.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

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

/// Polls `pred` every 20 ms for at most `limit`.
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

const std::set<std::string> abc{"a", "b", "c"};

} // namespace

TEST_CASE("three nodes joining through one seed converge on one member list",
          "[cluster]") {
  test_node a{"a", {}};
  test_node b{"b", {a.port}};
  test_node c{"c", {a.port}};
  for (auto* n : {&a, &b, &c}) {
    INFO("node " << n->port);
    CHECK(eventually([&] { return n->in_state(member_state::up) == abc; }));
    CHECK(eventually([&] { return n->reachable().size() == 3; }));
  }
}

TEST_CASE("a node that goes away is unreachable, then down, on the others",
          "[cluster]") {
  test_node a{"a", {}};
  test_node b{"b", {a.port}};
  auto c = std::make_unique<test_node>("c", std::vector<uint16_t>{a.port});
  caf::scoped_actor events{*a.sys};
  subscribe(events.ptr(), "cluster.");
  REQUIRE(eventually([&] { return b.in_state(member_state::up) == abc; }));
  auto t0 = std::chrono::steady_clock::now();
  c->stop();
  CHECK(eventually([&] { return a.reachable().size() == 2; }, 3000ms));
  CHECK(eventually(
    [&] { return a.in_state(member_state::down) == std::set<std::string>{"c"}; },
    5000ms));
  CHECK(eventually(
    [&] { return b.in_state(member_state::down) == std::set<std::string>{"c"}; },
    5000ms));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took < 4s);
  std::vector<cluster_event_kind> seen;
  for (bool more = true; more;)
    events->receive(
      [&](const cluster_event& ev) {
        if (ev.member.name == "c")
          seen.push_back(ev.kind);
      },
      caf::after(50ms) >> [&] { more = false; });
  REQUIRE(seen.size() >= 2);
  CHECK(seen.back() == cluster_event_kind::node_down);
  CHECK(std::count(seen.begin(), seen.end(),
                   cluster_event_kind::node_unreachable)
        == 1);
}

TEST_CASE("a lost node is a detection the classifier names: unreachable, "
          "then node_down",
          "[cluster]") {
  test_node a{"a", {}};
  auto b = std::make_unique<test_node>("b", std::vector<uint16_t>{a.port});
  auto classifier = spawn_classifier(*a.sys, classifier_settings{});
  REQUIRE(classifier);
  caf::scoped_actor events{*a.sys};
  subscribe(events.ptr(), "fault.");
  REQUIRE(eventually([&] {
    return a.in_state(member_state::up) == std::set<std::string>{"a", "b"};
  }));
  b->stop();
  std::set<fault_class> raised;
  auto until = std::chrono::steady_clock::now() + 5s;
  while (raised.count(fault_class::node_down) == 0
         && std::chrono::steady_clock::now() < until)
    events->receive(
      [&](const fault_event& ev) {
        if (ev.kind == fault_event_kind::raised && ev.what.target == "node/b")
          raised.insert(ev.what.cls);
      },
      caf::after(100ms) >> [] {});
  CHECK(raised.count(fault_class::unreachable) == 1);
  CHECK(raised.count(fault_class::node_down) == 1);
  caf::anon_send_exit(*classifier, caf::exit_reason::user_shutdown);
}

TEST_CASE("a node that leaves is left on the others, not down", "[cluster]") {
  test_node a{"a", {}};
  test_node b{"b", {a.port}};
  REQUIRE(eventually([&] {
    return a.in_state(member_state::up) == std::set<std::string>{"a", "b"};
  }));
  bool left = false;
  {
    caf::scoped_actor self{*b.sys}; // gone before b's system
    self->request(b.agent, 1s, cluster_leave_atom::value)
      .receive([&] { left = true; }, [](caf::error&) {});
  }
  REQUIRE(left);
  CHECK(eventually(
    [&] { return a.in_state(member_state::left) == std::set<std::string>{"b"}; }));
  b.stop();
  std::this_thread::sleep_for(1500ms); // longer than down_after
  CHECK(a.in_state(member_state::left) == std::set<std::string>{"b"});
  CHECK(a.in_state(member_state::down).empty());
}
