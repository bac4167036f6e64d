// Supervision across nodes (remote_start.hpp) with real remedy-node
// processes on 127.0.0.1: this test process joins a cluster of two nodes,
// supervises a child spawned on one of them (CAF remote spawn of the node's
// `echo` worker type), and clients ask through the child's endpoint. When
// the child's node is killed (SIGKILL) or paused (SIGSTOP), the child counts
// as failed, is restarted on the other node, its endpoint repoints, and the
// clients keep getting answers; while a paused node is only unreachable,
// requests fail fast with node_unreachable. Every wait is bounded, every
// process reaped.

#include <catch2/catch.hpp>

#ifdef REMEDY_NODE_EXE

#  include <chrono>
#  include <cstdio>
#  include <fstream>
#  include <map>
#  include <memory>
#  include <optional>
#  include <set>
#  include <string>
#  include <thread>
#  include <vector>

#  include <boost/json.hpp>

#  include <caf/actor_system.hpp>
#  include <caf/after.hpp>
#  include <caf/exit_reason.hpp>
#  include <caf/io/middleman.hpp>
#  include <caf/node_id.hpp>
#  include <caf/scoped_actor.hpp>

#  include "remedy/core/error.hpp"
#  include "remedy/runtime/api_request.hpp"
#  include "remedy/runtime/api_response.hpp"
#  include "remedy/runtime/cluster.hpp"
#  include "remedy/runtime/config.hpp"
#  include "remedy/runtime/remote_start.hpp"
#  include "remedy/scheduling/scheduler.hpp"
#  include "remedy/scheduling/scheduler_settings.hpp"
#  include "remedy/supervision/supervision_tree.hpp"
#  include "remedy/supervision/supervisor_builder.hpp"
#  include "support/cluster_config.hpp"
#  include "support/node_process.hpp"

using namespace std::chrono_literals;
using namespace remedy;
using remedy::test::free_port;
using remedy::test::node_process;

namespace {

struct remote_node {
  explicit remote_node(std::string n) : name(std::move(n)) {
  }

  std::string name;
  uint16_t port = 0;
  std::string config_path;
  std::unique_ptr<node_process> proc;
};

void start(remote_node& n, uint16_t seed) {
  n.config_path = remedy::test::write_cluster_node_config("remote", n.name,
                                                        n.port, seed, "1500ms");
  n.proc = std::make_unique<node_process>(
    REMEDY_NODE_EXE, std::vector<std::string>{"--config", n.config_path});
}

/// This process as the third member, with a supervisor of one remote child.
struct remote_fixture {
  remote_node a{"a"};
  remote_node b{"b"};
  remedy::config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor agent;
  std::optional<supervision_tree> tree;
  caf::actor svc;

  explicit remote_fixture(size_t children = 1) {
    a.port = free_port();
    b.port = free_port();
    start(a, 0);
    start(b, a.port);
    cfg.load<caf::io::middleman>();
    cfg.set("middleman.heartbeat-interval", caf::timespan{100ms});
    cfg.set("middleman.connection-timeout", caf::timespan{1500ms});
    sys = std::make_unique<caf::actor_system>(cfg);
    cluster_settings s;
    s.name = "t";
    s.down_after = 1500ms;
    s.seeds.emplace_back("127.0.0.1", a.port);
    // The remote nodes may still be starting: contact retries with backoff.
    auto x = spawn_cluster_agent(*sys, s);
    REQUIRE(x);
    agent = x->first;
    REQUIRE(wait_for_peers(2, 15s));
    // One start function for all children: its placement spreads them.
    auto remote = remote_start(agent, "echo");
    auto sup = supervisor_builder("app", strategy::one_for_one)
                 .intensity(10, 10s);
    for (size_t i = 0; i < children; ++i)
      sup.worker(child_name(i), remote, restart_type::permanent,
                 shutdown_spec{});
    auto t = sup.spawn(*sys);
    REQUIRE(t);
    tree.emplace(std::move(*t));
    svc = tree->endpoint("svc");
    REQUIRE(svc);
  }

  ~remote_fixture() {
    if (tree) {
      caf::scoped_actor self{*sys};
      self->monitor(tree->root);
      self->send_exit(tree->root, caf::exit_reason::user_shutdown);
      self->receive([](caf::down_msg&) {},
                    caf::after(std::chrono::seconds(5)) >> [] {});
    }
    tree.reset();
    svc = nullptr;
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    agent = nullptr;
    sys.reset();
    for (auto* n : {&a, &b}) {
      n->proc.reset();
      std::remove(n->config_path.c_str());
    }
  }

  static std::string child_name(size_t i) {
    return i == 0 ? "svc" : "svc" + std::to_string(i);
  }

  /// The CAF node ids of the reachable peers, by name.
  std::map<std::string, caf::node_id> peers() {
    std::map<std::string, caf::node_id> result;
    caf::scoped_actor self{*sys};
    self->request(agent, 1s, cluster_peers_atom::value)
      .receive(
        [&](std::vector<cluster_member>& ms, std::vector<caf::actor>& hs) {
          for (size_t i = 0; i < ms.size() && i < hs.size(); ++i)
            result[ms[i].name] = hs[i].node();
        },
        [](caf::error&) {});
    return result;
  }

  bool wait_for_peers(size_t n, caf::timespan limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (peers().size() >= n)
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  /// One request through `to` (default: the first child's endpoint): the
  /// answering node's id as a string, or the error.
  std::pair<std::string, caf::error> ask(caf::timespan timeout = 2s,
                                         caf::actor to = nullptr) {
    caf::scoped_actor self{*sys};
    std::pair<std::string, caf::error> result;
    api_request req{"GET", "svc", "/x", "", "", "test"};
    self->request(to ? to : svc, timeout, req)
      .receive(
        [&](api_response& res) {
          auto body = boost::json::parse(res.body).as_object();
          result.first = std::string{body.at("node").as_string()};
        },
        [&](caf::error& err) { result.second = std::move(err); });
    return result;
  }

  /// Asks until an answer comes from a node other than `not_from` (at most
  /// `limit`); returns that node, or empty.
  std::string answered_elsewhere(const std::string& not_from,
                                 caf::timespan limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      auto [node, err] = ask(500ms);
      if (!err && !node.empty() && node != not_from)
        return node;
      std::this_thread::sleep_for(50ms);
    }
    return {};
  }

  remote_node& by_node(const std::string& id) {
    auto ps = peers();
    if (caf::to_string(ps["a"]) == id)
      return a;
    return b;
  }
};

} // namespace

TEST_CASE("a remote child runs on another node and answers through its "
          "endpoint",
          "[cluster][process][remote]") {
  remote_fixture fx;
  auto [node, err] = fx.ask();
  REQUIRE_FALSE(err);
  auto ps = fx.peers();
  CHECK((node == caf::to_string(ps["a"]) || node == caf::to_string(ps["b"])));
  CHECK(node != caf::to_string(fx.sys->node())); // not in this process
}

TEST_CASE("a remote child whose node is killed (SIGKILL) is restarted on "
          "another node and clients keep getting answers",
          "[cluster][process][remote]") {
  remote_fixture fx;
  auto [first, err] = fx.ask();
  REQUIRE_FALSE(err);
  auto& victim = fx.by_node(first);
  auto t0 = std::chrono::steady_clock::now();
  victim.proc->signal(SIGKILL);
  auto second = fx.answered_elsewhere(first, 10s);
  auto took = std::chrono::steady_clock::now() - t0;
  INFO("victim " << victim.name << "; took "
                 << std::chrono::duration_cast<std::chrono::milliseconds>(took)
                      .count()
                 << " ms");
  REQUIRE_FALSE(second.empty());
  CHECK(second != first);
  // The connection drops at once: no heartbeat timeout needed.
  CHECK(took < 3s);
  // Every later request is answered by the new incarnation.
  for (int i = 0; i < 20; ++i) {
    auto [n, e] = fx.ask();
    REQUIRE_FALSE(e);
    CHECK(n == second);
  }
}

TEST_CASE("a remote child whose node is paused (SIGSTOP) fails fast while "
          "the node is unreachable, then is restarted on another node",
          "[cluster][process][remote]") {
  remote_fixture fx;
  auto [first, err] = fx.ask();
  REQUIRE_FALSE(err);
  auto& victim = fx.by_node(first);
  victim.proc->signal(SIGSTOP);
  // Unreachable (phi) within about a second: requests fail fast, long
  // before their timeout, with a clear error.
  bool fast_failure = false;
  auto until = std::chrono::steady_clock::now() + 5s;
  while (!fast_failure && std::chrono::steady_clock::now() < until) {
    auto t = std::chrono::steady_clock::now();
    // Asked before the node is judged unreachable, a request waits out
    // this timeout; afterwards it fails at once.
    auto [n, e] = fx.ask(300ms);
    auto took = std::chrono::steady_clock::now() - t;
    if (e && is(e, errc::node_unreachable)) {
      CHECK(took < 100ms);
      CHECK(render(e).find("node '" + victim.name + "'") != std::string::npos);
      fast_failure = true;
    }
  }
  CHECK(fast_failure);
  // Down after down_after: the child is restarted on the other node.
  auto second = fx.answered_elsewhere(first, 10s);
  victim.proc->signal(SIGCONT);
  REQUIRE_FALSE(second.empty());
  CHECK(second != first);
}

TEST_CASE("a scheduler over remote children on two nodes moves tasks off a "
          "paused node: no task is lost",
          "[cluster][process][remote]") {
  remote_fixture fx{2};
  scheduler_settings ss;
  ss.name = "remote";
  ss.default_attempts = 3;
  ss.attempt_timeout = 300ms;
  ss.default_deadline = 3s;
  ss.eject_consecutive_failures = 2;
  auto sched = spawn_scheduler(*fx.sys, ss);
  REQUIRE(sched);
  caf::scoped_actor self{*fx.sys};
  std::set<std::string> nodes;
  for (size_t i = 0; i < 2; ++i) {
    auto ep = fx.tree->endpoint(remote_fixture::child_name(i));
    REQUIRE(add_worker(self, *sched, ep, remote_fixture::child_name(i)));
    auto [node, err] = fx.ask(2s, ep);
    REQUIRE_FALSE(err);
    nodes.insert(node);
  }
  // The shared placement put the two children on the two nodes.
  REQUIRE(nodes.size() == 2);
  auto& victim = fx.by_node(*nodes.begin());
  size_t sent = 0;
  size_t answered = 0;
  std::vector<std::string> failures;
  auto until = std::chrono::steady_clock::now() + 6s;
  bool paused = false;
  while (std::chrono::steady_clock::now() < until) {
    if (!paused && sent == 20) {
      victim.proc->signal(SIGSTOP); // mid-stream
      paused = true;
    }
    ++sent;
    auto [node, err] = fx.ask(4s, *sched);
    if (err)
      failures.push_back(render(err));
    else
      ++answered;
    std::this_thread::sleep_for(20ms);
  }
  victim.proc->signal(SIGCONT);
  INFO("victim " << victim.name << ", failures: " << failures.size()
                 << (failures.empty() ? "" : ", first: " + failures[0]));
  CHECK(paused);
  CHECK(sent > 100);
  CHECK(answered == sent); // every task answered: none lost
  caf::anon_send_exit(*sched, caf::exit_reason::user_shutdown);
}

#endif // REMEDY_NODE_EXE
