// remedy::guard under CAF's deterministic test coordinator: a client actor
// holds a guard in its state and applies it around its own requests. Time is
// virtual (the guard reads the actor's clock), so open durations, retry
// delays, timeouts and slow calls are exact. Test names cite the
// Resilience4j (CircuitBreakerStateMachineTest, BulkheadTest, RetryImplTest)
// or Akka (CircuitBreakerSpec) case they port, where they port one.

#include <catch2/catch.hpp>

#include <deque>
#include <stdexcept>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/routing/guard.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using call_atom = caf::atom_constant<caf::atom("g_call")>;
using mode_atom = caf::atom_constant<caf::atom("g_mode")>;
using release_atom = caf::atom_constant<caf::atom("g_release")>;
using go_atom = caf::atom_constant<caf::atom("g_go")>;

/// How the target answers `(call_atom, x)`.
enum class mode : int {
  echo,  // x + 1
  fail,  // a runtime_error
  hold,  // keeps the promise until release_atom
  flaky, // fails the first `fail_first` calls, then answers the call count
  biz,   // a business error (sec::invalid_argument)
  minus, // answers -n for the first `fail_first` calls, then n
};

struct target_state {
  mode m = mode::echo;
  int fail_first = 0;
  int calls = 0; // deliveries of call_atom: what reached the target
  std::deque<caf::response_promise> held;
};

caf::behavior target(caf::stateful_actor<target_state>* self) {
  return {
    [self](mode_atom, int m, int fail_first) {
      self->state.m = static_cast<mode>(m);
      self->state.fail_first = fail_first;
    },
    [self](call_atom, int x) -> caf::result<int> {
      auto& st = self->state;
      auto n = ++st.calls;
      switch (st.m) {
        case mode::echo:
          return x + 1;
        case mode::fail:
          return caf::make_error(caf::sec::runtime_error, "boom");
        case mode::hold: {
          auto rp = self->make_response_promise();
          st.held.push_back(rp);
          return rp;
        }
        case mode::flaky:
          if (n <= st.fail_first)
            return caf::make_error(caf::sec::runtime_error, "flaky");
          return n;
        case mode::biz:
          return caf::make_error(caf::sec::invalid_argument, "no such order");
        case mode::minus:
          return n <= st.fail_first ? -n : n;
      }
      return caf::make_error(caf::sec::runtime_error, "bad mode");
    },
    [self](release_atom) {
      for (auto& rp : self->state.held)
        rp.deliver(42);
      self->state.held.clear();
    },
  };
}

struct client_state {
  guard g;
  caf::actor tgt;
  caf::duration timeout = caf::infinite;
  std::vector<caf::expected<int>> results;
  bool in_then = false;
  bool answered_inside_then = false;
};

/// On `(go_atom, x)` makes one guarded request `(call_atom, x)` to its
/// target and appends the outcome to `results`.
caf::behavior client(caf::stateful_actor<client_state>* self,
                     guard_settings settings, caf::actor tgt) {
  self->state.g = guard{std::move(settings)};
  self->state.tgt = std::move(tgt);
  return {
    [self](go_atom, int x) {
      auto& st = self->state;
      st.in_then = true;
      st.g.request(self, st.tgt, st.timeout, call_atom::value, x)
        .then(
          [self](int y) {
            self->state.answered_inside_then |= self->state.in_then;
            self->state.results.emplace_back(y);
          },
          [self](caf::error& err) {
            self->state.answered_inside_then |= self->state.in_then;
            self->state.results.emplace_back(std::move(err));
          });
      st.in_then = false;
    },
  };
}

circuit_breaker_settings rate_breaker() {
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

bulkhead_settings pool_of(uint32_t n) {
  bulkhead_settings s;
  s.name = "pool";
  s.max_concurrent = n;
  s.max_queue = 0;
  return s;
}

struct guard_fixture : fixture {
  caf::actor tgt = track(sys.spawn(target));
  caf::actor cl;
  std::vector<breaker_transition> transitions;

  void make_client(guard_settings s) {
    s.on_transition = [this](const breaker_transition& x) {
      transitions.push_back(x);
    };
    cl = track(sys.spawn(client, std::move(s), tgt));
    run();
  }

  client_state& cs() {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(cl);
    return dynamic_cast<caf::stateful_actor<client_state>*>(ptr)->state;
  }

  target_state& ts() {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(tgt);
    return dynamic_cast<caf::stateful_actor<target_state>*>(ptr)->state;
  }

  void set_mode(mode m, int fail_first = 0) {
    self->send(tgt, mode_atom::value, static_cast<int>(m), fail_first);
    run();
  }

  /// Sends `n` requests through the guard (without running the system).
  void go(int n = 1, int x = 1) {
    for (int i = 0; i < n; ++i)
      self->send(cl, go_atom::value, x);
  }

  /// Sends one request, runs, and returns its outcome (the last result).
  caf::expected<int> call(int x = 1) {
    auto before = cs().results.size();
    go(1, x);
    run();
    REQUIRE(cs().results.size() == before + 1);
    return cs().results.back();
  }

  /// How many results were errors with Remedy code `code`.
  size_t count(errc code) {
    size_t n = 0;
    for (auto& r : cs().results)
      n += !r && is(r.error(), code) ? 1 : 0;
    return n;
  }
};

} // namespace

// -- pass-through -------------------------------------------------------------

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldPermitCallsWhenClosed, replies and errors "
                 "pass through",
                 "[guard]") {
  guard_settings s;
  s.breaker = rate_breaker();
  s.bulkhead = pool_of(4);
  make_client(s);
  auto y = call(41);
  REQUIRE(y);
  CHECK(*y == 42);
  set_mode(mode::fail);
  auto err = call();
  REQUIRE(!err);
  CHECK(err.error() == caf::sec::runtime_error); // the target's own error
  CHECK(ts().calls == 2);
  auto st = cs().g.stats();
  CHECK(st.requests == 2);
  CHECK(st.succeeded == 1);
  CHECK(st.failed == 1);
  CHECK(st.attempts == 2);
  CHECK(st.in_flight == 0);
  CHECK(cs().g.state() == breaker_state::closed);
  CHECK(cs().g.breaker()->metrics(now()).window.calls == 2);
  CHECK_FALSE(cs().answered_inside_then);
}

TEST_CASE_METHOD(guard_fixture, "guard: a guard without stages only counts",
                 "[guard]") {
  make_client(guard_settings{});
  auto y = call(1);
  REQUIRE(y);
  CHECK(*y == 2);
  CHECK(cs().g.breaker() == nullptr);
  CHECK(cs().g.pool() == nullptr);
  CHECK(cs().g.stats().succeeded == 1);
}

// -- circuit breaker ----------------------------------------------------------

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldOpenAfterFailureRateThresholdExceeded, then "
                 "fail fast without reaching the target",
                 "[guard][breaker]") {
  guard_settings s;
  s.name = "orders";
  s.breaker = rate_breaker();
  make_client(s);
  set_mode(mode::fail);
  for (int i = 0; i < 3; ++i)
    CHECK(!call());
  CHECK(cs().g.state() == breaker_state::closed); // 3 < minimum_calls
  CHECK(!call());
  CHECK(cs().g.state() == breaker_state::open); // 4 of 4 failed
  REQUIRE(transitions.size() == 1);
  CHECK(transitions[0].to == breaker_state::open);
  set_mode(mode::echo); // healthy again, but the breaker does not know
  for (int i = 0; i < 5; ++i) {
    auto r = call();
    REQUIRE(!r);
    CHECK(is(r.error(), errc::breaker_open));
    CHECK(render(r.error()).find("guard 'orders'") != std::string::npos);
  }
  CHECK(ts().calls == 4); // the 5 fast failures never reached the target
  auto st = cs().g.stats();
  CHECK(st.rejected_open == 5);
  CHECK(st.attempts == 4);
  CHECK(st.failed == 9);
  CHECK_FALSE(cs().answered_inside_then); // fail fast, but in a later message
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldTransitionToHalfOpenAfterWaitDuration and "
                 "close after a successful probe",
                 "[guard][breaker]") {
  guard_settings s;
  s.breaker = rate_breaker(); // open 1 s, one probe
  make_client(s);
  set_mode(mode::fail);
  for (int i = 0; i < 4; ++i)
    call();
  REQUIRE(cs().g.state() == breaker_state::open);
  set_mode(mode::echo);
  advance(999ms);
  CHECK(is(call().error(), errc::breaker_open)); // 1 ns short of 1 s
  CHECK(ts().calls == 4);
  advance(1ms);
  auto y = call(9); // the probe
  REQUIRE(y);
  CHECK(*y == 10);
  CHECK(ts().calls == 5);
  CHECK(cs().g.state() == breaker_state::closed);
  REQUIRE(transitions.size() == 3);
  CHECK(transitions[1].to == breaker_state::half_open);
  CHECK(transitions[2].to == breaker_state::closed);
  CHECK(transitions[1].at == transitions[0].at + 1s); // virtual time, exact
  CHECK(call());                                      // closed: passes again
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: without the slow-call rule a closed breaker reads "
                 "no clock, and still opens at the failure's time",
                 "[guard][breaker]") {
  guard_settings s;
  auto b = rate_breaker(); // open 1 s, one probe
  b.slow_call_duration = caf::timespan::max(); // slow-call rule off
  s.breaker = b;
  make_client(s);
  for (int i = 0; i < 4; ++i)
    REQUIRE(call());
  // An hour of virtual time passes with no clock read by the guard; the
  // failures that open the breaker must be timed now, not an hour ago.
  advance(std::chrono::hours(1));
  set_mode(mode::fail);
  for (int i = 0; i < 4; ++i)
    call();
  REQUIRE(cs().g.state() == breaker_state::open);
  set_mode(mode::echo);
  advance(999ms);
  CHECK(is(call().error(), errc::breaker_open));
  advance(1ms);
  CHECK(call()); // the probe, 1 s after the failure that opened it
  CHECK(cs().g.state() == breaker_state::closed);
  REQUIRE(transitions.size() == 3);
  CHECK(transitions[1].at == transitions[0].at + 1s);
  CHECK(transitions[0].at.time_since_epoch() >= std::chrono::hours(1));
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: a failed probe opens the breaker again "
                 "(shouldOpenWhenProbeFails)",
                 "[guard][breaker]") {
  guard_settings s;
  s.breaker = rate_breaker();
  make_client(s);
  set_mode(mode::fail);
  for (int i = 0; i < 4; ++i)
    call();
  advance(1s);
  CHECK(!call()); // the probe fails
  CHECK(cs().g.state() == breaker_state::open);
  CHECK(ts().calls == 5);
  CHECK(is(call().error(), errc::breaker_open));
  CHECK(ts().calls == 5);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: a timeout counts as a failure (Akka: increment "
                 "failure count on callTimeout)",
                 "[guard][breaker][timeout]") {
  guard_settings s;
  auto b = rate_breaker();
  b.consecutive_failures = 2;
  s.breaker = b;
  make_client(s);
  cs().timeout = caf::duration{100ms};
  set_mode(mode::hold);
  go(2);
  run();
  CHECK(cs().results.empty()); // held, no timeout yet
  advance(99ms);
  CHECK(cs().results.empty());
  advance(1ms);
  REQUIRE(cs().results.size() == 2);
  CHECK(count(errc::timeout) == 2);
  CHECK(cs().g.stats().timeouts == 2);
  CHECK(cs().g.breaker()->metrics(now()).failures == 2);
  CHECK(cs().g.state() == breaker_state::open);
  CHECK(is(call().error(), errc::breaker_open));
  CHECK(ts().calls == 2);
  // The late replies are dropped by CAF: no second answer, no second record.
  self->send(tgt, release_atom::value);
  run();
  CHECK(cs().results.size() == 3);
  CHECK(cs().g.breaker()->metrics(now()).failures == 2);
  CHECK(cs().g.stats().in_flight == 0);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldOpenAfterSlowCallRateThresholdExceeded, "
                 "durations on the actor's clock",
                 "[guard][breaker]") {
  guard_settings s;
  auto b = rate_breaker();
  b.slow_call_duration = 50ms;
  b.slow_call_rate_threshold = 1.0;
  b.window_size = 2;
  b.minimum_calls = 2;
  s.breaker = b;
  make_client(s);
  set_mode(mode::hold);
  go(2);
  run();
  advance(49ms);
  self->send(tgt, release_atom::value); // after 49 ms: not slow
  run();
  CHECK(cs().results.size() == 2);
  CHECK(cs().g.breaker()->metrics(now()).window.slow == 0);
  go(2);
  run();
  advance(50ms);
  self->send(tgt, release_atom::value); // after 50 ms: slow
  run();
  REQUIRE(cs().results.size() == 4);
  CHECK(cs().results[3]); // a slow success is still a success
  CHECK(cs().g.state() == breaker_state::open);
  CHECK(transitions.back().reason.find("slow-call rate") != std::string::npos);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: errors that is_failure rejects are ignored by the "
                 "breaker (shouldIgnoreExceptions)",
                 "[guard][breaker]") {
  guard_settings s;
  s.breaker = rate_breaker();
  s.is_failure = [](const caf::error& err) {
    return err != caf::sec::runtime_error;
  };
  make_client(s);
  set_mode(mode::fail);
  for (int i = 0; i < 8; ++i)
    CHECK(!call());
  CHECK(cs().g.state() == breaker_state::closed);
  CHECK(cs().g.breaker()->metrics(now()).ignored == 8);
  CHECK(ts().calls == 8);
}

// -- bulkhead -----------------------------------------------------------------

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldRejectCallsWhenBulkheadIsFull, without "
                 "reaching the target",
                 "[guard][bulkhead]") {
  guard_settings s;
  s.name = "orders";
  s.bulkhead = pool_of(2);
  make_client(s);
  set_mode(mode::hold);
  go(3);
  run();
  REQUIRE(cs().results.size() == 1);
  CHECK(is(cs().results[0].error(), errc::bulkhead_full));
  CHECK(ts().calls == 2);
  CHECK(cs().g.pool()->in_flight() == 2);
  CHECK(cs().g.stats().rejected_full == 1);
  CHECK_FALSE(cs().answered_inside_then);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: bulkhead permits come back on reply "
                 "(shouldReleasePermissionOnSuccess)",
                 "[guard][bulkhead]") {
  guard_settings s;
  s.bulkhead = pool_of(2);
  make_client(s);
  set_mode(mode::hold);
  go(2);
  run();
  CHECK(cs().g.pool()->in_flight() == 2);
  self->send(tgt, release_atom::value);
  run();
  REQUIRE(cs().results.size() == 2);
  CHECK(cs().results[0]);
  CHECK(cs().g.pool()->in_flight() == 0);
  CHECK(cs().g.pool()->metrics().released == 2);
  go(2); // both admitted again
  run();
  CHECK(ts().calls == 4);
  CHECK(count(errc::bulkhead_full) == 0);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: bulkhead permits come back on error "
                 "(shouldReleasePermissionOnFailure)",
                 "[guard][bulkhead]") {
  guard_settings s;
  s.bulkhead = pool_of(1);
  make_client(s);
  set_mode(mode::fail);
  for (int i = 0; i < 3; ++i) {
    auto r = call();
    REQUIRE(!r);
    CHECK(r.error() == caf::sec::runtime_error);
  }
  CHECK(ts().calls == 3);
  CHECK(cs().g.pool()->in_flight() == 0);
  auto m = cs().g.pool()->metrics();
  CHECK(m.released == 3);
  CHECK(m.ignored_releases == 0);
  CHECK(m.rejected_full == 0);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: bulkhead permits come back on timeout, exactly "
                 "once",
                 "[guard][bulkhead][timeout]") {
  guard_settings s;
  s.bulkhead = pool_of(2);
  make_client(s);
  cs().timeout = caf::duration{100ms};
  set_mode(mode::hold);
  go(3);
  run();
  CHECK(count(errc::bulkhead_full) == 1);
  advance(100ms);
  REQUIRE(cs().results.size() == 3);
  CHECK(count(errc::timeout) == 2);
  CHECK(cs().g.pool()->in_flight() == 0);
  self->send(tgt, release_atom::value); // late replies: dropped
  run();
  auto m = cs().g.pool()->metrics();
  CHECK(m.released == 2);
  CHECK(m.ignored_releases == 0);
  CHECK(cs().results.size() == 3);
  set_mode(mode::echo);
  go(2);
  run();
  CHECK(ts().calls == 4); // the freed permits admit two more
  REQUIRE(cs().results.size() == 5);
  CHECK(cs().results[4]);
}

// -- retry --------------------------------------------------------------------

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldRetryInCaseOfAnError with the policy's delay "
                 "on CAF's clock",
                 "[guard][retry]") {
  guard_settings s;
  s.retry = retry_policy::constant(3, 100ms);
  make_client(s);
  set_mode(mode::flaky, 2); // fails calls 1 and 2
  go();
  run();
  CHECK(ts().calls == 1);
  advance(99ms);
  CHECK(ts().calls == 1); // the delay has not passed
  advance(1ms);
  CHECK(ts().calls == 2);
  CHECK(cs().results.empty());
  advance(100ms);
  CHECK(ts().calls == 3);
  REQUIRE(cs().results.size() == 1);
  REQUIRE(cs().results[0]);
  CHECK(*cs().results[0] == 3);
  auto st = cs().g.stats();
  CHECK(st.retries == 2);
  CHECK(st.attempts == 3);
  CHECK(st.succeeded == 1);
  CHECK(st.failed == 0);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldReturnLastErrorAfterMaxAttempts, exponential "
                 "delays",
                 "[guard][retry]") {
  guard_settings s;
  s.retry = retry_policy::exponential(3, 10ms, 1s); // 10 ms, then 20 ms
  make_client(s);
  set_mode(mode::fail);
  go();
  run();
  advance(10ms);
  CHECK(ts().calls == 2);
  advance(19ms);
  CHECK(ts().calls == 2);
  advance(1ms);
  CHECK(ts().calls == 3);
  REQUIRE(cs().results.size() == 1);
  CHECK(cs().results[0].error() == caf::sec::runtime_error);
  advance(1s);
  CHECK(ts().calls == 3); // no fourth attempt
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: a retry asks the breaker again and stops at "
                 "breaker_open",
                 "[guard][retry][breaker]") {
  guard_settings s;
  auto b = rate_breaker();
  b.consecutive_failures = 2;
  s.breaker = b;
  s.retry = retry_policy::immediate(5);
  make_client(s);
  set_mode(mode::fail);
  auto r = call();
  REQUIRE(!r);
  CHECK(is(r.error(), errc::breaker_open)); // attempt 3 was rejected
  CHECK(ts().calls == 2);
  auto st = cs().g.stats();
  CHECK(st.retries == 2);
  CHECK(st.rejected_open == 1);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: a timed-out attempt is retried as errc::timeout",
                 "[guard][retry][timeout]") {
  guard_settings s;
  s.retry = retry_policy::constant(2, 10ms);
  s.bulkhead = pool_of(1);
  make_client(s);
  cs().timeout = caf::duration{50ms};
  set_mode(mode::hold);
  go();
  run();
  advance(50ms); // attempt 1 times out, its permit comes back
  CHECK(cs().g.pool()->in_flight() == 0);
  advance(10ms); // attempt 2 starts
  CHECK(ts().calls == 2);
  CHECK(cs().g.pool()->in_flight() == 1);
  advance(50ms);
  REQUIRE(cs().results.size() == 1);
  CHECK(is(cs().results[0].error(), errc::timeout));
  CHECK(cs().g.stats().timeouts == 2);
  CHECK(cs().g.pool()->metrics().released == 2);
}

// -- typed actors
// --------------------------------------------------------------

namespace {

using typed_target
  = caf::typed_actor<caf::replies_to<call_atom, int>::with<int>>;

typed_target::behavior_type typed_echo(typed_target::pointer) {
  return {
    [](call_atom, int x) -> caf::result<int> {
      if (x < 0)
        return caf::make_error(caf::sec::runtime_error, "negative");
      return x * 2;
    },
  };
}

using typed_client_actor = caf::typed_actor<caf::reacts_to<go_atom, int>>;

struct typed_client_state {
  guard g;
  std::vector<caf::expected<int>> results;
};

typed_client_actor::behavior_type
typed_client(typed_client_actor::stateful_pointer<typed_client_state> self,
             typed_target tgt) {
  guard_settings s;
  s.breaker = rate_breaker();
  self->state.g = guard{std::move(s)};
  return {
    [self, tgt](go_atom, int x) {
      self->state.g.request(self, tgt, caf::infinite, call_atom::value, x)
        .then([self](int y) { self->state.results.emplace_back(y); },
              [self](caf::error& err) {
                self->state.results.emplace_back(std::move(err));
              });
    },
  };
}

} // namespace

TEST_CASE_METHOD(fixture,
                 "guard: a typed client guards requests to a typed target",
                 "[guard]") {
  auto tgt = sys.spawn(typed_echo);
  auto cl = sys.spawn(typed_client, tgt);
  run();
  self->send(cl, go_atom::value, 21);
  self->send(cl, go_atom::value, -1);
  run();
  auto ptr = caf::actor_cast<caf::abstract_actor*>(cl);
  using impl = typed_client_actor::stateful_base<typed_client_state>;
  auto& st = dynamic_cast<impl*>(ptr)->state;
  REQUIRE(st.results.size() == 2);
  REQUIRE(st.results[0]);
  CHECK(*st.results[0] == 42);
  CHECK(st.results[1].error() == caf::sec::runtime_error);
  CHECK(st.g.breaker()->metrics(now()).failures == 1);
  self->send_exit(cl, caf::exit_reason::kill);
  self->send_exit(tgt, caf::exit_reason::kill);
  run();
}

// -- settings -----------------------------------------------------------------

TEST_CASE("guard: invalid settings are refused, naming the field", "[guard]") {
  guard_settings s;
  s.name = "orders";
  auto b = pool_of(2);
  b.max_queue = 3;
  s.bulkhead = b;
  auto g = guard::make(s);
  REQUIRE(!g);
  CHECK(is(g.error(), errc::invalid_argument));
  CHECK(render(g.error()).find("guard 'orders'") != std::string::npos);
  CHECK(render(g.error()).find("max_queue") != std::string::npos);
  CHECK_THROWS_AS(guard{s}, std::invalid_argument);
  s.bulkhead.reset();
  s.retry = retry_policy::immediate(0);
  CHECK(!guard::make(s));
  s.retry.reset();
  CHECK(guard::make(s));
}

// -- ported from Resilience4j and Polly ---------------------------------------

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldRecordRuntimeExceptionAsFailureAndBusiness"
                 "ExceptionAsSuccess",
                 "[guard][classify]") {
  guard_settings s;
  s.breaker = rate_breaker();
  s.classify_error = [](const caf::error& err) {
    return err == caf::sec::invalid_argument ? call_outcome::success
                                             : call_outcome::failure;
  };
  make_client(std::move(s));
  set_mode(mode::biz);
  for (int i = 0; i < 4; ++i) {
    auto x = call();
    REQUIRE(!x);
    CHECK(x.error() == caf::sec::invalid_argument);
  }
  auto m = cs().g.breaker()->metrics(now());
  CHECK(m.successes == 4);
  CHECK(m.failures == 0);
  CHECK(m.ignored == 0);
  CHECK(cs().g.state() == breaker_state::closed);
  guard_settings both;
  both.is_failure = [](const caf::error&) { return true; };
  both.classify_error = [](const caf::error&) { return call_outcome::failure; };
  CHECK(both.validate());
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: shouldRecordSpecificStringResultAsAFailureAndAnyOther"
                 "AsSuccess, and retryOnResult",
                 "[guard][result]") {
  guard_settings s;
  s.breaker = rate_breaker();
  s.breaker->minimum_calls = 4;
  s.breaker->failure_rate_threshold = 1.0;
  s.retry = retry_policy::constant(3, 10ms);
  s.failure_on_result = [](const caf::message& x) {
    return x.match_elements<int>() && x.get_as<int>(0) < 0;
  };
  make_client(std::move(s));
  set_mode(mode::minus, 2);
  go();
  run();
  advance(10ms);
  advance(10ms);
  REQUIRE(cs().results.size() == 1);
  REQUIRE(cs().results.back());
  CHECK(*cs().results.back() == 3); // -1, -2 retried, then 3
  auto st = cs().g.stats();
  CHECK(st.retries == 2);
  CHECK(st.succeeded == 1);
  auto m = cs().g.breaker()->metrics(now());
  CHECK(m.failures == 2);
  CHECK(m.successes == 1);
  // Exhausted: the last reply reaches the handler.
  set_mode(mode::minus, 100);
  go();
  run();
  advance(10ms);
  advance(10ms);
  REQUIRE(cs().results.size() == 2);
  REQUIRE(cs().results.back());
  CHECK(*cs().results.back() == -6);
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: transitionToOpenState, transitionToHalfOpenState, "
                 "transitionToClosedState through guard::breaker()",
                 "[guard][manual]") {
  guard_settings s;
  s.breaker = rate_breaker();
  make_client(std::move(s));
  auto* b = cs().g.breaker();
  b->transition_to_open(now());
  auto x = call();
  REQUIRE(!x);
  CHECK(is(x.error(), errc::breaker_open));
  b->transition_to_half_open(now());
  CHECK(call()); // the one probe closes it
  CHECK(cs().g.state() == breaker_state::closed);
  b->transition_to_open(now());
  b->transition_to_closed(now());
  CHECK(call());
  std::vector<breaker_state> path;
  for (auto& t : transitions)
    path.push_back(t.to);
  CHECK(path
        == std::vector<breaker_state>{breaker_state::open,
                                      breaker_state::half_open,
                                      breaker_state::closed,
                                      breaker_state::open,
                                      breaker_state::closed});
}

TEST_CASE_METHOD(guard_fixture,
                 "guard: onSuccess, onError, onIgnoredError, "
                 "onFailureRateExceeded through on_call_event",
                 "[guard][events]") {
  std::vector<breaker_event_kind> kinds;
  guard_settings s;
  s.breaker = rate_breaker();
  s.is_failure = [](const caf::error& err) {
    return err != caf::sec::invalid_argument;
  };
  s.on_call_event = [&](const breaker_event& ev) { kinds.push_back(ev.kind); };
  make_client(std::move(s));
  CHECK(call());
  set_mode(mode::biz);
  CHECK(!call());
  set_mode(mode::fail);
  for (int i = 0; i < 3; ++i)
    CHECK(!call());
  CHECK(kinds
        == std::vector<breaker_event_kind>{
          breaker_event_kind::success, breaker_event_kind::ignored_error,
          breaker_event_kind::error, breaker_event_kind::error,
          breaker_event_kind::error,
          breaker_event_kind::failure_rate_exceeded});
  guard_settings no_breaker;
  no_breaker.on_call_event = [](const breaker_event&) {};
  CHECK(no_breaker.validate());
}
