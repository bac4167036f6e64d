// The etcd client (etcd_client.hpp) and the etcd lease (etcd_lease.hpp)
// against a real etcd on 127.0.0.1 (tests/support/etcd_process.hpp), with
// the election cases that carry over to a lease, named after etcd's
// concurrency package (election_test.go) and etcd's Raft (raft_test.go, see
// election_test.cpp): one holder at a time, the term grows with each new
// holder and a stale one is recognisable, failover when the holder stops,
// handover on resign, and the holder stepping down when etcd is out of
// reach.
//
// Hidden tests ([.etcd]): ctest runs them as one entry, etcd.lease, which
// skips (77) where no etcd is installed.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/runtime/etcd_client.hpp"
#include "remedy/runtime/etcd_lease.hpp"
#include "support/etcd_process.hpp"

using namespace std::chrono_literals;
using namespace remedy;
using remedy::test::etcd_process;

namespace {

using clock_type = std::chrono::steady_clock;

/// A running etcd, or the test fails saying why.
std::unique_ptr<etcd_process> start_etcd() {
  if (remedy::test::etcd_program().empty())
    FAIL("no etcd: install etcd-server (/usr/bin/etcd) or set REMEDY_ETCD");
  auto e = std::make_unique<etcd_process>();
  INFO(e->output());
  REQUIRE(e->ready());
  return e;
}

etcd_client client_of(const etcd_process& e, caf::timespan timeout = 1s) {
  return etcd_client{{etcd_endpoint{"127.0.0.1", e.port()}}, timeout};
}

lease_settings lease_of(const etcd_process& e, std::string key,
                        caf::timespan ttl = 2s) {
  lease_settings s;
  s.kind = lease_kind::etcd;
  s.endpoints = {etcd_endpoint{"127.0.0.1", e.port()}};
  s.key = std::move(key);
  s.ttl = ttl;
  return s;
}

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
    .count();
}

/// Members campaigning for one key, stepped in turn by this thread.
struct members {
  std::vector<std::unique_ptr<etcd_lease>> xs;

  members(const etcd_process& e, const std::string& key, size_t n) {
    for (size_t i = 0; i < n; ++i)
      xs.push_back(std::make_unique<etcd_lease>(
        std::string(1, static_cast<char>('a' + i)), lease_of(e, key)));
  }

  /// Steps every member not in `skip`, once.
  void round(const std::vector<size_t>& skip = {}) {
    for (size_t i = 0; i < xs.size(); ++i)
      if (std::find(skip.begin(), skip.end(), i) == skip.end())
        xs[i]->step();
  }

  /// The members that hold the lease now (by their own judgment, checked
  /// against the clock).
  std::vector<size_t> holders() const {
    std::vector<size_t> result;
    auto now = clock_type::now();
    for (size_t i = 0; i < xs.size(); ++i)
      if (xs[i]->holds(now))
        result.push_back(i);
    return result;
  }

  /// Rounds (every 50 ms, skipping `skip`) until one member other than
  /// `not_this` holds the lease, at most `limit`; returns it or -1.
  int await_holder(std::chrono::milliseconds limit,
                   const std::vector<size_t>& skip = {}, int not_this = -1) {
    auto until = clock_type::now() + limit;
    while (clock_type::now() < until) {
      round(skip);
      auto h = holders();
      REQUIRE(h.size() <= 1);
      if (h.size() == 1 && static_cast<int>(h[0]) != not_this)
        return static_cast<int>(h[0]);
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }
};

} // namespace

// -- the client ---------------------------------------------------------------

TEST_CASE("etcd client: grant, keep alive and revoke a lease", "[.etcd]") {
  auto e = start_etcd();
  auto c = client_of(*e);
  auto g = c.grant(3s);
  REQUIRE(g);
  CHECK(g->id != 0);
  CHECK(g->ttl == 3s);
  auto ttl = c.keep_alive(g->id);
  REQUIRE(ttl);
  CHECK(*ttl == 3s);
  REQUIRE(c.put("k", "v", g->id) == caf::none);
  auto kv = c.get("k");
  REQUIRE(kv);
  REQUIRE(*kv);
  CHECK((*kv)->value == "v");
  CHECK((*kv)->lease == g->id);
  CHECK(c.revoke(g->id) == caf::none);
  // Revoking deletes the lease's keys; the lease is gone for keep-alives.
  kv = c.get("k");
  REQUIRE(kv);
  CHECK(!*kv);
  ttl = c.keep_alive(g->id);
  REQUIRE(ttl);
  CHECK(*ttl == 0s);
  // A second revoke is no error.
  CHECK(c.revoke(g->id) == caf::none);
}

TEST_CASE("etcd client: create_if_absent creates once, then reads the holder",
          "[.etcd]") {
  auto e = start_etcd();
  auto c = client_of(*e);
  auto first = c.create_if_absent("election", "a", 0);
  REQUIRE(first);
  CHECK(first->created);
  REQUIRE(first->kv);
  CHECK(first->kv->value == "a");
  CHECK(first->kv->create_revision > 0);
  auto second = c.create_if_absent("election", "b", 0);
  REQUIRE(second);
  CHECK(!second->created);
  REQUIRE(second->kv);
  CHECK(second->kv->value == "a");
  CHECK(second->kv->create_revision == first->kv->create_revision);
  // Binary-safe keys and values (base64 on the wire).
  std::string odd{"k\0\xff/=+", 6};
  REQUIRE(c.put(odd, odd) == caf::none);
  auto kv = c.get(odd);
  REQUIRE(kv);
  REQUIRE(*kv);
  CHECK((*kv)->value == odd);
  // Deleted and created again: a new, higher create_revision.
  auto n = c.remove("election");
  REQUIRE(n);
  CHECK(*n == 1);
  auto third = c.create_if_absent("election", "b", 0);
  REQUIRE(third);
  CHECK(third->created);
  CHECK(third->kv->create_revision > first->kv->create_revision);
}

TEST_CASE("etcd client: a lease not kept alive expires, and its key with it",
          "[.etcd]") {
  auto e = start_etcd();
  auto c = client_of(*e);
  auto g = c.grant(2s);
  REQUIRE(g);
  auto made = c.create_if_absent("election", "a", g->id);
  REQUIRE(made);
  REQUIRE(made->created);
  auto t0 = clock_type::now();
  bool gone = false;
  while (!gone && clock_type::now() < t0 + 6s) {
    auto kv = c.get("election");
    REQUIRE(kv);
    gone = !*kv;
    if (!gone)
      std::this_thread::sleep_for(50ms);
  }
  auto took = ms_since(t0);
  REQUIRE(gone);
  // Not before the TTL; etcd checks for expired leases every 500 ms.
  CHECK(took >= 1900);
  CHECK(took < 4000);
  auto ttl = c.keep_alive(g->id);
  REQUIRE(ttl);
  CHECK(*ttl == 0s);
}

TEST_CASE("etcd client: errors name the endpoint and etcd's message, and "
          "every call is bounded",
          "[.etcd]") {
  auto e = start_etcd();
  auto c = client_of(*e);
  SECTION("etcd's own error") {
    auto r = c.post("/v3/kv/range", "{\"key\": 5}");
    REQUIRE(!r);
    auto text = context_of(r.error());
    INFO(text);
    CHECK(text.find("etcd " + e->endpoint() + " /v3/kv/range") == 0);
    CHECK(text.find("HTTP 400") != std::string::npos);
  }
  SECTION("nobody listening") {
    etcd_client dead{{etcd_endpoint{"127.0.0.1", remedy::test::free_port()}},
                     1s};
    auto t0 = clock_type::now();
    auto g = dead.grant(2s);
    REQUIRE(!g);
    CHECK(is(g.error(), errc::target_down));
    auto text = context_of(g.error());
    INFO(text);
    CHECK(text.find("/v3/lease/grant: connect failed") != std::string::npos);
    CHECK(ms_since(t0) < 1000);
  }
  SECTION("etcd paused: the call gives up after its timeout") {
    e->proc().signal(SIGSTOP);
    auto slow = client_of(*e, 300ms);
    auto t0 = clock_type::now();
    auto kv = slow.get("x");
    auto took = ms_since(t0);
    e->proc().signal(SIGCONT);
    REQUIRE(!kv);
    CHECK(is(kv.error(), errc::timeout));
    CHECK(context_of(kv.error()).find("no answer within 300 ms")
          != std::string::npos);
    CHECK(took >= 290);
    CHECK(took < 1000);
  }
  SECTION("the next endpoint after a failure") {
    etcd_client two{{etcd_endpoint{"127.0.0.1", remedy::test::free_port()},
                     etcd_endpoint{"127.0.0.1", e->port()}},
                    1s};
    CHECK(!two.get("x"));
    CHECK(two.get("x"));
  }
}

// -- the lease: election cases ------------------------------------------------

TEST_CASE("etcd lease, raft TestSingleNodeCandidate: a single member takes "
          "the lease",
          "[.etcd]") {
  auto e = start_etcd();
  members m{*e, "single", 1};
  CHECK(m.await_holder(3000ms) == 0);
  auto& s = m.xs[0]->status();
  CHECK(s.holder == "a");
  CHECK(s.term > 0);
  CHECK(m.xs[0]->lease_id() != 0);
}

TEST_CASE("etcd lease, etcd TestElectionWait / raft TestLeaderElection: of "
          "three campaigning members exactly one holds the lease and all "
          "name it with one term",
          "[.etcd]") {
  auto e = start_etcd();
  members m{*e, "three", 3};
  auto h = m.await_holder(3000ms);
  REQUIRE(h >= 0);
  for (int k = 0; k < 10; ++k) {
    m.round();
    CHECK(m.holders() == std::vector<size_t>{static_cast<size_t>(h)});
    std::this_thread::sleep_for(100ms);
  }
  auto name = std::string(1, static_cast<char>('a' + h));
  auto term = m.xs[static_cast<size_t>(h)]->status().term;
  for (auto& x : m.xs) {
    CHECK(x->status().holder == name);
    CHECK(x->status().term == term);
  }
}

TEST_CASE("etcd lease, etcd TestResignElection / raft TestLeaderCycle: a "
          "holder that resigns hands over at once, every member holds in "
          "turn, and the term grows with each",
          "[.etcd]") {
  auto e = start_etcd();
  members m{*e, "cycle", 3};
  std::vector<size_t> resigned;
  uint64_t last_term = 0;
  for (int turn = 0; turn < 3; ++turn) {
    auto t0 = clock_type::now();
    auto h = m.await_holder(3000ms, resigned);
    REQUIRE(h >= 0);
    auto took = ms_since(t0);
    auto term = m.xs[static_cast<size_t>(h)]->status().term;
    CHECK(term > last_term);
    if (turn > 0)
      CHECK(took < 500); // no TTL to wait for: the key went with the lease
    last_term = term;
    REQUIRE(m.xs[static_cast<size_t>(h)]->release() == caf::none);
    CHECK(!m.xs[static_cast<size_t>(h)]->holds(clock_type::now()));
    resigned.push_back(static_cast<size_t>(h));
  }
  std::sort(resigned.begin(), resigned.end());
  CHECK(resigned == std::vector<size_t>{0, 1, 2});
}

TEST_CASE("etcd lease, etcd TestElectionFailover: a holder that stops keeping "
          "its lease alive loses it by the clock, another member holds it "
          "within TTL + bound, and the old term is recognisably stale",
          "[.etcd]") {
  auto e = start_etcd();
  members m{*e, "failover", 3};
  auto h = m.await_holder(3000ms);
  REQUIRE(h >= 0);
  auto old = static_cast<size_t>(h);
  auto old_term = m.xs[old]->status().term;
  // The holder stops (as if killed): nobody steps it any more.
  auto t0 = clock_type::now();
  auto next = m.await_holder(5000ms, {old}, h);
  auto took = ms_since(t0);
  REQUIRE(next >= 0);
  CHECK(next != h);
  // TTL 2 s; etcd expires leases in 500 ms sweeps; 50 ms rounds.
  CHECK(took >= 1500);
  CHECK(took < 3500);
  // The old holder's own clock said it was over before the new one won.
  CHECK(!m.xs[old]->holds(clock_type::now()));
  auto new_term = m.xs[static_cast<size_t>(next)]->status().term;
  CHECK(new_term > old_term);
  // Stepped again, the old holder learns the new holder and term.
  m.xs[old]->step();
  CHECK(m.xs[old]->status().term == new_term);
  CHECK(!m.xs[old]->status().held);
  CHECK(m.xs[old]->status().holder
        == std::string(1, static_cast<char>('a' + next)));
}

TEST_CASE("etcd lease, raft TestLeaderStepdownWhenQuorumLost: with etcd out "
          "of reach the holder steps down within the TTL; back, one member "
          "holds again",
          "[.etcd]") {
  auto e = start_etcd();
  members m{*e, "stepdown", 2};
  auto h = m.await_holder(3000ms);
  REQUIRE(h >= 0);
  auto& holder = *m.xs[static_cast<size_t>(h)];
  holder.step(); // a fresh keep-alive: the TTL runs from here at the latest
  auto t0 = clock_type::now();
  e->proc().signal(SIGSTOP);
  // The holder steps on its own cadence; no call runs past its TTL.
  while (holder.status().held && clock_type::now() < t0 + 5s) {
    auto wait = holder.next_step() - clock_type::now();
    if (wait > 0s)
      std::this_thread::sleep_for(wait);
    holder.step();
  }
  auto took = ms_since(t0);
  CHECK(!holder.status().held);
  CHECK(holder.status().holder.empty());
  CHECK(took <= 2000 + 50); // the TTL, plus the step's own overhead
  CHECK(took >= 1000);
  CHECK(holder.last_error());
  e->proc().signal(SIGCONT);
  CHECK(m.await_holder(6000ms) >= 0);
}

TEST_CASE("etcd lease: never two holders at once while members step in a "
          "random order, pause and resume",
          "[.etcd]") {
  auto e = start_etcd();
  members m{*e, "random", 3};
  std::mt19937 rng{7};
  std::vector<clock_type::time_point> paused_until(3);
  auto until = clock_type::now() + 8s;
  size_t changes = 0;
  int last = -1;
  while (clock_type::now() < until) {
    auto i = rng() % 3;
    auto now = clock_type::now();
    if (now >= paused_until[i]) {
      if (rng() % 40 == 0)
        paused_until[i] = now + std::chrono::milliseconds(1500 + rng() % 1500);
      else
        m.xs[i]->step();
    }
    auto h = m.holders();
    REQUIRE(h.size() <= 1);
    if (h.size() == 1 && static_cast<int>(h[0]) != last) {
      last = static_cast<int>(h[0]);
      ++changes;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
  }
  CHECK(changes >= 1);
}
