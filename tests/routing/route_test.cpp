// The route actor under CAF's deterministic test coordinator: a client talks
// to the route as to the target and gets the target's reply or exactly one
// clear error (breaker_open, timeout, target_down).

#include <catch2/catch.hpp>

#include <deque>
#include <memory>

#include <caf/event_based_actor.hpp>

#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/isolation_rules.hpp"
#include "remedy/routing/retry_policy.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_actor.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/endpoint.hpp"
#include "remedy/routing/route_builder.hpp"
#include "remedy/routing/route_event.hpp"
#include "remedy/routing/route_stats.hpp"
#include "remedy/routing/atoms.hpp"
#include "remedy/classification/atoms.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/routing/type_ids.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using work_atom = caf::atom_constant<caf::atom("t_work")>;
using fail_atom = caf::atom_constant<caf::atom("t_fail")>;
using hold_atom = caf::atom_constant<caf::atom("t_hold")>;
using release_atom = caf::atom_constant<caf::atom("t_release")>;
using note_atom = caf::atom_constant<caf::atom("t_note")>;

using flaky_atom = caf::atom_constant<caf::atom("t_flaky")>;
using biz_atom = caf::atom_constant<caf::atom("t_biz")>;
using seq_atom = caf::atom_constant<caf::atom("t_seq")>;

struct target_state {
  std::deque<caf::response_promise> held;
  int notes = 0;
  int flaky_calls = 0;
  int seq_calls = 0;
};

/// Answers work with x + 1, fail with an error, holds `hold` requests until
/// `release`, and counts plain `note` messages.
caf::behavior target(caf::stateful_actor<target_state>* self) {
  return {
    [](work_atom, int x) { return x + 1; },
    [](fail_atom) -> caf::result<int> {
      return caf::make_error(caf::sec::runtime_error, "boom");
    },
    [self](hold_atom) -> caf::result<int> {
      auto rp = self->make_response_promise();
      self->state.held.push_back(rp);
      return rp;
    },
    [self](release_atom) {
      for (auto& rp : self->state.held)
        rp.deliver(42);
      self->state.held.clear();
    },
    [self](note_atom) { ++self->state.notes; },
    // Fails the first `failures` calls, then answers the call count.
    [self](flaky_atom, int failures) -> caf::result<int> {
      auto n = ++self->state.flaky_calls;
      if (n <= failures)
        return caf::make_error(caf::sec::runtime_error, "flaky");
      return n;
    },
    [self](note_atom, caf::get_atom) { return self->state.notes; },
    // A business error: the target works, the request was bad.
    [](biz_atom) -> caf::result<int> {
      return caf::make_error(caf::sec::invalid_argument, "no such order");
    },
    // Answers -n for the first `bad` calls, then n (the call count).
    [self](seq_atom, int bad) {
      auto n = ++self->state.seq_calls;
      return n <= bad ? -n : n;
    },
  };
}

circuit_breaker_settings breaker_rules() {
  circuit_breaker_settings s;
  s.name = "orders";
  s.failure_rate_threshold = 0.5;
  s.window_size = 4;
  s.minimum_calls = 4;
  s.open_duration = 1s;
  s.max_open_duration = 1s;
  s.half_open_probes = 1;
  s.half_open_max_duration = 10s;
  return s;
}

struct route_fixture : fixture {
  caf::actor tgt = track(sys.spawn(target));

  caf::actor make_route(route_settings s, caf::actor to = {}) {
    auto r = spawn_route(sys, to ? to : tgt, std::move(s));
    REQUIRE(r);
    track(*r);
    run();
    return *r;
  }

  route_stats stats(const caf::actor& r) {
    auto x = ask<route_stats>(r, route_stats_atom::value);
    REQUIRE(x);
    return *x;
  }
};

} // namespace

TEST_CASE_METHOD(route_fixture, "a route answers like its target",
                 "[route]") {
  auto r = make_route(route_settings{});
  auto y = ask<int>(r, work_atom::value, 41);
  REQUIRE(y);
  CHECK(*y == 42);
  auto err = ask<int>(r, fail_atom::value);
  REQUIRE(!err);
  CHECK(err.error() == caf::sec::runtime_error);
  auto s = stats(r);
  CHECK(s.requests == 2);
  CHECK(s.answered == 2);
  CHECK(s.in_flight == 0);
}

TEST_CASE_METHOD(route_fixture, "plain messages pass through unobserved",
                 "[route]") {
  auto r = make_route(route_settings{});
  self->send(r, note_atom::value);
  self->send(r, note_atom::value);
  run();
  auto n = ask<int>(tgt, note_atom::value, caf::get_atom::value);
  REQUIRE(n);
  CHECK(*n == 2);
  CHECK(stats(r).forwarded_async == 2);
}

TEST_CASE_METHOD(route_fixture,
                 "the breaker opens exactly at the threshold, fails fast, "
                 "and probes after the open duration",
                 "[route][breaker]") {
  subscribe(self.ptr(), "route.breaker.");
  route_settings s;
  s.name = "orders";
  s.breaker = breaker_rules();
  auto r = make_route(s);
  CHECK(ask<int>(r, work_atom::value, 1));
  CHECK(ask<int>(r, work_atom::value, 1));
  CHECK(!ask<int>(r, fail_atom::value));
  CHECK(stats(r).state == breaker_state::closed); // 3 calls: below minimum
  CHECK(!ask<int>(r, fail_atom::value));          // 2 of 4 failed: opens
  CHECK(stats(r).state == breaker_state::open);
  auto rejected = ask<int>(r, work_atom::value, 1);
  REQUIRE(!rejected);
  CHECK(is(rejected.error(), errc::breaker_open));
  CHECK(stats(r).rejected_open == 1);
  advance(999ms);
  CHECK(stats(r).state == breaker_state::open);
  advance(1ms); // the route's timer fires at the open duration
  CHECK(stats(r).state == breaker_state::half_open);
  auto probe = ask<int>(r, work_atom::value, 1);
  REQUIRE(probe);
  CHECK(stats(r).state == breaker_state::closed);
  // One event per transition, in order.
  std::vector<breaker_state> seen;
  while (!self->mailbox().empty())
    self->receive([&](route_event& ev) {
      CHECK(ev.route == "orders");
      seen.push_back(ev.to);
    });
  CHECK(seen
        == std::vector<breaker_state>{breaker_state::open,
                                      breaker_state::half_open,
                                      breaker_state::closed});
}

TEST_CASE_METHOD(route_fixture,
                 "a request past its deadline gets timeout once; the late "
                 "reply is dropped and counted once",
                 "[route][timeout]") {
  route_settings s;
  s.timeout = 100ms;
  s.sweep_interval = 10ms;
  s.breaker = breaker_rules();
  auto r = make_route(s);
  auto h = self->request(r, caf::infinite, hold_atom::value);
  run();
  CHECK(stats(r).in_flight == 1);
  advance(90ms);
  CHECK(!has_reply());
  advance(10ms);
  REQUIRE(has_reply());
  caf::error err;
  h.receive([](int) { FAIL("no value expected"); },
            [&](caf::error& x) { err = x; });
  CHECK(is(err, errc::timeout));
  // The target answers late: the route drops it, the client hears nothing.
  self->send(tgt, release_atom::value);
  run();
  CHECK(!has_reply());
  auto st = stats(r);
  CHECK(st.timeouts == 1);
  CHECK(st.late_replies == 1);
  CHECK(st.window_calls == 1);
  CHECK(st.window_failures == 1);
}

TEST_CASE_METHOD(route_fixture,
                 "requests in flight get target_down when the target exits, "
                 "and the route exits with target_down",
                 "[route]") {
  auto r = make_route(route_settings{});
  self->monitor(r);
  auto h1 = self->request(r, caf::infinite, hold_atom::value);
  auto h2 = self->request(r, caf::infinite, hold_atom::value);
  run();
  caf::anon_send_exit(tgt, caf::exit_reason::user_shutdown);
  run();
  int errors = 0;
  for (auto* h : {&h1, &h2}) {
    REQUIRE(has_reply());
    h->receive([](int) { FAIL("no value expected"); },
               [&](caf::error& x) {
                 CHECK(is(x, errc::target_down));
                 ++errors;
               });
  }
  CHECK(errors == 2);
  // Then the down message of the route itself, and nothing else.
  REQUIRE(has_reply());
  caf::error reason;
  self->receive([&](caf::down_msg& x) { reason = x.reason; });
  CHECK(is(reason, errc::target_down));
  CHECK(render(reason).find("route 'route'") != std::string::npos);
  CHECK(!has_reply()); // never two answers
  auto later = ask<int>(r, work_atom::value, 1);
  REQUIRE(!later);
  CHECK(later.error() == caf::sec::request_receiver_down);
}

TEST_CASE_METHOD(route_fixture, "operator overrides of the breaker",
                 "[route][breaker]") {
  route_settings s;
  s.breaker = breaker_rules();
  auto r = make_route(s);
  REQUIRE(!ask_unit(r, breaker_force_open_atom::value));
  auto x = ask<int>(r, work_atom::value, 1);
  REQUIRE(!x);
  CHECK(is(x.error(), errc::breaker_open));
  REQUIRE(!ask_unit(r, breaker_reset_atom::value));
  CHECK(ask<int>(r, work_atom::value, 1));
  REQUIRE(!ask_unit(r, breaker_disable_atom::value));
  for (int i = 0; i < 8; ++i)
    CHECK(!ask<int>(r, fail_atom::value));
  CHECK(stats(r).state == breaker_state::disabled);
  auto plain = make_route(route_settings{});
  CHECK(is(ask_unit(plain, breaker_reset_atom::value), errc::not_supported));
}

TEST_CASE_METHOD(route_fixture, "invalid route settings are rejected",
                 "[route]") {
  route_settings s;
  s.name = "bad";
  s.sweep_interval = 0s;
  auto r = spawn_route(sys, tgt, s);
  REQUIRE(!r);
  CHECK(is(r.error(), errc::invalid_argument));
  CHECK(context_of(r.error()).find("route 'bad'") != std::string::npos);
  s = route_settings{};
  s.breaker = breaker_rules();
  s.breaker->failure_rate_threshold = 1.5;
  r = spawn_route(sys, tgt, s);
  REQUIRE(!r);
  CHECK(context_of(r.error()).find("failure_rate_threshold")
        != std::string::npos);
  CHECK(!spawn_route(sys, caf::actor{}, route_settings{}));
}

// -- retry -------------------------------------------------------------------

TEST_CASE_METHOD(route_fixture,
                 "retry: failed attempts are retried after the policy's delay",
                 "[route][retry]") {
  route_settings s;
  s.retry = retry_policy::constant(3, 100ms);
  auto r = make_route(s);
  auto h = self->request(r, caf::infinite, flaky_atom::value, 2);
  run();
  CHECK(!has_reply()); // attempt 1 failed, waiting 100 ms
  advance(99ms);
  CHECK(!has_reply());
  advance(1ms); // attempt 2 fails
  CHECK(!has_reply());
  advance(100ms); // attempt 3 succeeds
  REQUIRE(has_reply());
  int got = 0;
  h.receive([&](int n) { got = n; }, [](caf::error&) { FAIL("error"); });
  CHECK(got == 3);
  auto st = stats(r);
  CHECK(st.retries == 2);
  CHECK(st.answered == 1);
}

TEST_CASE_METHOD(route_fixture,
                 "retry: the client gets the last error once attempts run "
                 "out",
                 "[route][retry]") {
  route_settings s;
  s.retry = retry_policy::immediate(2);
  auto r = make_route(s);
  auto x = ask<int>(r, flaky_atom::value, 5);
  REQUIRE(!x);
  CHECK(x.error() == caf::sec::runtime_error);
  CHECK(stats(r).retries == 1);
  CHECK(!has_reply()); // exactly one answer
}

TEST_CASE_METHOD(route_fixture, "retry never retries breaker_open by default",
                 "[route][retry]") {
  route_settings s;
  s.retry = retry_policy::immediate(5);
  s.breaker = breaker_rules();
  auto r = make_route(s);
  REQUIRE(!ask_unit(r, breaker_force_open_atom::value));
  auto x = ask<int>(r, work_atom::value, 1);
  REQUIRE(!x);
  CHECK(is(x.error(), errc::breaker_open));
  CHECK(stats(r).retries == 0);
}

TEST_CASE_METHOD(route_fixture,
                 "the timeout covers every attempt of a request",
                 "[route][retry][timeout]") {
  route_settings s;
  s.timeout = 250ms;
  s.retry = retry_policy::constant(10, 100ms);
  auto r = make_route(s);
  auto h = self->request(r, caf::infinite, flaky_atom::value, 100);
  run();
  advance(100ms); // attempt 2
  advance(100ms); // attempt 3; a 4th would start at 300 ms > deadline
  REQUIRE(has_reply());
  caf::error err;
  h.receive([](int) { FAIL("value"); }, [&](caf::error& e) { err = e; });
  // The retry that would pass the deadline is not made: the last error.
  CHECK(err == caf::sec::runtime_error);
  CHECK(stats(r).retries == 2);
}

// -- bulkhead ----------------------------------------------------------------

namespace {

bulkhead_settings pool(uint32_t max, uint32_t queue,
                       caf::timespan wait = 50ms) {
  bulkhead_settings b;
  b.name = "db";
  b.max_concurrent = max;
  b.max_queue = queue;
  b.max_wait = wait;
  return b;
}

} // namespace

TEST_CASE_METHOD(route_fixture,
                 "bulkhead max=2: permitted, permitted, rejected, finished, "
                 "finished, permitted",
                 "[route][bulkhead]") {
  route_settings s;
  s.bulkhead = pool(2, 0);
  s.breaker = breaker_rules();
  auto r = make_route(s);
  auto h1 = self->request(r, caf::infinite, hold_atom::value);
  auto h2 = self->request(r, caf::infinite, hold_atom::value);
  run();
  CHECK(stats(r).bulkhead_in_flight == 2);
  auto third = ask<int>(r, work_atom::value, 1);
  REQUIRE(!third);
  CHECK(is(third.error(), errc::bulkhead_full));
  self->send(tgt, release_atom::value);
  run();
  int answered = 0;
  for (auto* h : {&h1, &h2}) {
    REQUIRE(has_reply());
    h->receive([&](int x) { answered += x == 42; },
               [](caf::error&) { FAIL("error"); });
  }
  CHECK(answered == 2);
  CHECK(stats(r).bulkhead_in_flight == 0);
  CHECK(ask<int>(r, work_atom::value, 1));
  auto st = stats(r);
  CHECK(st.rejected_full == 1);
  // A bulkhead rejection is not a breaker failure.
  CHECK(st.window_calls == 3);
  CHECK(st.window_failures == 0);
}

TEST_CASE_METHOD(route_fixture,
                 "bulkhead queue: FIFO admission and exact max wait",
                 "[route][bulkhead]") {
  route_settings s;
  s.bulkhead = pool(1, 2, 50ms);
  s.sweep_interval = 10ms;
  auto r = make_route(s);
  auto h1 = self->request(r, caf::infinite, hold_atom::value);
  run();
  auto h2 = self->request(r, caf::infinite, work_atom::value, 1);
  auto h3 = self->request(r, caf::infinite, work_atom::value, 2);
  run();
  CHECK(stats(r).bulkhead_waiting == 2);
  // The holder finishes: h2 then h3 are admitted in order.
  self->send(tgt, release_atom::value);
  run();
  std::vector<int> order;
  for (auto* h : {&h1, &h2, &h3}) {
    REQUIRE(has_reply());
    h->receive([&](int x) { order.push_back(x); },
               [](caf::error&) { FAIL("error"); });
  }
  CHECK(order == std::vector<int>{42, 2, 3});
  // Now a waiter that waits too long.
  auto h4 = self->request(r, caf::infinite, hold_atom::value);
  auto h5 = self->request(r, caf::infinite, work_atom::value, 5);
  run();
  advance(40ms);
  CHECK(!has_reply());
  advance(10ms); // the sweep at 50 ms expires it
  REQUIRE(has_reply());
  caf::error err;
  h5.receive([](int) { FAIL("value"); }, [&](caf::error& e) { err = e; });
  CHECK(is(err, errc::bulkhead_timeout));
  CHECK(stats(r).rejected_wait == 1);
  self->send(tgt, release_atom::value);
  run();
  h4.receive([](int) {}, [](caf::error&) { FAIL("error"); });
}

TEST_CASE_METHOD(route_fixture,
                 "bulkhead permits come back on every outcome: after 10k "
                 "failures the pool is whole",
                 "[route][bulkhead]") {
  route_settings s;
  s.bulkhead = pool(4, 0);
  auto r = make_route(s);
  // 10k failing requests, 4 at a time (all permits busy each round).
  int failures = 0;
  for (int round = 0; round < 10000 / 4; ++round) {
    std::vector<decltype(self->request(r, caf::infinite, fail_atom::value))>
      hs;
    for (int i = 0; i < 4; ++i)
      hs.push_back(self->request(r, caf::infinite, fail_atom::value));
    run();
    for (auto& h : hs)
      h.receive([](int) {}, [&](caf::error&) { ++failures; });
  }
  CHECK(failures == 10000);
  auto st = stats(r);
  CHECK(st.bulkhead_in_flight == 0);
  CHECK(st.rejected_full == 0);
  // The pool is whole: 4 concurrent holders fit again.
  std::vector<decltype(self->request(r, caf::infinite, hold_atom::value))> hs;
  for (int i = 0; i < 4; ++i)
    hs.push_back(self->request(r, caf::infinite, hold_atom::value));
  run();
  CHECK(stats(r).bulkhead_in_flight == 4);
  self->send(tgt, release_atom::value);
  run();
  for (auto& h : hs)
    h.receive([](int) {}, [](caf::error&) { FAIL("error"); });
}

TEST_CASE_METHOD(route_fixture,
                 "bulkhead resize at run time while permits are held",
                 "[route][bulkhead]") {
  route_settings s;
  s.bulkhead = pool(2, 5, 1s);
  auto r = make_route(s);
  auto h1 = self->request(r, caf::infinite, hold_atom::value);
  auto h2 = self->request(r, caf::infinite, hold_atom::value);
  auto h3 = self->request(r, caf::infinite, work_atom::value, 2);
  run();
  CHECK(stats(r).bulkhead_waiting == 1);
  // Growing admits the waiter at once.
  REQUIRE(!ask_unit(r, bulkhead_resize_atom::value, uint32_t{3}, uint32_t{5}));
  REQUIRE(has_reply());
  h3.receive([](int x) { CHECK(x == 3); }, [](caf::error&) { FAIL("error"); });
  // Shrinking below the holders revokes nothing; new requests wait.
  REQUIRE(!ask_unit(r, bulkhead_resize_atom::value, uint32_t{1}, uint32_t{5}));
  CHECK(stats(r).bulkhead_in_flight == 2);
  auto h4 = self->request(r, caf::infinite, work_atom::value, 4);
  run();
  CHECK(stats(r).bulkhead_waiting == 1);
  CHECK(is(ask_unit(r, bulkhead_resize_atom::value, uint32_t{0}, uint32_t{5}),
           errc::invalid_argument));
  self->send(tgt, release_atom::value);
  run();
  for (auto* h : {&h1, &h2})
    h->receive([](int) {}, [](caf::error&) { FAIL("error"); });
  REQUIRE(has_reply());
  h4.receive([](int x) { CHECK(x == 5); }, [](caf::error&) { FAIL("error"); });
}

// -- builder and events ------------------------------------------------------

TEST_CASE_METHOD(route_fixture,
                 "route_builder composes the stages and validates them",
                 "[route][builder]") {
  auto rb = route_builder("orders")
              .bulkhead(pool(1, 0))
              .breaker(breaker_rules())
              .retry(retry_policy::immediate(2))
              .timeout(1s);
  CHECK(rb.settings().timeout == caf::timespan{1s});
  REQUIRE(rb.settings().retry);
  CHECK(rb.settings().retry->max_attempts() == 2);
  auto r = rb.to(sys, tgt);
  REQUIRE(r);
  track(*r);
  auto y = ask<int>(*r, work_atom::value, 1);
  REQUIRE(y);
  CHECK(*y == 2);
  auto bad = route_builder("bad").bulkhead(pool(0, 0)).to(sys, tgt);
  REQUIRE(!bad);
  CHECK(is(bad.error(), errc::invalid_argument));
  CHECK(context_of(bad.error()).find("route 'bad'") != std::string::npos);
}

TEST_CASE_METHOD(route_fixture,
                 "rejections are events on the bus: bulkhead_rejected and "
                 "breaker_rejected",
                 "[route][events]") {
  subscribe(self.ptr(), "route.");
  auto r = route_builder("orders")
             .bulkhead(pool(1, 0))
             .breaker(breaker_rules())
             .to(sys, tgt);
  REQUIRE(r);
  track(*r);
  run();
  auto held = self->request(*r, caf::infinite, hold_atom::value);
  run();
  CHECK(!ask<int>(*r, work_atom::value, 1)); // bulkhead full
  REQUIRE(!ask_unit(*r, breaker_force_open_atom::value));
  CHECK(!ask<int>(*r, work_atom::value, 1)); // breaker open
  std::vector<route_event_kind> kinds;
  while (!self->mailbox().empty())
    self->receive([&](route_event& ev) { kinds.push_back(ev.kind); });
  CHECK(kinds
        == std::vector<route_event_kind>{
          route_event_kind::bulkhead_rejected,
          route_event_kind::breaker_transition,
          route_event_kind::breaker_rejected});
  self->send(tgt, release_atom::value);
  run();
  held.receive([](int x) { CHECK(x == 42); },
               [](caf::error&) { FAIL("error"); });
}

TEST_CASE_METHOD(route_fixture,
                 "isolation: requests go to pools by message type and client",
                 "[route][bulkhead][isolation]") {
  route_settings s;
  s.bulkhead = pool(1, 0);  // "db", the default pool
  auto slow = pool(1, 0);
  slow.name = "slow";
  s.pools.push_back(slow);
  s.isolation.default_pool = "db";
  s.isolation.rules.push_back(isolation_rule::for_message_type("t_hold",
                                                               "slow"));
  auto r = make_route(s);
  // A held request fills the "slow" pool...
  auto first_hold = self->request(r, caf::infinite, hold_atom::value);
  run();
  auto second_hold = ask<int>(r, hold_atom::value);
  REQUIRE(!second_hold);
  CHECK(is(second_hold.error(), errc::bulkhead_full));
  CHECK(context_of(second_hold.error()).find("'slow'") != std::string::npos);
  // ...while other requests still get through the default pool.
  auto y = ask<int>(r, work_atom::value, 1);
  REQUIRE(y);
  CHECK(*y == 2);
  // Resize by pool name; an unknown pool is an error.
  CHECK(!ask_unit(r, bulkhead_resize_atom::value, std::string{"slow"},
                  uint32_t{2}, uint32_t{0}));
  auto third_hold = self->request(r, caf::infinite, hold_atom::value);
  run();
  CHECK(stats(r).bulkhead_in_flight == 2);
  CHECK(is(ask_unit(r, bulkhead_resize_atom::value, std::string{"nope"},
                    uint32_t{2}, uint32_t{0}),
           errc::invalid_argument));
  self->send(tgt, release_atom::value);
  run();
  for (auto* h : {&first_hold, &third_hold})
    h->receive([](int x) { CHECK(x == 42); },
               [](caf::error&) { FAIL("error"); });
  // Invalid isolation: a rule naming an unknown pool.
  route_settings bad = s;
  bad.isolation.rules.push_back(isolation_rule::for_client("c1", "nowhere"));
  auto err = spawn_route(sys, tgt, bad);
  REQUIRE(!err);
  CHECK(context_of(err.error()).find("nowhere") != std::string::npos);
  route_settings orphan;
  orphan.pools.push_back(slow);
  CHECK(!spawn_route(sys, tgt, orphan));
}

TEST_CASE_METHOD(route_fixture, "isolation by client name",
                 "[route][bulkhead][isolation]") {
  route_settings s;
  s.bulkhead = pool(1, 0);
  auto vip = pool(1, 0);
  vip.name = "vip";
  s.pools.push_back(vip);
  s.isolation.default_pool = "db";
  s.client_name = [this](const caf::strong_actor_ptr& x) {
    return x == caf::actor_cast<caf::strong_actor_ptr>(self) ? "tester"
                                                             : "other";
  };
  s.isolation.rules.push_back(isolation_rule::for_client("tester", "vip"));
  auto r = make_route(s);
  auto held = self->request(r, caf::infinite, hold_atom::value); // "vip"
  run();
  auto x = ask<int>(r, work_atom::value, 1);
  REQUIRE(!x);
  CHECK(context_of(x.error()).find("'vip'") != std::string::npos);
  self->send(tgt, release_atom::value);
  run();
  held.receive([](int x) { CHECK(x == 42); },
               [](caf::error&) { FAIL("error"); });
}

TEST_CASE_METHOD(route_fixture,
                 "metrics_only reports would_open through the route's stats; "
                 "plain messages to a dead target are counted as dropped",
                 "[route][breaker]") {
  route_settings s;
  s.breaker = breaker_rules();
  auto r = make_route(s);
  REQUIRE(!ask_unit(r, breaker_metrics_only_atom::value));
  for (int i = 0; i < 4; ++i)
    CHECK(!ask<int>(r, fail_atom::value));
  auto st = stats(r);
  CHECK(st.state == breaker_state::metrics_only);
  CHECK(st.would_open == 1); // the 4th call completes the window
  // A route in front of an endpoint outlives it: plain messages are then
  // dropped and counted.
  auto ep = track(spawn_endpoint(sys, "work", stash_policy{}));
  self->send(ep, endpoint_update_atom::value, tgt);
  auto r2 = make_route(s, ep);
  caf::anon_send_exit(ep, caf::exit_reason::user_shutdown);
  run();
  self->send(r2, note_atom::value);
  run();
  st = stats(r2);
  CHECK(st.dropped_async == 1);
  CHECK(st.forwarded_async == 0);
}

TEST_CASE_METHOD(route_fixture,
                 "half-open admits exactly the probe quota among concurrent "
                 "requests",
                 "[route][breaker]") {
  route_settings s;
  s.breaker = breaker_rules();
  s.breaker->half_open_probes = 2;
  auto r = make_route(s);
  for (int i = 0; i < 4; ++i)
    CHECK(!ask<int>(r, fail_atom::value)); // opens
  advance(1s);                             // half-open
  REQUIRE(stats(r).state == breaker_state::half_open);
  // Five concurrent requests: two probes reach the target, three fail fast.
  std::vector<decltype(self->request(r, caf::infinite, hold_atom::value))> hs;
  for (int i = 0; i < 5; ++i)
    hs.push_back(self->request(r, caf::infinite, hold_atom::value));
  run();
  CHECK(stats(r).in_flight == 2);
  CHECK(stats(r).rejected_open == 3);
  self->send(tgt, release_atom::value);
  run();
  int values = 0;
  int rejected = 0;
  for (auto& h : hs)
    h.receive([&](int) { ++values; },
              [&](caf::error& err) { rejected += is(err, errc::breaker_open); });
  CHECK(values == 2);
  CHECK(rejected == 3);
  CHECK(stats(r).state == breaker_state::closed);
}

// -- ported from Resilience4j and Polly -----------------------------------------

TEST_CASE_METHOD(route_fixture,
                 "shouldRecordRuntimeExceptionAsFailureAndBusinessExceptionAs"
                 "Success: a route's error classifier",
                 "[route][breaker][classify]") {
  route_settings s;
  s.breaker = breaker_rules();
  s.classify_error = [](const caf::error& err) {
    if (err == caf::sec::invalid_argument)
      return call_outcome::success; // a business error: a healthy answer
    if (err == caf::sec::runtime_error)
      return call_outcome::failure;
    return call_outcome::ignored;
  };
  auto r = make_route(s);
  for (int i = 0; i < 3; ++i) {
    auto x = ask<int>(r, biz_atom::value);
    REQUIRE(!x); // the client still gets the error
    CHECK(x.error() == caf::sec::invalid_argument);
  }
  CHECK(!ask<int>(r, fail_atom::value));
  auto st = stats(r);
  CHECK(st.window_calls == 4);
  CHECK(st.window_failures == 1);
  CHECK(st.state == breaker_state::closed);
  // failure_if is the two-outcome shorthand: rejected errors are ignored.
  route_settings f;
  f.breaker = breaker_rules();
  f.is_failure = [](const caf::error& err) {
    return err != caf::sec::invalid_argument;
  };
  auto r2 = make_route(f);
  CHECK(!ask<int>(r2, biz_atom::value));
  CHECK(stats(r2).window_calls == 0);
  // Not both.
  f.classify_error = s.classify_error;
  auto err = f.validate();
  REQUIRE(err);
  CHECK(render(err).find("classify_error") != std::string::npos);
}

TEST_CASE_METHOD(route_fixture,
                 "shouldRecordSpecificStringResultAsAFailureAndAnyOtherAs"
                 "Success: a route's failure_on_result",
                 "[route][breaker][result]") {
  route_settings s;
  s.breaker = breaker_rules();
  s.failure_on_result = [](const caf::message& x) {
    return x.match_elements<int>() && x.get_as<int>(0) < 0;
  };
  auto r = make_route(s);
  auto a = ask<int>(r, seq_atom::value, 1); // -1: a failure
  REQUIRE(a);
  CHECK(*a == -1);
  auto b = ask<int>(r, seq_atom::value, 1); // 2: a success
  REQUIRE(b);
  CHECK(*b == 2);
  auto st = stats(r);
  CHECK(st.window_calls == 2);
  CHECK(st.window_failures == 1);
  CHECK(st.answered == 2);
}

TEST_CASE_METHOD(route_fixture,
                 "retryOnResult: a route retries a failed result and answers "
                 "the last reply when the attempts run out",
                 "[route][retry][result]") {
  route_settings s;
  s.retry = retry_policy::immediate(3);
  s.failure_on_result = [](const caf::message& x) {
    return x.get_as<int>(0) < 0;
  };
  auto r = make_route(s);
  auto x = ask<int>(r, seq_atom::value, 2); // -1, -2, then 3
  REQUIRE(x);
  CHECK(*x == 3);
  CHECK(stats(r).retries == 2);
  auto y = ask<int>(r, seq_atom::value, 100); // -4, -5, -6: exhausted
  REQUIRE(y);
  CHECK(*y == -6);
  CHECK(stats(r).retries == 4);
  s.retry = retry_policy::immediate(3).with_retry_on_result(false);
  auto no = make_route(s);
  auto z = ask<int>(no, seq_atom::value, 100);
  REQUIRE(z);
  CHECK(*z == -7);
  CHECK(stats(no).retries == 0);
}

TEST_CASE_METHOD(route_fixture,
                 "transitionToOpenState, transitionToHalfOpenState, "
                 "transitionToClosedState: a route's manual transitions",
                 "[route][breaker][manual]") {
  subscribe(self.ptr(), "route.breaker.");
  route_settings s;
  s.breaker = breaker_rules();
  auto r = make_route(s);
  auto next_event = [&] {
    route_event ev;
    self->receive([&](route_event& x) { ev = std::move(x); });
    return ev;
  };
  REQUIRE(!ask_unit(r, breaker_open_atom::value));
  CHECK(next_event().to == breaker_state::open);
  auto x = ask<int>(r, work_atom::value, 1);
  REQUIRE(!x);
  CHECK(is(x.error(), errc::breaker_open));
  // A manual open is timed: half-open after open_duration.
  advance(1s);
  CHECK(stats(r).state == breaker_state::half_open);
  CHECK(next_event().reason == "open duration ended");
  REQUIRE(!ask_unit(r, breaker_close_atom::value));
  CHECK(next_event().to == breaker_state::closed);
  REQUIRE(!ask_unit(r, breaker_half_open_atom::value));
  auto ev = next_event();
  CHECK(ev.to == breaker_state::half_open);
  CHECK(ev.reason == "half-open by operator");
  CHECK(ask<int>(r, work_atom::value, 1)); // the probe closes it
  CHECK(next_event().to == breaker_state::closed);
  auto plain = make_route(route_settings{});
  CHECK(is(ask_unit(plain, breaker_half_open_atom::value),
           errc::not_supported));
}

TEST_CASE_METHOD(route_fixture,
                 "onSuccess, onError, onIgnoredError, onFailureRateExceeded: "
                 "a route's per-call events only with call_events",
                 "[route][events]") {
  subscribe(self.ptr(), "route.");
  route_settings quiet;
  quiet.breaker = breaker_rules();
  auto q = make_route(quiet);
  CHECK(ask<int>(q, work_atom::value, 1));
  CHECK(!has_reply()); // no event for a success without call_events
  route_settings s;
  s.breaker = breaker_rules();
  s.call_events = true;
  s.is_failure = [](const caf::error& err) {
    return err != caf::sec::invalid_argument;
  };
  auto r = make_route(s);
  CHECK(ask<int>(r, work_atom::value, 1));
  CHECK(!ask<int>(r, biz_atom::value));
  for (int i = 0; i < 3; ++i)
    CHECK(!ask<int>(r, fail_atom::value));
  std::vector<std::string> topics;
  while (has_reply())
    self->receive([&](route_event& ev) { topics.push_back(topic(ev)); });
  CHECK(topics
        == std::vector<std::string>{
          "route.call_succeeded", "route.call_ignored", "route.call_failed",
          "route.call_failed", "route.call_failed",
          "route.failure_rate_exceeded", "route.breaker.open"});
  route_settings bad;
  bad.call_events = true;
  CHECK(bad.validate());
}

TEST_CASE_METHOD(route_fixture,
                 "changeConfig maxWaitDuration: a route's waiter times out "
                 "at the new max wait",
                 "[route][bulkhead]") {
  route_settings s;
  s.bulkhead = pool(1, 1, 10s);
  auto r = make_route(s);
  auto held = self->request(r, caf::infinite, hold_atom::value);
  auto waiting = self->request(r, caf::infinite, work_atom::value, 1);
  run();
  CHECK(stats(r).bulkhead_waiting == 1);
  REQUIRE(!ask_unit(r, bulkhead_max_wait_atom::value, caf::timespan{100ms}));
  advance(50ms);
  CHECK(stats(r).bulkhead_waiting == 1);
  advance(60ms); // the sweep after 100 ms rejects the waiter
  auto st = stats(r);
  CHECK(st.bulkhead_waiting == 0);
  CHECK(st.rejected_wait == 1);
  waiting.receive([](int) { FAIL("no value expected"); },
                  [](caf::error& err) {
                    CHECK(is(err, errc::bulkhead_timeout));
                  });
  CHECK(is(ask_unit(r, bulkhead_max_wait_atom::value, caf::timespan{0}),
           errc::invalid_argument));
  CHECK(is(ask_unit(r, bulkhead_max_wait_atom::value, std::string{"nope"},
                    caf::timespan{1s}),
           errc::invalid_argument));
  CHECK(!ask_unit(r, bulkhead_max_wait_atom::value, std::string{"db"},
                  caf::timespan{1s}));
  self->send(tgt, release_atom::value);
  run();
  held.receive([](int x) { CHECK(x == 42); }, [](caf::error&) {});
}

TEST_CASE_METHOD(route_fixture,
                 "a request that times out while waiting in the bulkhead's "
                 "queue releases no permit: ignored_releases stays 0",
                 "[route][bulkhead][timeout]") {
  route_settings s;
  s.timeout = 100ms;
  s.bulkhead = pool(1, 2, 10s);
  auto r = make_route(s);
  self->request(r, caf::infinite, hold_atom::value);
  self->request(r, caf::infinite, work_atom::value, 1);
  run();
  REQUIRE(stats(r).bulkhead_waiting == 1);
  advance(110ms);
  auto st = stats(r);
  CHECK(st.timeouts == 2);
  CHECK(st.bulkhead_in_flight == 0);
  CHECK(st.bulkhead_waiting == 0);
  CHECK(st.bulkhead_ignored_releases == 0);
  // The pool works on: one permit, free again.
  CHECK(ask<int>(r, work_atom::value, 1));
  CHECK(stats(r).bulkhead_ignored_releases == 0);
}

TEST_CASE_METHOD(route_fixture,
                 "a route in front of an endpoint keeps answering target_down "
                 "after the endpoint exits; in front of a plain actor it exits",
                 "[route]") {
  auto ep = track(spawn_endpoint(sys, "work", stash_policy{}));
  self->send(ep, endpoint_update_atom::value, tgt);
  run();
  auto via_ep = make_route(route_settings{}, ep);
  auto direct = make_route(route_settings{});
  self->monitor(via_ep);
  self->monitor(direct);
  CHECK(ask<int>(via_ep, work_atom::value, 1));
  caf::anon_send_exit(ep, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(tgt, caf::exit_reason::user_shutdown);
  run();
  // Only the direct route went down, with a reason naming it.
  REQUIRE(has_reply());
  caf::down_msg down;
  self->receive([&](caf::down_msg& x) { down = std::move(x); });
  CHECK(down.source == direct.address());
  CHECK(is(down.reason, errc::target_down));
  CHECK(render(down.reason).find("route 'route': target exited")
        != std::string::npos);
  CHECK(!has_reply());
  auto later = ask<int>(via_ep, work_atom::value, 1);
  REQUIRE(!later);
  CHECK(is(later.error(), errc::target_down));
}

TEST_CASE_METHOD(route_fixture,
                 "a retry that times out in the bulkhead's queue behind a later "
                 "request releases no permit: ignored_releases stays 0",
                 "[route][bulkhead][retry][timeout]") {
  // A waiter reaches its deadline in the queue only if the permit is held by
  // a request that arrived after it: here a retry queues behind a holder
  // that came while the first attempt backed off.
  route_settings s;
  s.timeout = 200ms;
  s.retry = retry_policy::constant(3, 100ms);
  s.bulkhead = pool(1, 2, 10s);
  auto r = make_route(s);
  auto h = self->request(r, caf::infinite, flaky_atom::value, 100); // t=0
  run();
  advance(50ms);
  self->request(r, caf::infinite, hold_atom::value); // t=50, holds
  run();
  advance(50ms); // t=100: the retry queues behind the holder
  REQUIRE(stats(r).bulkhead_waiting == 1);
  advance(100ms); // t=200: the retry's deadline, still queued
  REQUIRE(has_reply());
  h.receive([](int) { FAIL("value"); },
            [](caf::error& e) { CHECK(is(e, errc::timeout)); });
  auto st = stats(r);
  CHECK(st.bulkhead_waiting == 0);
  CHECK(st.bulkhead_in_flight == 1); // the holder keeps its permit
  CHECK(st.bulkhead_ignored_releases == 0);
  advance(50ms); // t=250: the holder times out and frees the permit
  st = stats(r);
  CHECK(st.bulkhead_in_flight == 0);
  CHECK(st.bulkhead_ignored_releases == 0);
  CHECK(ask<int>(r, work_atom::value, 1));
}
