// Cluster-wide healing (cluster_healing.hpp) between three actor systems in
// this process, over real loopback TCP through CAF's middleman: one
// orchestrator on the leader heals a fault raised on another node with that
// node's own strategy, and after the leader goes the next leader's
// orchestrator does, under a higher term, which the node's strategy then
// holds against the deposed leader's term.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/healing/atoms.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/healing/healing_stats.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/cluster_healing.hpp"
#include "remedy/strategies/restart_strategy.hpp"
#include "remedy/strategies/strategy_actor.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

#include "cluster_test_node.hpp"

using namespace std::chrono_literals;
using namespace remedy;
using remedy::test::eventually;
using remedy::test::test_node;

namespace {

caf::behavior idle_worker(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

/// A cluster node with a one-child tree ("svc", child "w"), a restart
/// strategy and its part of the cluster's healing.
struct healing_node {
  std::unique_ptr<test_node> node;
  caf::actor root;
  caf::actor restart;
  caf::actor relay;

  healing_node(const std::string& name, std::vector<uint16_t> seeds) {
    node = std::make_unique<test_node>(name, std::move(seeds));
    auto& sys = *node->sys;
    auto tree = supervisor_builder("svc", strategy::one_for_one)
                  .worker("w", start(idle_worker))
                  .spawn(sys);
    REQUIRE(tree);
    root = tree->root;
    auto r = spawn_restart_strategy(sys);
    REQUIRE(r);
    restart = *r;
    heal_target t;
    t.name = "svc/w";
    t.supervisor = root;
    t.child = "w";
    cluster_healing_settings cs;
    cs.healing.ladders[fault_class::hang] = {"restart"};
    cs.healing.verify_window = 3s;
    cs.healing.cooldown = 100ms;
    cs.healing.relapse_window = caf::timespan{0}; // each fault stands alone
    cs.healing.strategy_timeout = 2s;
    cs.check_interval = 100ms;
    auto x = spawn_cluster_healing(sys, node->agent, cs, {t},
                                   {{"restart", restart}});
    REQUIRE(x);
    relay = *x;
  }

  /// The child's current actor id (0 if none).
  caf::actor_id child() {
    caf::scoped_actor self{*node->sys};
    caf::actor_id result = 0;
    self->request(root, 1s, which_children_atom::value)
      .receive(
        [&](std::vector<child_info>& xs) {
          for (auto& c : xs)
            if (c.id == "w" && c.current)
              result = c.current.id();
        },
        [](caf::error&) {});
    return result;
  }

  /// What this node's classifier would publish for a hang of "svc/w".
  fault_event make_fault(fault_event_kind kind, uint64_t id,
                         caf::timespan skew = caf::timespan{0}) {
    auto now = node->sys->clock().now().time_since_epoch() + skew;
    fault_event ev;
    ev.kind = kind;
    ev.what.id = id;
    ev.what.cls = fault_class::hang;
    ev.what.target = "svc/w";
    ev.what.severity = 1.0;
    ev.what.confidence = 1.0;
    ev.what.active = kind != fault_event_kind::cleared;
    ev.what.first_seen = raised_at.count() != 0 ? raised_at : now;
    ev.what.last_seen = now;
    if (kind == fault_event_kind::cleared) {
      ev.what.cleared_at = now;
      raised_at = caf::timespan{0};
    } else {
      raised_at = ev.what.first_seen;
    }
    return ev;
  }

  void publish_fault(fault_event_kind kind, uint64_t id) {
    auto ev = make_fault(kind, id);
    publish(*node->sys, topic(ev), caf::make_message(ev));
  }

  /// What the relay of a node whose clock reads `skew` ahead of this
  /// process's would send the orchestrator for `kind` of fault `id`.
  void send_skewed(fault_event_kind kind, uint64_t id, caf::timespan skew) {
    auto ev = make_fault(kind, id, skew);
    ev.what.target = node->members().front().name + ":svc/w";
    auto sent_at = node->sys->clock().now().time_since_epoch() + skew;
    caf::anon_send(relay, std::move(ev), sent_at);
  }

  caf::timespan raised_at{0};

  /// The cluster orchestrator's counters, asked through this node's relay.
  caf::expected<healing_stats> status() {
    caf::scoped_actor self{*node->sys};
    caf::expected<healing_stats> result{caf::error{}};
    self->request(relay, 1s, healing_status_atom::value)
      .receive([&](healing_stats& x) { result = x; },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// Records the time to recover of every verified healing published on
  /// this node's bus (where the orchestrator runs, if it runs here).
  void record_recoveries(std::shared_ptr<std::vector<caf::timespan>> out,
                         std::shared_ptr<std::mutex> mtx) {
    recorder = node->sys->spawn([out, mtx](caf::event_based_actor* self)
                                  -> caf::behavior {
      subscribe(self, "healing.succeeded");
      return {[out, mtx](const healing_event& ev) {
        // "fault cleared <N>ms after the action": the clear's time (the
        // victim's clock) against the action's arrival (the leader's).
        auto i = ev.detail.find("cleared ");
        auto ms = i == std::string::npos
                    ? -1
                    : std::stoll(ev.detail.substr(i + 8));
        std::lock_guard<std::mutex> guard{*mtx};
        out->push_back(ev.time_to_recover);
        out->push_back(std::chrono::milliseconds{ms});
      }};
    });
  }

  caf::actor recorder;

  /// Raises a fault (`raise`), expects the child restarted, clears it
  /// (`clear`) and expects the orchestrator to count `succeeded` verified
  /// healings.
  template <class Raise, class Clear>
  void expect_healed(Raise raise, Clear clear, uint64_t succeeded) {
    auto before = child();
    REQUIRE(before != 0);
    raise();
    CHECK(eventually(
      [&] {
        auto now = child();
        return now != 0 && now != before;
      },
      5000ms));
    clear();
    CHECK(eventually(
      [&] {
        auto s = status();
        return s && s->succeeded == succeeded;
      },
      5000ms));
  }

  std::pair<uint64_t, std::string> leader() {
    caf::scoped_actor self{*node->sys};
    std::pair<uint64_t, std::string> result;
    self->request(node->agent, 1s, cluster_leader_atom::value)
      .receive([&](uint64_t t, std::string& n) { result = {t, n}; },
               [](caf::error&) {});
    return result;
  }

  void stop() {
    if (!node->sys)
      return;
    caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
    if (recorder)
      caf::anon_send_exit(recorder, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(restart, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
    node->stop();
  }

  ~healing_node() {
    stop();
  }
};

/// Nodes a, b and c, b and c joining through a, once every relay reaches
/// the orchestrator, wherever it runs.
std::vector<std::unique_ptr<healing_node>> three_nodes() {
  std::vector<std::unique_ptr<healing_node>> nodes;
  nodes.push_back(
    std::make_unique<healing_node>("a", std::vector<uint16_t>{}));
  auto seed = nodes[0]->node->port;
  nodes.push_back(
    std::make_unique<healing_node>("b", std::vector<uint16_t>{seed}));
  nodes.push_back(
    std::make_unique<healing_node>("c", std::vector<uint16_t>{seed}));
  REQUIRE(eventually(
    [&] {
      for (auto& n : nodes)
        if (!n->status())
          return false;
      return true;
    },
    10000ms));
  return nodes;
}

/// The index of the node named `name`.
size_t index_of(const std::string& name) {
  return name == "a" ? 0 : name == "b" ? 1 : 2;
}

} // namespace

TEST_CASE("cluster healing: the leader's orchestrator heals a fault of "
          "another node with that node's strategy, and after the leader "
          "goes, the next leader's does under a higher term that the "
          "node's strategy then holds against the old one",
          "[cluster][healing]") {
  auto nodes = three_nodes();
  auto ttrs = std::make_shared<std::vector<caf::timespan>>();
  auto mtx = std::make_shared<std::mutex>();
  for (auto& n : nodes)
    n->record_recoveries(ttrs, mtx);
  auto first = nodes[0]->leader();
  auto term1 = first.first;
  auto leader1 = first.second;
  REQUIRE_FALSE(leader1.empty());
  size_t old = index_of(leader1);
  // The fault is raised on a node that is not the leader: its own
  // strategy restarts its own child on the leader's order.
  auto& victim = *nodes[(old + 1) % 3];
  victim.expect_healed(
    [&] { victim.publish_fault(fault_event_kind::raised, 1); },
    [&] { victim.publish_fault(fault_event_kind::cleared, 1); }, 1);
  // A node whose clock reads an hour ahead: its relay stamps what it sends
  // with its own clock, and the fault's times are rebased to the leader's.
  victim.expect_healed(
    [&] { victim.send_skewed(fault_event_kind::raised, 1001, 1h); },
    [&] { victim.send_skewed(fault_event_kind::cleared, 1001, 1h); }, 2);
  // The recorder hears of each success on the bus, apart from the status
  // the healings were counted by: under load it may lag behind.
  CHECK(eventually(
    [&] {
      std::lock_guard<std::mutex> guard{*mtx};
      return ttrs->size() >= 4;
    },
    2000ms));
  {
    // The time to recover and the time from the action (taken on the
    // leader) to the clear come out as measured, not an hour off.
    std::lock_guard<std::mutex> guard{*mtx};
    REQUIRE(ttrs->size() == 4);
    for (auto& x : *ttrs) {
      CHECK(x >= caf::timespan{0});
      CHECK(x < 5s);
    }
  }
  // The leader goes.
  nodes[old]->stop();
  std::pair<uint64_t, std::string> next;
  REQUIRE(eventually(
    [&] {
      next = victim.leader();
      return !next.second.empty() && next.second != leader1
             && next.first > term1;
    },
    10000ms));
  // The new orchestrator has the victim's offer (a fresh one: it counts
  // from zero).
  REQUIRE(eventually(
    [&] {
      auto s = victim.status();
      return s && s->succeeded == 0;
    },
    5000ms));
  victim.expect_healed(
    [&] { victim.publish_fault(fault_event_kind::raised, 2); },
    [&] { victim.publish_fault(fault_event_kind::cleared, 2); }, 1);
  // The victim's strategy has executed an order of the new term: an order
  // of the deposed leader's term is refused and restarts nothing.
  healing_order stale;
  stale.id = 99;
  stale.what.id = 99;
  stale.what.cls = fault_class::hang;
  stale.what.target = "svc/w";
  stale.target.name = "svc/w";
  stale.target.supervisor = victim.root;
  stale.target.child = "w";
  stale.term = term1;
  auto before3 = victim.child();
  caf::scoped_actor self{*victim.node->sys};
  auto r = execute(self, victim.restart, stale, 2s);
  REQUIRE_FALSE(r);
  CHECK(is(r.error(), errc::stale_term));
  CHECK(victim.child() == before3);
}

TEST_CASE("cluster healing: a node that goes down in the middle of a healing "
          "has it abandoned by the leader's orchestrator, which learns "
          "nothing from it",
          "[cluster][healing]") {
  auto nodes = three_nodes();
  auto leader = nodes[0]->leader().second;
  REQUIRE_FALSE(leader.empty());
  auto& victim = *nodes[(index_of(leader) + 1) % 3];
  auto& witness = *nodes[(index_of(leader) + 2) % 3];
  auto before = victim.child();
  victim.publish_fault(fault_event_kind::raised, 1);
  REQUIRE(eventually(
    [&] {
      auto now = victim.child();
      return now != 0 && now != before;
    },
    5000ms));
  // Acted, now verifying (3 s); the node goes before its fault clears.
  victim.stop();
  CHECK(eventually(
    [&] {
      auto s = witness.status();
      return s && s->abandoned == 1 && s->active == 0;
    },
    5000ms)); // down_after is 1 s
  auto s = witness.status();
  REQUIRE(s);
  CHECK(s->failed == 0);
  CHECK(s->succeeded == 0);
}
