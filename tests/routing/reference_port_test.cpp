// The value types against cases ported from Resilience4j
// (CircuitBreakerStateMachineTest, CircuitBreakerResultHandlingTest,
// CircuitBreakerExceptionHandlingTest, BulkheadTest, RetryImplTest) and
// Polly (AdvancedCircuitBreaker's sampling duration, BreakDurationGenerator,
// circuit breaker manual control): manual transitions, open durations from a
// function, sub-second buckets, per-call events, the bulkhead's max wait at
// run time, retries on results. Fake clock, exact counters. Test names cite
// the reference case they port.

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/routing/bulkhead.hpp"
#include "remedy/routing/circuit_breaker.hpp"
#include "remedy/routing/retry_policy.hpp"
#include "remedy/routing/sliding_window.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

using time_point = circuit_breaker::time_point;
using ts = caf::timespan;

// Window 4 / minimum 4 / failure rate 0.5, 1 s open, 2 probes.
circuit_breaker_settings four() {
  circuit_breaker_settings s;
  s.name = "ref";
  s.window_size = 4;
  s.minimum_calls = 4;
  s.open_duration = 1s;
  s.half_open_probes = 2;
  s.half_open_max_duration = 10s;
  return s;
}

void call(circuit_breaker& cb, time_point t, call_outcome outcome,
          ts duration = 1ms) {
  auto p = cb.acquire(t);
  REQUIRE(p.granted);
  cb.record(t, p, outcome, duration);
}

time_point trip(circuit_breaker& cb, time_point t) {
  for (int i = 0; i < 4 && cb.state() == breaker_state::closed; ++i) {
    t += 10ms;
    call(cb, t, call_outcome::failure);
  }
  REQUIRE(cb.state() == breaker_state::open);
  return t;
}

} // namespace

// -- manual transitions (item 3) ----------------------------------------------

TEST_CASE("transitionToOpenState: a manual open fails fast for the open "
          "duration, then half-opens",
          "[breaker][manual]") {
  time_point t{};
  circuit_breaker cb{four()};
  cb.transition_to_open(t);
  CHECK(cb.state() == breaker_state::open);
  CHECK_FALSE(cb.acquire(t + 999ms).granted);
  CHECK(cb.next_deadline() == t + 1s);
  CHECK(cb.acquire(t + 1s).granted);
  CHECK(cb.state() == breaker_state::half_open);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 2);
  CHECK(xs[0].from == breaker_state::closed);
  CHECK(xs[0].to == breaker_state::open);
  CHECK(xs[0].reason == "opened by operator");
  // Opening an open breaker changes nothing (not even its deadline).
  cb.transition_to_open(t + 2s);
  cb.transition_to_open(t + 2s);
  CHECK(cb.take_transitions().size() == 1);
  CHECK(cb.next_deadline() == t + 3s);
}

TEST_CASE("transitionToHalfOpenState: a manual half-open admits the probe "
          "quota and the probes decide",
          "[breaker][manual]") {
  time_point t{};
  circuit_breaker cb{four()};
  t = trip(cb, t);
  cb.transition_to_half_open(t);
  CHECK(cb.state() == breaker_state::half_open);
  call(cb, t, call_outcome::success);
  call(cb, t, call_outcome::success);
  CHECK(cb.state() == breaker_state::closed);
  // From closed too (Polly's manual control has no such step; Resilience4j
  // allows it): the probes then fail and it opens.
  cb.transition_to_half_open(t);
  REQUIRE(cb.state() == breaker_state::half_open);
  cb.take_transitions();
  cb.transition_to_half_open(t); // half-open already: no new round
  CHECK(cb.take_transitions().empty());
  call(cb, t, call_outcome::failure);
  call(cb, t, call_outcome::failure);
  CHECK(cb.state() == breaker_state::open);
}

TEST_CASE("transitionToClosedState: a manual close forgets the window and "
          "makes calls in flight stale; closing a closed breaker is a no-op",
          "[breaker][manual]") {
  time_point t{};
  circuit_breaker cb{four()};
  call(cb, t, call_outcome::failure);
  call(cb, t, call_outcome::failure);
  cb.transition_to_closed(t); // closed already: nothing happens
  CHECK(cb.metrics(t).window.calls == 2);
  CHECK(cb.take_transitions().empty());
  t = trip(cb, t);
  auto in_flight = breaker_permit{true, 0};
  cb.transition_to_half_open(t);
  in_flight = cb.acquire(t);
  cb.transition_to_closed(t);
  CHECK(cb.state() == breaker_state::closed);
  CHECK(cb.metrics(t).window.calls == 0);
  cb.record(t, in_flight, call_outcome::failure, 1ms);
  CHECK(cb.metrics(t).stale == 1);
  CHECK(cb.metrics(t).window.calls == 0);
  // Also from the operator states.
  cb.force_open(t);
  cb.transition_to_closed(t);
  CHECK(cb.state() == breaker_state::closed);
}

// -- open duration (item 6) ---------------------------------------------------

TEST_CASE("waitIntervalFunctionInOpenState: the open duration is a function "
          "of the failed rounds",
          "[breaker][open]") {
  auto s = four();
  std::vector<breaker_open_context> seen;
  s.open_duration_fn = [&](const breaker_open_context& x) {
    seen.push_back(x);
    return ts{100ms} * (x.round + 1) * (x.round + 1);
  };
  REQUIRE(!s.validate());
  time_point t{};
  circuit_breaker cb{s};
  t = trip(cb, t);
  CHECK(cb.next_deadline() == t + 100ms);
  // Each failed probe round: 400 ms, then 900 ms.
  for (auto expected : {ts{400ms}, ts{900ms}}) {
    t = *cb.next_deadline();
    call(cb, t, call_outcome::failure);
    call(cb, t, call_outcome::failure);
    REQUIRE(cb.state() == breaker_state::open);
    CHECK(*cb.next_deadline() - t == expected);
  }
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].round == 0);
  CHECK(seen[2].round == 2);
}

TEST_CASE("BreakDurationGenerator: the function gets the failure count and "
          "rate that tripped the breaker; a result below 1 ns counts as 1 ns",
          "[breaker][open]") {
  auto s = four();
  s.failure_rate_threshold = 0.75;
  breaker_open_context last;
  s.open_duration_fn = [&](const breaker_open_context& x) {
    last = x;
    return ts{0};
  };
  time_point t{};
  circuit_breaker cb{s};
  call(cb, t, call_outcome::success);
  call(cb, t, call_outcome::failure);
  call(cb, t, call_outcome::failure);
  call(cb, t, call_outcome::failure);
  REQUIRE(cb.state() == breaker_state::open);
  CHECK(last.calls == 4);
  CHECK(last.failures == 3);
  CHECK(last.failure_rate == 0.75);
  CHECK(cb.next_deadline() == t + 1ns);
}

TEST_CASE("a constant open duration above 60 s is one setting",
          "[breaker][open]") {
  auto s = four();
  s.open_duration = 120s;
  auto err = s.validate();
  CAPTURE(render(err));
  REQUIRE(!err);
  CHECK(s.effective_max_open_duration() == ts{120s});
  time_point t{};
  circuit_breaker cb{s};
  t = trip(cb, t);
  CHECK(cb.next_deadline() == t + 120s);
  // The automatic cap still bounds growth at 60 s for shorter durations.
  auto g = four();
  g.open_growth = 1000;
  CHECK(g.effective_max_open_duration() == ts{60s});
  circuit_breaker grown{g};
  t = trip(grown, time_point{});
  t = *grown.next_deadline();
  call(grown, t, call_outcome::failure);
  call(grown, t, call_outcome::failure);
  CHECK(*grown.next_deadline() - t == ts{60s});
  // An explicit cap below open_duration is still refused.
  s.max_open_duration = 60s;
  CHECK(s.validate());
}

// -- sub-second buckets (item 5) ----------------------------------------------

TEST_CASE("Polly SamplingDuration 200 ms: a time-based window of 2 buckets of "
          "100 ms forgets calls older than 200 ms",
          "[breaker][window]") {
  sliding_window w{window_kind::time_based, 2, 100ms};
  time_point t{};
  w.record(t + 50ms, true, false);  // bucket 0
  w.record(t + 150ms, true, false); // bucket 1
  CHECK(w.totals(t + 199ms).calls == 2);
  CHECK(w.totals(t + 200ms).calls == 1); // bucket 0 left the window
  CHECK(w.totals(t + 300ms).calls == 0);
  auto s = four();
  s.window = window_kind::time_based;
  s.window_size = 2;
  s.bucket_duration = 100ms;
  s.minimum_calls = 2;
  REQUIRE(!s.validate());
  circuit_breaker cb{s};
  call(cb, t, call_outcome::failure);
  // 250 ms later the first failure is gone: one more does not trip.
  call(cb, t + 250ms, call_outcome::failure);
  CHECK(cb.state() == breaker_state::closed);
  call(cb, t + 260ms, call_outcome::failure);
  CHECK(cb.state() == breaker_state::open);
}

TEST_CASE("bucket_duration must be positive; the default keeps whole seconds",
          "[breaker][window]") {
  circuit_breaker_settings s;
  CHECK(s.bucket_duration == ts{1s});
  s.bucket_duration = ts{0};
  auto err = s.validate();
  REQUIRE(err);
  CHECK(render(err).find("bucket_duration") != std::string::npos);
  sliding_window w{window_kind::time_based, 2};
  CHECK(w.bucket() == ts{1s});
}

// -- per-call events (item 7) -------------------------------------------------

TEST_CASE("onSuccess, onError, onIgnoredError, onFailureRateExceeded: "
          "per-call events only when asked for",
          "[breaker][events]") {
  time_point t{};
  circuit_breaker quiet{four()};
  call(quiet, t, call_outcome::success);
  CHECK_FALSE(quiet.has_events());
  circuit_breaker cb{four()};
  cb.record_events(true);
  call(cb, t, call_outcome::success, 5ms);
  call(cb, t, call_outcome::ignored);
  call(cb, t, call_outcome::failure);
  call(cb, t, call_outcome::failure);
  call(cb, t, call_outcome::failure); // 3 of 4 (0.75 >= 0.5): opens
  auto xs = cb.take_events();
  std::vector<breaker_event_kind> kinds;
  for (auto& x : xs)
    kinds.push_back(x.kind);
  CHECK(kinds
        == std::vector<breaker_event_kind>{
          breaker_event_kind::success, breaker_event_kind::ignored_error,
          breaker_event_kind::error, breaker_event_kind::error,
          breaker_event_kind::error,
          breaker_event_kind::failure_rate_exceeded});
  CHECK(xs[0].duration == ts{5ms});
  CHECK(xs.back().rate == 0.75);
  CHECK(std::string{to_string(breaker_event_kind::slow_call_rate_exceeded)}
        == "slow_call_rate_exceeded");
}

TEST_CASE("onSlowCallRateExceeded: a slow-call trip is an event",
          "[breaker][events]") {
  auto s = four();
  s.slow_call_duration = 100ms;
  s.slow_call_rate_threshold = 0.5;
  circuit_breaker cb{s};
  cb.record_events(true);
  time_point t{};
  for (int i = 0; i < 4; ++i)
    call(cb, t, call_outcome::success, i < 2 ? 1ms : 100ms);
  REQUIRE(cb.state() == breaker_state::open);
  auto xs = cb.take_events();
  REQUIRE(xs.size() == 5);
  CHECK(xs.back().kind == breaker_event_kind::slow_call_rate_exceeded);
}

// -- bulkhead max wait (item 8) -----------------------------------------------

TEST_CASE("changeConfig maxWaitDuration: a new max wait applies to waiters "
          "now and later",
          "[bulkhead]") {
  bulkhead_settings s;
  s.max_concurrent = 1;
  s.max_queue = 2;
  s.max_wait = 1s;
  bulkhead b{s};
  time_point t{};
  REQUIRE(b.try_enter(t, 1)->decision == bulkhead_decision::admitted);
  REQUIRE(b.try_enter(t, 2)->decision == bulkhead_decision::queued);
  REQUIRE(b.try_enter(t + 300ms, 3)->decision == bulkhead_decision::queued);
  // Shrink to 200 ms at 250 ms: waiter 2 (entered at 0) is past it.
  auto expired = b.set_max_wait(t + 250ms, 200ms);
  REQUIRE(expired);
  CHECK(*expired == std::vector<bulkhead_ticket>{2});
  CHECK(b.settings().max_wait == ts{200ms});
  CHECK(b.next_deadline() == t + 500ms);
  // Grow again: waiter 3 now waits until 300 ms + 2 s.
  REQUIRE(b.set_max_wait(t + 400ms, 2s)->empty());
  CHECK(b.next_deadline() == t + 2300ms);
  CHECK(b.metrics().rejected_timeout == 1);
  CHECK(is(b.set_max_wait(t, ts{0}).error(), errc::invalid_argument));
  CHECK(b.settings().max_wait == ts{2s});
}

// -- retry on results (item 2) ------------------------------------------------

TEST_CASE("retryOnResult: a failed result is retried until the attempts run "
          "out, unless turned off",
          "[retry]") {
  auto p = retry_policy::constant(3, 10ms);
  CHECK(p.retries_results());
  auto d = p.decide_result(1, 0.0);
  CHECK(d.retry());
  CHECK(d.delay == ts{10ms});
  CHECK(p.decide_result(3, 0.0).verdict == retry_verdict::exhausted);
  auto off = p.with_retry_on_result(false);
  CHECK(off.decide_result(1, 0.0).verdict == retry_verdict::not_retryable);
  CHECK(to_string(off).find("not on results") != std::string::npos);
}
