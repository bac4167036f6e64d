// bulkhead as a pure value, driven by a fake clock with exact counters: the
// issue's scenarios verbatim (event order with max = 2; queue order and max
// wait at exact virtual times; every permit released on every outcome, the
// pool whole again after 10k failures; resize while permits are held), then
// every operation's edge cases, an exhaustive check of the invariants over
// all short operation sequences, and validate() of the settings.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "remedy/routing/bulkhead.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace Catch {

template <>
struct StringMaker<remedy::bulkhead_decision> {
  static std::string convert(remedy::bulkhead_decision x) {
    return remedy::to_string(x);
  }
};

} // namespace Catch

namespace {

using time_point = bulkhead::time_point;
using ts = caf::timespan;
using tickets = std::vector<bulkhead_ticket>;

constexpr auto admitted = bulkhead_decision::admitted;
constexpr auto queued = bulkhead_decision::queued;
constexpr auto rejected_full = bulkhead_decision::rejected_full;

const time_point t0 = time_point{} + 1000s;

bulkhead_settings pool(uint32_t max_concurrent, uint32_t max_queue = 0,
                       ts max_wait = 100ms) {
  bulkhead_settings s;
  s.name = "orders";
  s.max_concurrent = max_concurrent;
  s.max_queue = max_queue;
  s.max_wait = max_wait;
  return s;
}

// try_enter that must succeed (no duplicate ticket) and expire nobody.
bulkhead_decision enter(bulkhead& b, time_point t, bulkhead_ticket ticket) {
  auto r = b.try_enter(t, ticket);
  REQUIRE(r);
  CHECK(r->expired.empty());
  return r->decision;
}

// Checks the documented invariants of the counters.
void check_invariants(const bulkhead& b) {
  auto m = b.metrics();
  CHECK(m.offered == m.admitted_directly + m.queued + m.rejected_full);
  CHECK(m.queued
        == m.admitted_from_queue + m.rejected_timeout + m.cancelled
             + m.waiting);
  CHECK(m.admitted() == m.released + m.in_flight);
  CHECK(m.offered
        == m.admitted() + m.rejected_full + m.rejected_timeout + m.cancelled
             + m.waiting);
  CHECK(m.in_flight == b.in_flight());
  CHECK(m.waiting == b.queue_length());
  CHECK(m.peak_in_flight >= m.in_flight);
  // Nobody waits while a permit is free.
  if (b.queue_length() > 0)
    CHECK(b.in_flight() >= b.settings().max_concurrent);
}

// A cheap REQUIRE for hot loops: Catch only sees failures.
#define ENSURE(...)                                                            \
  do {                                                                         \
    if (!(__VA_ARGS__))                                                        \
      FAIL("failed: " #__VA_ARGS__);                                           \
  } while (false)


} // namespace

// -- the scenarios ----------------------------------------------------

TEST_CASE("bulkhead event order with max=2: permitted, permitted, rejected, "
          "finished, finished, permitted",
          "[bulkhead]") {
  bulkhead b{pool(2)};
  std::vector<std::string> events;
  auto call = [&](time_point t, bulkhead_ticket ticket) {
    auto d = enter(b, t, ticket);
    events.push_back(d == admitted ? "permitted" : "rejected");
  };
  auto finish = [&](time_point t, bulkhead_ticket ticket) {
    auto r = b.release(t, ticket);
    REQUIRE(r.released);
    CHECK(r.admitted.empty());
    events.push_back("finished");
  };
  call(t0, 1);
  call(t0 + 1ms, 2);
  call(t0 + 2ms, 3);
  finish(t0 + 3ms, 1);
  finish(t0 + 4ms, 2);
  call(t0 + 5ms, 4);
  CHECK(events
        == std::vector<std::string>{"permitted", "permitted", "rejected",
                                    "finished", "finished", "permitted"});
  auto m = b.metrics();
  CHECK(m.offered == 4);
  CHECK(m.admitted_directly == 3);
  CHECK(m.rejected_full == 1);
  CHECK(m.released == 2);
  CHECK(m.in_flight == 1);
  CHECK(m.peak_in_flight == 2);
  check_invariants(b);
}

TEST_CASE("bulkhead queue order and max wait at exact virtual times",
          "[bulkhead]") {
  // One permit, three places, 100 ms max wait.
  bulkhead b{pool(1, 3, 100ms)};
  CHECK(enter(b, t0, 1) == admitted);
  CHECK(enter(b, t0 + 10ms, 2) == queued);
  CHECK(enter(b, t0 + 20ms, 3) == queued);
  CHECK(enter(b, t0 + 30ms, 4) == queued);
  CHECK(enter(b, t0 + 40ms, 5) == rejected_full);
  CHECK(b.waiters() == tickets{2, 3, 4});
  CHECK(b.next_deadline() == t0 + 110ms);
  // Release at 50 ms: the oldest waiter (2) gets the permit.
  auto r = b.release(t0 + 50ms, 1);
  CHECK(r.released);
  CHECK(r.admitted == tickets{2});
  CHECK(r.expired.empty());
  CHECK(b.holds(2));
  CHECK(b.next_deadline() == t0 + 120ms);
  // 3 entered at 20 ms: it expires at 120 ms exactly, not 1 ns earlier.
  CHECK(b.expire(t0 + 120ms - 1ns).empty());
  CHECK(b.expire(t0 + 120ms) == tickets{3});
  CHECK(b.next_deadline() == t0 + 130ms);
  CHECK(b.expire(t0 + 130ms - 1ns).empty());
  CHECK(b.expire(t0 + 130ms) == tickets{4});
  CHECK(b.next_deadline() == std::nullopt);
  CHECK(b.expire(t0 + 1h).empty());
  auto m = b.metrics();
  CHECK(m.offered == 5);
  CHECK(m.admitted_directly == 1);
  CHECK(m.queued == 3);
  CHECK(m.admitted_from_queue == 1);
  CHECK(m.rejected_full == 1);
  CHECK(m.rejected_timeout == 2);
  CHECK(m.released == 1);
  CHECK(m.in_flight == 1);
  CHECK(m.waiting == 0);
  check_invariants(b);
}

TEST_CASE("bulkhead waiters are admitted strictly in arrival order",
          "[bulkhead]") {
  bulkhead b{pool(2, 10, 1h)};
  auto t = t0;
  for (bulkhead_ticket i = 1; i <= 12; ++i)
    CHECK(enter(b, t += 1ms, i) == (i <= 2 ? admitted : queued));
  CHECK(b.waiters() == tickets{3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  tickets order;
  std::vector<bulkhead_ticket> holders{1, 2};
  while (!holders.empty()) {
    auto h = holders.front();
    holders.erase(holders.begin());
    auto r = b.release(t += 1ms, h);
    REQUIRE(r.released);
    REQUIRE(r.admitted.size() <= 1);
    for (auto x : r.admitted) {
      order.push_back(x);
      holders.push_back(x);
    }
    check_invariants(b);
  }
  CHECK(order == tickets{3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  CHECK(b.metrics().admitted_from_queue == 10);
  CHECK(b.metrics().released == 12);
}

TEST_CASE("bulkhead permits are released on every outcome: after 10k "
          "failures the pool is whole again",
          "[bulkhead]") {
  // The owner releases on every outcome: reply, error, timeout, target
  // down. A timeout is followed by the late reply, whose release must not
  // free a second permit.
  enum outcome { reply, error, timeout, target_down };
  bulkhead b{pool(2, 0)};
  auto t = t0;
  for (bulkhead_ticket i = 0; i < 10000; ++i) {
    REQUIRE(enter(b, t += 1ms, i) == admitted);
    auto r = b.release(t += 1ms, i);
    REQUIRE(r.released);
    if (static_cast<outcome>(i % 4) == timeout)
      REQUIRE_FALSE(b.release(t += 1ms, i).released); // the late reply
  }
  auto m = b.metrics();
  CHECK(m.offered == 10000);
  CHECK(m.admitted_directly == 10000);
  CHECK(m.released == 10000);
  CHECK(m.ignored_releases == 2500);
  CHECK(m.in_flight == 0);
  CHECK(m.rejected_full == 0);
  CHECK(m.peak_in_flight == 1);
  CHECK(b.available() == 2);
  // Whole: exactly two permits again.
  CHECK(enter(b, t, 20000) == admitted);
  CHECK(enter(b, t, 20001) == admitted);
  CHECK(enter(b, t, 20002) == rejected_full);
  check_invariants(b);
}

TEST_CASE("bulkhead under 10k failures with overlapping calls, a queue, "
          "timeouts, late replies, expiry and cancellation stays exact and "
          "ends whole",
          "[bulkhead]") {
  bulkhead b{pool(4, 4, 50ms)};
  std::mt19937_64 rng{42};
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>{0, n - 1}(rng);
  };
  auto t = t0;
  bulkhead_ticket next = 0;
  tickets holders;       // permits the owner knows of
  tickets timed_out;     // released on timeout, their late reply pending
  uint64_t failures = 0; // completed calls, all failing in some way
  auto admit_all = [&](const tickets& xs) {
    for (auto x : xs)
      holders.push_back(x);
  };
  while (failures < 10000) {
    t += std::chrono::milliseconds(pick(5));
    switch (pick(6)) {
      case 0:
      case 1: { // a new request
        auto r = b.try_enter(t, next++);
        REQUIRE(r);
        if (r->decision == admitted)
          holders.push_back(next - 1);
        break;
      }
      case 2:
      case 3: { // a call ends: error, timeout or target down
        if (holders.empty())
          break;
        auto i = pick(holders.size());
        auto h = holders[i];
        holders.erase(holders.begin() + static_cast<ptrdiff_t>(i));
        auto r = b.release(t, h);
        REQUIRE(r.released);
        admit_all(r.admitted);
        if (pick(3) == 0)
          timed_out.push_back(h);
        ++failures;
        break;
      }
      case 4: { // a late reply after a timeout: nothing to release
        if (timed_out.empty())
          break;
        auto r = b.release(t, timed_out.back());
        timed_out.pop_back();
        REQUIRE_FALSE(r.released);
        REQUIRE(r.admitted.empty());
        break;
      }
      case 5: { // expiry, or a client going away
        if (pick(2) == 0) {
          b.expire(t);
        } else if (b.queue_length() > 0) {
          auto ws = b.waiters();
          REQUIRE(b.cancel(ws[pick(ws.size())]));
        }
        break;
      }
    }
    REQUIRE(b.in_flight() == holders.size());
    REQUIRE(b.in_flight() <= 4);
    REQUIRE(b.queue_length() <= 4);
  }
  check_invariants(b);
  // Drain: every held permit is released, every waiter admitted and released.
  while (!holders.empty()) {
    auto h = holders.back();
    holders.pop_back();
    auto r = b.release(t, h);
    REQUIRE(r.released);
    admit_all(r.admitted);
  }
  CHECK(b.in_flight() == 0);
  CHECK(b.queue_length() == 0);
  CHECK(b.available() == 4);
  auto m = b.metrics();
  CHECK(m.released == m.admitted());
  CHECK(m.offered
        == m.admitted() + m.rejected_full + m.rejected_timeout + m.cancelled);
  CHECK(m.peak_in_flight == 4);
  check_invariants(b);
  // Whole: 4 permits and 4 places again.
  for (bulkhead_ticket i = 0; i < 4; ++i)
    CHECK(enter(b, t, next++) == admitted);
  for (bulkhead_ticket i = 0; i < 4; ++i)
    CHECK(enter(b, t, next++) == queued);
  CHECK(enter(b, t, next++) == rejected_full);
}

TEST_CASE("bulkhead resize while permits are held", "[bulkhead]") {
  bulkhead b{pool(3, 2, 1h)};
  for (bulkhead_ticket i = 1; i <= 3; ++i)
    REQUIRE(enter(b, t0, i) == admitted);
  REQUIRE(enter(b, t0, 4) == queued);
  REQUIRE(enter(b, t0, 5) == queued);
  SECTION("shrinking never revokes held permits") {
    auto r = b.resize(t0 + 1ms, 1, 2);
    REQUIRE(r);
    CHECK(r->admitted.empty());
    CHECK(r->expired.empty());
    CHECK_FALSE(r->released);
    CHECK(b.in_flight() == 3);
    CHECK(b.holds(1));
    CHECK(b.holds(2));
    CHECK(b.holds(3));
    CHECK(b.available() == 0);
    CHECK(b.settings().max_concurrent == 1);
    check_invariants(b);
    // Releases admit nobody until in_flight < 1.
    CHECK(b.release(t0 + 2ms, 1).admitted.empty());
    CHECK(b.release(t0 + 3ms, 2).admitted.empty());
    CHECK(b.in_flight() == 1);
    CHECK(b.waiters() == tickets{4, 5});
    CHECK(b.release(t0 + 4ms, 3).admitted == tickets{4});
    CHECK(b.in_flight() == 1);
    check_invariants(b);
    // New requests wait behind 5 while the one permit is held.
    CHECK(enter(b, t0 + 5ms, 6) == queued);
    CHECK(enter(b, t0 + 5ms, 7) == rejected_full);
    check_invariants(b);
  }
  SECTION("growing admits waiters at once, in FIFO order") {
    auto r = b.resize(t0 + 1ms, 10, 2);
    REQUIRE(r);
    CHECK(r->admitted == tickets{4, 5});
    CHECK(b.in_flight() == 5);
    CHECK(b.queue_length() == 0);
    CHECK(b.available() == 5);
    CHECK(b.metrics().admitted_from_queue == 2);
    CHECK(enter(b, t0 + 2ms, 6) == admitted);
    check_invariants(b);
  }
  SECTION("growing by one admits exactly one") {
    auto r = b.resize(t0 + 1ms, 4, 2);
    REQUIRE(r);
    CHECK(r->admitted == tickets{4});
    CHECK(b.waiters() == tickets{5});
    check_invariants(b);
  }
  SECTION("shrinking the queue evicts nobody; new requests are rejected "
          "until it is below the new limit") {
    auto r = b.resize(t0 + 1ms, 3, 1);
    REQUIRE(r);
    CHECK(r->admitted.empty());
    CHECK(b.waiters() == tickets{4, 5});
    CHECK(enter(b, t0 + 2ms, 6) == rejected_full);
    CHECK(b.release(t0 + 3ms, 1).admitted == tickets{4});
    CHECK(enter(b, t0 + 4ms, 7) == rejected_full); // 1 waits, limit 1
    CHECK(b.cancel(5));
    CHECK(enter(b, t0 + 5ms, 8) == queued);
    check_invariants(b);
  }
  SECTION("resizing to a queue of 0 keeps the waiters") {
    auto r = b.resize(t0 + 1ms, 3, 0);
    REQUIRE(r);
    CHECK(b.waiters() == tickets{4, 5});
    CHECK(enter(b, t0 + 2ms, 6) == rejected_full);
  }
  SECTION("resize to max_concurrent 0 is refused and changes nothing") {
    auto before = b.metrics();
    auto r = b.resize(t0 + 1ms, 0, 5);
    REQUIRE_FALSE(r);
    CHECK(is(r.error(), errc::invalid_argument));
    auto text = context_of(r.error());
    CHECK(contains(text, "'orders'"));
    CHECK(contains(text, "max_concurrent"));
    CHECK(b.settings().max_concurrent == 3);
    CHECK(b.settings().max_queue == 2);
    CHECK(b.metrics().offered == before.offered);
    CHECK(b.waiters() == tickets{4, 5});
  }
}

TEST_CASE("bulkhead resize expires due waiters before admitting",
          "[bulkhead]") {
  bulkhead b{pool(1, 3, 100ms)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  REQUIRE(enter(b, t0 + 50ms, 3) == queued);
  auto r = b.resize(t0 + 100ms, 3, 3);
  REQUIRE(r);
  CHECK(r->expired == tickets{2});
  CHECK(r->admitted == tickets{3});
  CHECK(b.metrics().rejected_timeout == 1);
  check_invariants(b);
}

TEST_CASE("bulkhead resize with unchanged limits changes nothing",
          "[bulkhead]") {
  bulkhead b{pool(1, 1, 1s)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  auto r = b.resize(t0, 1, 1);
  REQUIRE(r);
  CHECK(r->admitted.empty());
  CHECK(r->expired.empty());
  CHECK(b.settings() == pool(1, 1, 1s));
}

// -- try_enter ----------------------------------------------------------------

TEST_CASE("to_string(bulkhead_decision) names every decision", "[bulkhead]") {
  CHECK(std::string{to_string(admitted)} == "admitted");
  CHECK(std::string{to_string(queued)} == "queued");
  CHECK(std::string{to_string(rejected_full)} == "rejected_full");
  CHECK(std::string{to_string(static_cast<bulkhead_decision>(9))}
        == "<invalid bulkhead_decision>");
}

TEST_CASE("a new bulkhead is empty and has no deadline", "[bulkhead]") {
  bulkhead b{pool(3, 2)};
  CHECK(b.in_flight() == 0);
  CHECK(b.queue_length() == 0);
  CHECK(b.available() == 3);
  CHECK(b.waiters().empty());
  CHECK(b.next_deadline() == std::nullopt);
  auto m = b.metrics();
  CHECK(m.offered == 0);
  CHECK(m.admitted() == 0);
  CHECK(m.peak_in_flight == 0);
  CHECK(b.settings() == pool(3, 2));
}

TEST_CASE("without a queue a full bulkhead rejects at once", "[bulkhead]") {
  bulkhead b{pool(1, 0)};
  CHECK(enter(b, t0, 1) == admitted);
  for (bulkhead_ticket i = 2; i < 10; ++i)
    CHECK(enter(b, t0, i) == rejected_full);
  CHECK(b.next_deadline() == std::nullopt);
  CHECK(b.metrics().rejected_full == 8);
  check_invariants(b);
}

TEST_CASE("bulkhead refuses a ticket that holds a permit or waits",
          "[bulkhead]") {
  bulkhead b{pool(1, 1)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  auto before = b.metrics();
  auto held = b.try_enter(t0, 1);
  REQUIRE_FALSE(held);
  CHECK(is(held.error(), errc::invalid_argument));
  CHECK(contains(context_of(held.error()), "'orders'"));
  CHECK(contains(context_of(held.error()), "ticket 1 already holds a permit"));
  auto waiting = b.try_enter(t0, 2);
  REQUIRE_FALSE(waiting);
  CHECK(contains(context_of(waiting.error()), "ticket 2 is already waiting"));
  auto after = b.metrics();
  CHECK(after.offered == before.offered);
  CHECK(after.queued == before.queued);
  CHECK(after.rejected_full == before.rejected_full);
  // A released ticket may be used again.
  auto r = b.release(t0, 1);
  CHECK(r.admitted == tickets{2});
  CHECK(enter(b, t0, 1) == queued);
  check_invariants(b);
}

TEST_CASE("try_enter expires due waiters first, making room", "[bulkhead]") {
  bulkhead b{pool(1, 2, 100ms)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  REQUIRE(enter(b, t0 + 10ms, 3) == queued);
  // Full at 99 ms ...
  CHECK(enter(b, t0 + 99ms, 4) == rejected_full);
  // ... but at 100 ms, 2 has expired and 5 takes its place.
  auto r = b.try_enter(t0 + 100ms, 5);
  REQUIRE(r);
  CHECK(r->expired == tickets{2});
  CHECK(r->decision == queued);
  CHECK(b.waiters() == tickets{3, 5});
  CHECK(b.next_deadline() == t0 + 110ms);
  check_invariants(b);
}

TEST_CASE("a new request never overtakes a waiter", "[bulkhead]") {
  bulkhead b{pool(2, 5, 1h)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == admitted);
  REQUIRE(enter(b, t0, 3) == queued);
  // The release hands the free permit to 3 at once, so 4 must queue.
  CHECK(b.release(t0, 1).admitted == tickets{3});
  CHECK(enter(b, t0, 4) == queued);
  check_invariants(b);
}

// -- release ------------------------------------------------------------------

TEST_CASE("releasing a ticket without a permit changes nothing", "[bulkhead]") {
  bulkhead b{pool(1, 1)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  SECTION("never admitted") {
    auto r = b.release(t0, 99);
    CHECK_FALSE(r.released);
    CHECK(r.admitted.empty());
  }
  SECTION("still waiting: use cancel") {
    auto r = b.release(t0, 2);
    CHECK_FALSE(r.released);
    CHECK(b.is_waiting(2));
  }
  SECTION("released twice") {
    CHECK(b.release(t0, 1).released);
    auto r = b.release(t0, 1);
    CHECK_FALSE(r.released);
    CHECK(r.admitted.empty());
    CHECK(b.in_flight() == 1); // 2 holds the one permit
  }
  auto m = b.metrics();
  CHECK(m.ignored_releases == 1);
  CHECK(b.in_flight() == 1);
  check_invariants(b);
}

TEST_CASE("an ignored release expires nobody", "[bulkhead]") {
  bulkhead b{pool(1, 1, 10ms)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  auto r = b.release(t0 + 1h, 99);
  CHECK(r.expired.empty());
  CHECK(b.is_waiting(2));
  CHECK(b.expire(t0 + 1h) == tickets{2});
}

TEST_CASE("release expires due waiters first and admits the next live one",
          "[bulkhead]") {
  bulkhead b{pool(1, 3, 100ms)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  REQUIRE(enter(b, t0 + 10ms, 3) == queued);
  REQUIRE(enter(b, t0 + 20ms, 4) == queued);
  // At 110 ms, 2 and 3 are due (not yet expired by the owner): they are
  // rejected, never admitted; 4 gets the permit.
  auto r = b.release(t0 + 110ms, 1);
  CHECK(r.released);
  CHECK(r.expired == tickets{2, 3});
  CHECK(r.admitted == tickets{4});
  CHECK(b.metrics().rejected_timeout == 2);
  check_invariants(b);
}

TEST_CASE("release when every waiter is due admits nobody", "[bulkhead]") {
  bulkhead b{pool(1, 2, 100ms)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  auto r = b.release(t0 + 100ms, 1);
  CHECK(r.expired == tickets{2});
  CHECK(r.admitted.empty());
  CHECK(b.in_flight() == 0);
  CHECK(b.available() == 1);
  check_invariants(b);
}

// -- expire, cancel, next_deadline --------------------------------------------

TEST_CASE("expire removes exactly the due waiters, oldest first",
          "[bulkhead]") {
  bulkhead b{pool(1, 5, 100ms)};
  REQUIRE(enter(b, t0, 1) == admitted);
  for (bulkhead_ticket i = 2; i <= 6; ++i)
    REQUIRE(enter(b, t0 + (i - 2) * 10ms, i) == queued);
  CHECK(b.expire(t0 + 99ms).empty());
  CHECK(b.expire(t0 + 125ms) == tickets{2, 3, 4});
  CHECK(b.waiters() == tickets{5, 6});
  CHECK(b.expire(t0 + 125ms).empty());
  CHECK(b.expire(t0 + 140ms) == tickets{5, 6});
  CHECK(b.metrics().rejected_timeout == 5);
  CHECK(b.in_flight() == 1);
  check_invariants(b);
}

TEST_CASE("cancel withdraws a waiter and keeps the others' order",
          "[bulkhead]") {
  bulkhead b{pool(1, 3, 100ms)};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  REQUIRE(enter(b, t0 + 10ms, 3) == queued);
  REQUIRE(enter(b, t0 + 20ms, 4) == queued);
  CHECK(b.cancel(3));
  CHECK(b.waiters() == tickets{2, 4});
  CHECK_FALSE(b.is_waiting(3));
  CHECK_FALSE(b.cancel(3));  // twice
  CHECK_FALSE(b.cancel(1));  // holds a permit: not cancellable
  CHECK_FALSE(b.cancel(99)); // unknown
  CHECK(b.holds(1));
  // Cancelling the oldest moves the deadline to the next.
  CHECK(b.next_deadline() == t0 + 100ms);
  CHECK(b.cancel(2));
  CHECK(b.next_deadline() == t0 + 120ms);
  CHECK(b.release(t0 + 30ms, 1).admitted == tickets{4});
  CHECK(b.next_deadline() == std::nullopt);
  auto m = b.metrics();
  CHECK(m.cancelled == 2);
  CHECK(m.admitted_from_queue == 1);
  check_invariants(b);
  // A cancelled ticket may be offered again.
  CHECK(enter(b, t0 + 40ms, 3) == queued);
}

TEST_CASE("bulkhead deadlines saturate instead of wrapping around",
          "[bulkhead]") {
  bulkhead b{pool(1, 1, ts::max())};
  REQUIRE(enter(b, t0, 1) == admitted);
  REQUIRE(enter(b, t0, 2) == queued);
  CHECK(b.next_deadline() == time_point::max());
  CHECK(b.expire(t0 + 10000h).empty());
  CHECK(b.expire(time_point::max() - 1ns).empty());
  CHECK(b.expire(time_point::max()) == tickets{2});
}

TEST_CASE("bulkhead at the clock's edges", "[bulkhead]") {
  bulkhead b{pool(1, 2, 1s)};
  auto early = time_point::min() + 1s;
  REQUIRE(enter(b, early, 1) == admitted);
  REQUIRE(enter(b, early, 2) == queued);
  CHECK(b.next_deadline() == early + 1s);
  auto late = time_point::max() - 1ns;
  auto e = b.try_enter(late - 1h, 3);
  REQUIRE(e);
  CHECK(e->decision == queued);
  CHECK(e->expired == tickets{2});
  CHECK(b.next_deadline() == late - 1h + 1s);
  auto r = b.release(late, 1);
  CHECK(r.expired == tickets{3});
  CHECK(r.admitted.empty());
}

TEST_CASE("peak_in_flight records the most permits held at once",
          "[bulkhead]") {
  bulkhead b{pool(5)};
  for (bulkhead_ticket i = 0; i < 3; ++i)
    REQUIRE(enter(b, t0, i) == admitted);
  for (bulkhead_ticket i = 0; i < 3; ++i)
    b.release(t0, i);
  REQUIRE(enter(b, t0, 9) == admitted);
  CHECK(b.metrics().peak_in_flight == 3);
  CHECK(b.metrics().in_flight == 1);
}

TEST_CASE("invalid settings still behave as documented", "[bulkhead]") {
  // max_concurrent 0 (refused by validate): nothing is ever admitted.
  bulkhead b{pool(0, 1, 10ms)};
  CHECK(enter(b, t0, 1) == queued);
  CHECK(enter(b, t0, 2) == rejected_full);
  CHECK(b.expire(t0 + 10ms) == tickets{1});
  CHECK(b.available() == 0);
  check_invariants(b);
}

// -- exhaustive ---------------------------------------------------------------

TEST_CASE("bulkhead invariants hold after every sequence of up to 6 "
          "operations",
          "[bulkhead]") {
  // Operations: 0 enter, 1 release the oldest holder, 2 release the newest
  // holder, 3 cancel the newest waiter, 4 advance 60 ms and expire (waiters
  // wait 100 ms), 5 resize up by one, 6 resize down by one.
  constexpr int ops = 7;
  constexpr int depth = 6;
  uint64_t sequences = 0;
  for (uint32_t mc = 1; mc <= 2; ++mc) {
    for (uint32_t mq = 0; mq <= 2; ++mq) {
      std::vector<int> seq(depth, 0);
      for (;;) {
        ++sequences;
        bulkhead b{pool(mc, mq, 100ms)};
        auto t = t0;
        bulkhead_ticket next = 0;
        tickets holders; // in admission order
        tickets ever_admitted_from_queue;
        for (auto op : seq) {
          auto limit = b.settings().max_concurrent;
          auto qlimit = b.settings().max_queue;
          auto in_flight_before = b.in_flight();
          auto queue_before = b.queue_length();
          tickets admitted_now;
          switch (op) {
            case 0: {
              auto r = b.try_enter(t, next++);
              ENSURE(r);
              ENSURE(r->expired.empty()); // expiry happens in op 4 only
              if (r->decision == admitted) {
                ENSURE(queue_before == 0);
                ENSURE(in_flight_before < limit);
                holders.push_back(next - 1);
              } else if (r->decision == queued) {
                ENSURE((queue_before > 0 || in_flight_before >= limit));
                ENSURE(queue_before < qlimit);
              } else {
                ENSURE((queue_before > 0 || in_flight_before >= limit));
                ENSURE(queue_before >= qlimit);
              }
              break;
            }
            case 1:
            case 2: {
              if (holders.empty()) {
                ENSURE(!b.release(t, 1000).released);
                break;
              }
              auto h = op == 1 ? holders.front() : holders.back();
              holders.erase(std::find(holders.begin(), holders.end(), h));
              auto r = b.release(t, h);
              ENSURE(r.released);
              ENSURE(r.admitted.size() <= 1);
              admitted_now = r.admitted;
              break;
            }
            case 3: {
              auto ws = b.waiters();
              if (ws.empty())
                ENSURE(!b.cancel(1000));
              else
                ENSURE(b.cancel(ws.back()));
              break;
            }
            case 4:
              t += 60ms;
              for (auto x : b.expire(t))
                ENSURE(std::find(holders.begin(), holders.end(), x)
                       == holders.end());
              break;
            case 5:
            case 6: {
              auto n = op == 5 ? limit + 1 : std::max<uint32_t>(1, limit - 1);
              auto r = b.resize(t, n, qlimit);
              ENSURE(r);
              admitted_now = r->admitted;
              ENSURE(b.in_flight() >= in_flight_before); // never revoked
              break;
            }
          }
          for (auto x : admitted_now) {
            holders.push_back(x);
            ever_admitted_from_queue.push_back(x);
          }
          // Admission never exceeds the limit; waiters are admitted in
          // arrival (= ticket) order.
          if (!admitted_now.empty())
            ENSURE(b.in_flight() <= b.settings().max_concurrent);
          ENSURE(std::is_sorted(ever_admitted_from_queue.begin(),
                                ever_admitted_from_queue.end()));
          auto ws = b.waiters();
          ENSURE(std::is_sorted(ws.begin(), ws.end()));
          ENSURE(b.in_flight() == holders.size());
          for (auto h : holders)
            ENSURE(b.holds(h));
          // Nobody waits past the deadline once expire ran at t.
          if (op == 4 && b.next_deadline())
            ENSURE(*b.next_deadline() > t);
          auto m = b.metrics();
          ENSURE(m.offered == m.admitted_directly + m.queued + m.rejected_full);
          ENSURE(m.queued
                 == m.admitted_from_queue + m.rejected_timeout + m.cancelled
                      + m.waiting);
          ENSURE(m.admitted() == m.released + m.in_flight);
          if (b.queue_length() > 0)
            ENSURE(b.in_flight() >= b.settings().max_concurrent);
        }
        // Next sequence (odometer).
        int i = 0;
        while (i < depth && ++seq[i] == ops)
          seq[i++] = 0;
        if (i == depth)
          break;
      }
    }
  }
  CHECK(sequences == 6 * 117649); // 6 configurations x 7^6 sequences
}

// -- settings -----------------------------------------------------------------

TEST_CASE("default bulkhead settings are Resilience4j's and valid",
          "[bulkhead]") {
  bulkhead_settings s;
  CHECK(s.name == "bulkhead");
  CHECK(s.max_concurrent == 25);
  CHECK(s.max_queue == 0);
  CHECK(s.max_wait == ts{1s});
  CHECK_FALSE(s.validate());
}

TEST_CASE("boundary bulkhead settings are valid", "[bulkhead]") {
  CHECK_FALSE(pool(1, 0, 1ns).validate());
  CHECK_FALSE(pool(UINT32_MAX, UINT32_MAX, ts::max()).validate());
}

TEST_CASE("bulkhead_settings::validate rejects every bad field, naming pool "
          "and field",
          "[bulkhead]") {
  std::vector<bad_setting<bulkhead_settings>> cases{
    {"max_concurrent", "", pool(0, 10)},
    {"max_wait", "", pool(1, 10, ts{0})},
    {"max_wait", "", pool(1, 10, -1ns)},
    {"max_wait", "", pool(1, 0, -1h)},
  };
  check_rejected(cases, "'orders'");
  auto s = pool(1);
  s.name.clear();
  auto err = s.validate();
  REQUIRE(err);
  CHECK(is(err, errc::invalid_argument));
  CHECK(contains(context_of(err), "empty name"));
}

TEST_CASE("bulkhead_settings::validate reports the offending max_wait",
          "[bulkhead]") {
  auto text = context_of(pool(1, 1, -5ns).validate());
  CHECK(contains(text, "-5ns"));
}
