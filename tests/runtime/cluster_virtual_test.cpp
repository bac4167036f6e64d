// Cluster membership, failure detection and leader election in virtual
// time: three node agents in one actor system under CAF's test coordinator,
// connected through a virtual network (virtual_network.hpp) instead of the
// middleman. The same cases as the process tests (cluster_process_test.cpp)
// and the netns partition test, deterministic and without a wall clock: a
// run of 20 virtual seconds takes milliseconds.

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/cluster_member.hpp"
#include "remedy/runtime/cluster_settings.hpp"
#include "remedy/runtime/cluster_singleton.hpp"
#include "remedy/core/error.hpp"
#include "test_fixture.hpp"
#include "virtual_network.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

/// Milliseconds, so that Catch prints them.
double ms(caf::timespan x) {
  return std::chrono::duration<double, std::milli>(x).count();
}

struct vcluster : fixture {
  virtual_network net{sys};
  std::map<std::string, caf::actor> agents;
  /// Every (term, leader) any node reported, for "one leader per term".
  std::map<uint64_t, std::set<std::string>> leaders_by_term;

  ~vcluster() {
    net.stop();
  }

  cluster_settings settings(const std::string& name, uint16_t port) {
    cluster_settings s;
    s.name = name;
    s.host = "vnet";
    s.port = port;
    s.connector = net.connector();
    s.seed = port; // deterministic election timeouts
    if (port != 1)
      s.seeds = {{"vnet", uint16_t{1}}};
    return s;
  }

  void start(const std::string& name, uint16_t port) {
    auto x = spawn_cluster_agent(sys, settings(name, port));
    REQUIRE(x);
    agents[name] = track(x->first);
    net.add(name, "vnet", port, x->first);
    run();
  }

  const std::vector<std::string> all{"n1", "n2", "n3"};

  void start_three() {
    start("n1", 1);
    start("n2", 2);
    start("n3", 3);
  }

  /// Starts three nodes and waits until they agree on a leader; returns
  /// its (term, name).
  std::pair<uint64_t, std::string> start_three_with_leader() {
    start_three();
    auto took = run_until(10s, all, [&] { return !agreed_leader(all).empty(); });
    REQUIRE(ms(took) <= 10000);
    return leader_of("n1");
  }

  /// (term, leader) as `name` knows it.
  std::pair<uint64_t, std::string> leader_of(const std::string& name) {
    std::pair<uint64_t, std::string> result{0, ""};
    auto h = self->request(agents.at(name), caf::infinite,
                           cluster_leader_atom::value);
    run(); // the test coordinator runs the agent only when asked to
    if (!has_reply())
      return result;
    h.receive([&](uint64_t term,
                  std::string& leader) { result = {term, leader}; },
              [](caf::error&) {});
    return result;
  }

  std::vector<cluster_member> members_of(const std::string& name) {
    auto x = ask<std::vector<cluster_member>>(agents.at(name),
                                              cluster_members_atom::value);
    REQUIRE(x);
    return *x;
  }

  /// The state of `who` in `name`'s view.
  std::string state_in(const std::string& name, const std::string& who) {
    for (auto& m : members_of(name))
      if (m.name == who)
        return to_string(m.state);
    return "absent";
  }

  /// Whether `who` is up and reachable from `name`.
  bool reaches(const std::string& name, const std::string& who) {
    auto x = ask<std::vector<cluster_member>>(agents.at(name),
                                              cluster_reachable_atom::value);
    REQUIRE(x);
    for (auto& m : *x)
      if (m.name == who)
        return true;
    return false;
  }

  /// Advances virtual time in 50 ms steps (every timer at its own time),
  /// recording the leaders the live nodes report, until `done()` or `limit`.
  /// Returns the virtual time it took, or `limit` + 1 ms if never.
  template <class F>
  caf::timespan run_until(caf::timespan limit, const std::vector<std::string>&
                                                 live, F done) {
    auto start = now();
    while (now() - start <= limit) {
      for (auto& n : live) {
        auto [term, leader] = leader_of(n);
        if (!leader.empty())
          leaders_by_term[term].insert(leader);
      }
      if (done())
        return now() - start;
      advance_exact(50ms);
    }
    return limit + 1ms;
  }

  /// The leader all of `live` agree on, or "" if they do not.
  std::string agreed_leader(const std::vector<std::string>& live) {
    auto first = leader_of(live.front());
    for (auto& n : live)
      if (leader_of(n) != first)
        return "";
    return first.second;
  }

  void check_one_leader_per_term() {
    for (auto& [term, names] : leaders_by_term) {
      CAPTURE(term);
      CHECK(names.size() == 1);
    }
  }
};

} // namespace

TEST_CASE_METHOD(vcluster,
                 "virtual time: three nodes form a cluster through one seed "
                 "and agree on one leader",
                 "[cluster][virtual]") {
  start_three();
  auto took = run_until(10s, all, [&] {
    for (auto& n : all)
      for (auto& m : all)
        if (state_in(n, m) != "up")
          return false;
    return !agreed_leader(all).empty();
  });
  CHECK(ms(took) <= 5000);
  for (auto& n : all)
    CHECK(members_of(n).size() == 3);
  check_one_leader_per_term();
}

TEST_CASE_METHOD(vcluster,
                 "virtual time: the leader dies; the others elect a new one "
                 "within the bound, never two leaders in one term",
                 "[cluster][virtual]") {
  // (Not a structured binding: clang 14 cannot capture one in a lambda.)
  auto first = start_three_with_leader();
  auto term = first.first;
  auto old = first.second;
  caf::anon_send_exit(agents.at(old), caf::exit_reason::kill);
  run();
  std::vector<std::string> rest;
  for (auto& n : all)
    if (n != old)
      rest.push_back(n);
  auto took = run_until(5s, rest, [&] {
    auto l = agreed_leader(rest);
    return !l.empty() && l != old;
  });
  // The connection drop starts an election at once (the successor rule):
  // well within one election timeout (1 s).
  CHECK(ms(took) <= 1000);
  CHECK(leader_of(rest[0]).first > term);
  // Then the dead node is unreachable and, after down_after (3 s), down.
  run_until(5s, rest, [&] { return state_in(rest[0], old) == "down"; });
  CHECK(state_in(rest[0], old) == "down");
  CHECK(state_in(rest[1], old) == "down");
  check_one_leader_per_term();
}

TEST_CASE_METHOD(vcluster,
                 "virtual time: a partition of 2 + 1: the minority has no "
                 "leader and downs itself, the majority keeps one",
                 "[cluster][virtual]") {
  // (Not a structured binding: clang 14 cannot capture one in a lambda.)
  auto first = start_three_with_leader();
  auto term = first.first;
  auto old = first.second;
  // Cut the leader off: it is the minority, the other two the majority.
  std::vector<std::string> majority;
  for (auto& n : all)
    if (n != old) {
      net.cut(old, n);
      majority.push_back(n);
    }
  // The old leader hears too few acknowledgements and steps down (Raft's
  // check-quorum): at the end of the first whole election timeout (1 s)
  // without a majority of acks, so within two. No leader on the minority
  // side.
  auto stepped_down = run_until(3s, all, [&] {
    return leader_of(old).second != old;
  });
  CHECK(ms(stepped_down) <= 2100);
  auto took = run_until(8s, all, [&] {
    auto l = agreed_leader(majority);
    return !l.empty() && l != old && state_in(old, old) == "down";
  });
  CHECK(ms(took) <= 8000);
  CHECK(net.dropped() > 0);
  // The majority elected a new leader in a later term ...
  auto now_leader = agreed_leader(majority);
  CHECK(!now_leader.empty());
  CHECK(now_leader != old);
  CHECK(leader_of(majority[0]).first > term);
  // ... and sees the old one down; the old one downed itself (keep
  // majority) and does not call itself leader of any later term.
  CHECK(state_in(majority[0], old) == "down");
  CHECK(state_in(old, old) == "down");
  CHECK(leader_of(old).second != old);
  check_one_leader_per_term();
}

TEST_CASE_METHOD(vcluster,
                 "virtual time: a node cut off for less than down_after comes "
                 "back reachable, and nobody is down",
                 "[cluster][virtual]") {
  start_three();
  REQUIRE(ms(run_until(10s, all, [&] {
            for (auto& n : all)
              for (auto& m : all)
                if (state_in(n, m) != "up")
                  return false;
            return true;
          })) <= 10000);
  // n3 loses both links (as a paused process would) for 1.5 s.
  net.cut("n3", "n1");
  net.cut("n3", "n2");
  auto took = run_until(3s, all, [&] { return !reaches("n1", "n3"); });
  CHECK(ms(took) <= 1000); // phi-accrual at 100 ms heartbeats
  CHECK(state_in("n1", "n3") == "up"); // unreachable, not down
  advance_exact(1s);
  net.heal("n3", "n1");
  net.heal("n3", "n2");
  took = run_until(3s, all, [&] {
    for (auto& n : all)
      for (auto& m : all)
        if (state_in(n, m) != "up" || !reaches(n, m))
          return false;
    return true;
  });
  CHECK(ms(took) <= 2000);
  for (auto& n : all)
    for (auto& m : all) {
      CAPTURE(n, m);
      CHECK(state_in(n, m) == "up");
      CHECK(reaches(n, m));
    }
  check_one_leader_per_term();
}

TEST_CASE_METHOD(vcluster,
                 "a connector needs a port that names the agent",
                 "[cluster][virtual]") {
  auto s = settings("n1", 1);
  s.port = 0;
  auto x = spawn_cluster_agent(sys, s);
  REQUIRE(!x);
  CHECK_THAT(render(x.error()), Catch::Contains("port"));
}

namespace {

using where_atom = caf::atom_constant<caf::atom("t_where")>;

/// A singleton that says where it runs and in which term.
singleton_start where_on(std::string node) {
  return [node](caf::actor_system& sys,
                uint64_t term) -> caf::expected<caf::actor> {
    return sys.spawn([node, term](caf::event_based_actor*) -> caf::behavior {
      return {
        [node, term](where_atom) { return std::make_pair(node, term); },
      };
    });
  };
}

} // namespace

TEST_CASE_METHOD(vcluster,
                 "virtual time: with forward_to_leader, a client asks its "
                 "own node's singleton manager and the leader's singleton "
                 "answers, before and after failover",
                 "[cluster][virtual][singleton]") {
  std::map<std::string, caf::actor> managers;
  auto first = start_three_with_leader();
  for (auto& n : all) {
    cluster_singleton_settings s;
    s.name = "where";
    s.check_interval = 100ms;
    s.forward_to_leader = true;
    managers[n] = track(
      spawn_cluster_singleton(sys, agents.at(n), where_on(n), s));
  }
  advance_exact(500ms);
  // A fresh asker each time: an answer that comes only after the asker
  // gave up must not be taken for the next one's.
  auto ask_where = [&](const std::string& via) {
    std::pair<std::string, uint64_t> result{"no answer", 0};
    caf::scoped_actor asker{sys};
    auto h = asker->request(managers.at(via), caf::infinite,
                            where_atom::value);
    run();
    if (asker->mailbox().empty())
      return result;
    h.receive([&](std::pair<std::string, uint64_t>& x) { result = x; },
              [&](caf::error& err) {
                result = {"error: " + render(err), 0};
              });
    return result;
  };
  for (auto& n : all) {
    CAPTURE(n);
    auto w = ask_where(n);
    CHECK(w.first == first.second);
    CHECK(w.second == first.first);
  }
  // The leader's node goes: its agent and its manager (with the singleton).
  caf::anon_send_exit(managers.at(first.second), caf::exit_reason::kill);
  caf::anon_send_exit(agents.at(first.second), caf::exit_reason::kill);
  run();
  std::vector<std::string> rest;
  for (auto& n : all)
    if (n != first.second)
      rest.push_back(n);
  auto took = run_until(3s, rest, [&] {
    for (auto& n : rest) {
      auto w = ask_where(n);
      if (w.first == first.second || w.second <= first.first)
        return false;
    }
    return true;
  });
  CHECK(ms(took) <= 1000);
  auto a = ask_where(rest[0]);
  auto b = ask_where(rest[1]);
  CHECK(a == b);
  CHECK(a.second > first.first);
  check_one_leader_per_term();
}

TEST_CASE_METHOD(vcluster,
                 "virtual time: without forward_to_leader, a manager that "
                 "does not lead refuses with not_leader naming the leader",
                 "[cluster][virtual][singleton]") {
  auto first = start_three_with_leader();
  std::map<std::string, caf::actor> managers;
  for (auto& n : all) {
    cluster_singleton_settings s;
    s.name = "where";
    s.check_interval = 100ms;
    managers[n] = track(
      spawn_cluster_singleton(sys, agents.at(n), where_on(n), s));
  }
  advance_exact(500ms);
  for (auto& n : all) {
    CAPTURE(n);
    auto x = ask<std::pair<std::string, uint64_t>>(managers.at(n),
                                                   where_atom::value);
    if (n == first.second) {
      REQUIRE(x);
      CHECK(x->first == n);
    } else {
      REQUIRE(!x);
      CHECK(is(x.error(), errc::not_leader));
      CHECK_THAT(render(x.error()),
                 Catch::Contains("the leader is " + first.second));
    }
  }
}
