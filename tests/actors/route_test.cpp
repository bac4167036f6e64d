// The route actor under CAF's deterministic test coordinator: a client talks
// to the route as to the target and gets the target's reply or exactly one
// clear error (breaker_open, timeout, target_down).

#include <catch2/catch.hpp>

#include <deque>
#include <memory>

#include <caf/event_based_actor.hpp>

#include "remedy/actors/route.hpp"
#include "remedy/actors/route_event.hpp"
#include "remedy/actors/route_stats.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/event_bus.hpp"
#include "remedy/runtime/type_ids.hpp"
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

struct target_state {
  std::deque<caf::response_promise> held;
  int notes = 0;
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
    [self](note_atom, caf::get_atom) { return self->state.notes; },
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

  caf::actor make_route(route_settings s) {
    auto r = spawn_route(sys, tgt, std::move(s));
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
                 "and later ones fail fast",
                 "[route]") {
  auto r = make_route(route_settings{});
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
  CHECK(!has_reply()); // never two answers
  auto later = ask<int>(r, work_atom::value, 1);
  REQUIRE(!later);
  CHECK(is(later.error(), errc::target_down));
  CHECK(stats(r).target_down == 3);
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
