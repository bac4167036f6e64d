// circuit_breaker as a pure value, driven by a fake clock with exact
// counters: every transition and trip rule (consecutive failures, failure
// rate, slow-call rate, minimum calls) at its exact boundary, open ->
// half-open at the exact virtual time, the probe quota, growth, cap, reset
// and jitter of the open duration, the half-open deadline, stale and
// ignored outcomes, one transition per change, the operator overrides,
// metrics, and validate() of the settings.

#include <catch2/catch.hpp>

#include <random>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "remedy/routing/circuit_breaker.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace Catch {

template <>
struct StringMaker<remedy::breaker_state> {
  static std::string convert(remedy::breaker_state x) {
    return remedy::to_string(x);
  }
};

} // namespace Catch

namespace {

using time_point = circuit_breaker::time_point;
using ts = caf::timespan;


constexpr auto success = call_outcome::success;
constexpr auto failure = call_outcome::failure;
constexpr auto ignored = call_outcome::ignored;

constexpr auto closed = breaker_state::closed;
constexpr auto open = breaker_state::open;
constexpr auto half_open = breaker_state::half_open;
constexpr auto forced_open = breaker_state::forced_open;
constexpr auto disabled = breaker_state::disabled;
constexpr auto metrics_only = breaker_state::metrics_only;

// Small, exact settings: window 10 / minimum 10 / failure rate 0.5, slow
// calls from 1 s with the slow-call rule effectively off (rate 1.0 needs
// every call slow), 1 s open without growth or jitter, 3 probes within 10 s.
circuit_breaker_settings small() {
  circuit_breaker_settings s;
  s.name = "orders";
  s.consecutive_failures = 0;
  s.failure_rate_threshold = 0.5;
  s.slow_call_rate_threshold = 1.0;
  s.slow_call_duration = 1s;
  s.window = window_kind::count_based;
  s.window_size = 10;
  s.minimum_calls = 10;
  s.open_duration = 1s;
  s.open_growth = 1.0;
  s.max_open_duration = 1s;
  s.open_jitter = 0.0;
  s.half_open_probes = 3;
  s.half_open_max_duration = 10s;
  return s;
}

// Settings whose only active rule is `n` consecutive failures.
circuit_breaker_settings consecutive(uint32_t n) {
  auto s = small();
  s.consecutive_failures = n;
  s.failure_rate_threshold = 1.0;
  s.window_size = 100;
  s.minimum_calls = 100;
  return s;
}

// Acquires a permit at `t` (which must be granted) and records `outcome`.
void call(circuit_breaker& cb, time_point t, call_outcome outcome,
          ts duration = 10ms) {
  auto permit = cb.acquire(t);
  REQUIRE(permit.granted);
  cb.record(t, permit, outcome, duration);
}

// Makes `n` calls with the same outcome, `step` apart; returns the time
// after the last one.
time_point calls(circuit_breaker& cb, time_point t, int n, call_outcome outcome,
                 ts step = 10ms) {
  for (int i = 0; i < n; ++i) {
    call(cb, t, outcome);
    t += step;
  }
  return t;
}

// Trips a `small()`-like breaker with 10 failures; returns the trip time.
time_point trip(circuit_breaker& cb, time_point t) {
  REQUIRE(cb.state() == closed);
  for (int i = 0; i < 10 && cb.state() == closed; ++i) {
    t += 10ms;
    call(cb, t, failure);
  }
  REQUIRE(cb.state() == open);
  return t;
}

// The transitions' (from, to) pairs.
std::vector<std::pair<breaker_state, breaker_state>>
edges(const std::vector<breaker_transition>& xs) {
  std::vector<std::pair<breaker_state, breaker_state>> result;
  for (auto& x : xs)
    result.emplace_back(x.from, x.to);
  return result;
}

using edge_list = std::vector<std::pair<breaker_state, breaker_state>>;


} // namespace

// -- basics -------------------------------------------------------------------

TEST_CASE("to_string(breaker_state) names every state", "[breaker]") {
  CHECK(std::string{to_string(closed)} == "closed");
  CHECK(std::string{to_string(open)} == "open");
  CHECK(std::string{to_string(half_open)} == "half_open");
  CHECK(std::string{to_string(forced_open)} == "forced_open");
  CHECK(std::string{to_string(disabled)} == "disabled");
  CHECK(std::string{to_string(metrics_only)} == "metrics_only");
  CHECK(std::string{to_string(static_cast<breaker_state>(99))}
        == "<invalid breaker_state>");
}

TEST_CASE("a new breaker is closed, permits calls and has no deadline",
          "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  CHECK(cb.state() == closed);
  CHECK(cb.settings().name == "orders");
  CHECK_FALSE(cb.next_deadline());
  CHECK(cb.next_open_duration() == ts{1s});
  CHECK(cb.take_transitions().empty());
  auto m = cb.metrics(t);
  CHECK(m.state == closed);
  CHECK(m.window.calls == 0);
  CHECK(m.permitted == 0);
  CHECK(m.rejected == 0);
  t += 10ms;
  auto p = cb.acquire(t);
  CHECK(p.granted);
  CHECK(cb.metrics(t).permitted == 1);
}

// -- consecutive failures -----------------------------------------------------

TEST_CASE("consecutive failures open exactly at N, not at N - 1", "[breaker]") {
  for (uint32_t n : {1u, 2u, 3u, 7u}) {
    CAPTURE(n);
    time_point t{};
    circuit_breaker cb{consecutive(n)};
    for (uint32_t i = 1; i < n; ++i) {
      t += 10ms;
      call(cb, t, failure);
      CHECK(cb.state() == closed);
      CHECK(cb.metrics(t).consecutive_failures == i);
    }
    CHECK(cb.take_transitions().empty());
    t += 10ms;
    call(cb, t, failure);
    CHECK(cb.state() == open);
    auto xs = cb.take_transitions();
    REQUIRE(xs.size() == 1);
    CHECK(xs[0].from == closed);
    CHECK(xs[0].to == open);
    CHECK(xs[0].at == t);
    CHECK(xs[0].reason == std::to_string(n) + " consecutive failures");
    // The run starts again after the transition.
    CHECK(cb.metrics(t).consecutive_failures == 0);
  }
}

TEST_CASE("a success resets the run of consecutive failures", "[breaker]") {
  time_point t{};
  circuit_breaker cb{consecutive(3)};
  t = calls(cb, t, 2, failure);
  call(cb, t, success);
  CHECK(cb.metrics(t).consecutive_failures == 0);
  t = calls(cb, t + 10ms, 2, failure);
  CHECK(cb.state() == closed);
  CHECK(cb.metrics(t).consecutive_failures == 2);
  call(cb, t, failure);
  CHECK(cb.state() == open);
}

TEST_CASE("ignored outcomes neither extend nor break a run of failures",
          "[breaker]") {
  time_point t{};
  circuit_breaker cb{consecutive(3)};
  t = calls(cb, t, 2, failure);
  t = calls(cb, t, 5, ignored);
  CHECK(cb.state() == closed);
  CHECK(cb.metrics(t).consecutive_failures == 2);
  call(cb, t, failure);
  CHECK(cb.state() == open);
}

// -- failure rate -------------------------------------------------------------

TEST_CASE("failure rate: the 10th call decides exactly at the threshold",
          "[breaker]") {
  // window 10, minimum 10, threshold 0.5.
  SECTION("4 failures + 5 successes stay closed; a 5th failure opens") {
    time_point t{};
    circuit_breaker cb{small()};
    t = calls(cb, t, 4, failure);
    t = calls(cb, t, 5, success);
    CHECK(cb.state() == closed);
    CHECK(cb.metrics(t).window.calls == 9);
    call(cb, t, failure); // 5 / 10 = 0.5 >= 0.5
    CHECK(cb.state() == open);
    auto xs = cb.take_transitions();
    REQUIRE(xs.size() == 1);
    CHECK(xs[0].reason == "failure rate 0.5 >= 0.5 over 10 calls");
  }
  SECTION("4 failures + 5 successes + 1 success stay closed (4 / 10)") {
    time_point t{};
    circuit_breaker cb{small()};
    t = calls(cb, t, 4, failure);
    t = calls(cb, t, 6, success);
    CHECK(cb.state() == closed);
    CHECK(cb.metrics(t).window.calls == 10);
    CHECK(cb.metrics(t).window.failures == 4);
    CHECK(cb.take_transitions().empty());
  }
  SECTION("5 failures before the minimum do not open; the 10th call does") {
    time_point t{};
    circuit_breaker cb{small()};
    t = calls(cb, t, 5, failure); // 5 / 5 = 1.0, but only 5 calls
    t = calls(cb, t, 4, success); // 5 / 9 > 0.5, but only 9 calls
    CHECK(cb.state() == closed);
    call(cb, t, success); // 5 / 10: a success trips the breaker
    CHECK(cb.state() == open);
  }
  SECTION("9 failures do not open; the 10th does") {
    time_point t{};
    circuit_breaker cb{small()};
    t = calls(cb, t, 9, failure);
    CHECK(cb.state() == closed);
    call(cb, t, failure);
    CHECK(cb.state() == open);
  }
}

TEST_CASE("failure rate: the window slides", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  // F F F F S S S S S S: 4 / 10, closed.
  t = calls(cb, t, 4, failure);
  t = calls(cb, t, 6, success);
  // Each failure now replaces the oldest call (a failure) first: still 4/10.
  t = calls(cb, t, 4, failure);
  CHECK(cb.state() == closed);
  CHECK(cb.metrics(t).window.failures == 4);
  // Now it replaces a success: 5 / 10.
  call(cb, t, failure);
  CHECK(cb.state() == open);
}

TEST_CASE("minimum_calls gates the rates", "[breaker]") {
  auto s = small();
  s.minimum_calls = 4;
  SECTION("below the minimum nothing opens") {
    time_point t{};
    circuit_breaker cb{s};
    t = calls(cb, t, 3, failure); // 3 / 3 but only 3 calls
    CHECK(cb.state() == closed);
    call(cb, t, success); // 3 / 4 >= 0.5
    CHECK(cb.state() == open);
  }
  SECTION("exactly at the minimum the rate counts") {
    time_point t{};
    circuit_breaker cb{s};
    call(cb, t, failure);
    t = calls(cb, t, 2, success);
    CHECK(cb.state() == closed);
    call(cb, t, failure); // 2 / 4
    CHECK(cb.state() == open);
  }
  SECTION("1 / 4 stays closed") {
    time_point t{};
    circuit_breaker cb{s};
    call(cb, t, failure);
    t = calls(cb, t, 3, success);
    CHECK(cb.state() == closed);
  }
}

TEST_CASE("failure rate with a time-based window forgets old failures",
          "[breaker]") {
  auto s = small();
  s.window = window_kind::time_based;
  s.window_size = 2; // seconds
  s.minimum_calls = 4;
  time_point t{};
  t += 1000h;
  circuit_breaker cb{s};
  t = calls(cb, t, 3, failure); // second 0
  t += 2s;                      // second 2: the failures are gone
  t = calls(cb, t, 3, success);
  CHECK(cb.metrics(t).window.calls == 3);
  call(cb, t, failure); // 1 / 4
  CHECK(cb.state() == closed);
  call(cb, t, failure); // 2 / 5
  CHECK(cb.state() == closed);
  call(cb, t, failure); // 3 / 6
  CHECK(cb.state() == open);
}

// -- slow calls ---------------------------------------------------------------

TEST_CASE("slow calls: at least slow_call_duration is slow", "[breaker]") {
  auto s = small();
  s.failure_rate_threshold = 1.0;
  s.slow_call_rate_threshold = 0.5;
  s.slow_call_duration = 100ms;
  s.window_size = 4;
  s.minimum_calls = 4;
  time_point t{};
  circuit_breaker cb{s};
  auto slow_call = [&](ts d) {
    t += 10ms;
    auto p = cb.acquire(t);
    REQUIRE(p.granted);
    cb.record(t, p, success, d);
  };
  slow_call(100ms - 1ns); // not slow
  slow_call(0ns);         // not slow
  slow_call(100ms);       // slow: exactly at the boundary
  CHECK(cb.metrics(t).window.slow == 1);
  CHECK(cb.metrics(t).window.failures == 0);
  slow_call(99ms); // 1 / 4
  CHECK(cb.state() == closed);
  slow_call(1h); // replaces the first call: 2 / 4
  CHECK(cb.state() == open);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].reason == "slow-call rate 0.5 >= 0.5 over 4 calls");
}

TEST_CASE("a slow failure (e.g. a timeout) is one call, one failure and one "
          "slow call",
          "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto p = cb.acquire(t);
  cb.record(t + 5s, p, failure, 5s);
  auto m = cb.metrics(t + 5s);
  CHECK(m.window.calls == 1);
  CHECK(m.window.failures == 1);
  CHECK(m.window.slow == 1);
  CHECK(m.failures == 1);
  CHECK(m.successes == 0);
  CHECK(m.consecutive_failures == 1);
}

TEST_CASE("the failure-rate rule wins the reason when both rules hold",
          "[breaker]") {
  auto s = small();
  s.slow_call_rate_threshold = 0.5;
  s.window_size = 2;
  s.minimum_calls = 2;
  time_point t{};
  circuit_breaker cb{s};
  auto p = cb.acquire(t);
  cb.record(t, p, failure, 2s);
  p = cb.acquire(t);
  cb.record(t, p, success, 2s);
  REQUIRE(cb.state() == open);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(contains(xs[0].reason, "failure rate"));
}

// -- open ---------------------------------------------------------------------

TEST_CASE("open rejects every call and counts the rejections", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  t = trip(cb, t);
  auto before = cb.metrics(t);
  for (int i = 0; i < 5; ++i) {
    auto p = cb.acquire(t + std::chrono::milliseconds{i * 100});
    CHECK_FALSE(p.granted);
    // Recording under a rejected permit does nothing at all.
    cb.record(t, p, failure, 1h);
  }
  auto m = cb.metrics(t);
  CHECK(m.state == open);
  CHECK(m.rejected == before.rejected + 5);
  CHECK(m.permitted == before.permitted);
  CHECK(m.failures == before.failures);
  CHECK(m.successes == before.successes);
  CHECK(m.stale == before.stale);
  CHECK(m.window.calls == before.window.calls);
}

TEST_CASE("open -> half_open exactly at open_duration via acquire",
          "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto opened = trip(cb, t);
  cb.take_transitions();
  CHECK(cb.next_deadline() == opened + 1s);
  CHECK_FALSE(cb.acquire(opened + 1s - 1ns).granted);
  CHECK(cb.state() == open);
  auto p = cb.acquire(opened + 1s);
  CHECK(p.granted);
  CHECK(cb.state() == half_open);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].from == open);
  CHECK(xs[0].to == half_open);
  CHECK(xs[0].at == opened + 1s);
  CHECK(xs[0].reason == "open duration ended");
}

TEST_CASE("open -> half_open exactly at open_duration via advance",
          "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto opened = trip(cb, t);
  cb.take_transitions();
  cb.advance(opened);
  cb.advance(opened + 1s - 1ns);
  CHECK(cb.state() == open);
  CHECK(cb.take_transitions().empty());
  cb.advance(opened + 1s);
  CHECK(cb.state() == half_open);
  CHECK(cb.take_transitions().size() == 1);
  // The probe deadline counts from the moment of the transition.
  CHECK(cb.next_deadline() == opened + 1s + 10s);
  // advance is idempotent.
  cb.advance(opened + 1s);
  cb.advance(opened + 2s);
  CHECK(cb.take_transitions().empty());
}

TEST_CASE("a late advance enters half_open when called", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto opened = trip(cb, t);
  cb.take_transitions();
  auto late = opened + 1h;
  cb.advance(late);
  CHECK(cb.state() == half_open);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].at == late);
  CHECK(cb.next_deadline() == late + 10s);
}

TEST_CASE("next_deadline in every state", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  CHECK_FALSE(cb.next_deadline()); // closed
  auto opened = trip(cb, t);
  CHECK(cb.next_deadline() == opened + 1s); // open
  cb.advance(opened + 1s + 500ms);
  CHECK(cb.next_deadline() == opened + 1s + 500ms + 10s); // half_open
  cb.force_open(opened + 2s);
  CHECK_FALSE(cb.next_deadline());
  cb.disable(opened + 2s);
  CHECK_FALSE(cb.next_deadline());
  cb.metrics_only(opened + 2s);
  CHECK_FALSE(cb.next_deadline());
  cb.reset(opened + 2s);
  CHECK_FALSE(cb.next_deadline());
}

// -- half-open ----------------------------------------------------------------

TEST_CASE("half-open admits exactly half_open_probes probes", "[breaker]") {
  for (uint32_t probes : {1u, 3u, 10u}) {
    CAPTURE(probes);
    auto s = small();
    s.half_open_probes = probes;
    time_point t{};
    circuit_breaker cb{s};
    auto opened = trip(cb, t);
    auto before = cb.metrics(opened);
    t = opened + 1s;
    for (uint32_t i = 0; i < probes; ++i)
      CHECK(cb.acquire(t).granted);
    for (int i = 0; i < 5; ++i)
      CHECK_FALSE(cb.acquire(t + std::chrono::milliseconds{i}).granted);
    CHECK(cb.state() == half_open);
    auto m = cb.metrics(t);
    CHECK(m.permitted == before.permitted + probes);
    CHECK(m.rejected == before.rejected + 5);
  }
}

TEST_CASE("all probes succeed: closed with an empty window", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto opened = trip(cb, t);
  cb.take_transitions();
  t = opened + 1s;
  std::vector<breaker_permit> ps;
  for (int i = 0; i < 3; ++i)
    ps.push_back(cb.acquire(t));
  cb.record(t + 1ms, ps[0], success, 1ms);
  cb.record(t + 2ms, ps[1], success, 1ms);
  CHECK(cb.state() == half_open);
  CHECK(cb.metrics(t + 2ms).window.calls == 2); // the probes so far
  cb.record(t + 3ms, ps[2], success, 1ms);
  CHECK(cb.state() == closed);
  auto m = cb.metrics(t + 3ms);
  CHECK(m.window.calls == 0);
  CHECK(m.window.failures == 0);
  CHECK(m.consecutive_failures == 0);
  CHECK(m.open_rounds == 0);
  CHECK_FALSE(cb.next_deadline());
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 2);
  CHECK(xs[0].to == half_open);
  CHECK(xs[1].from == half_open);
  CHECK(xs[1].to == closed);
  CHECK(xs[1].at == t + 3ms);
  CHECK(xs[1].reason == "probes succeeded: 3 calls");
  // The old failures are gone: it takes a full new window to trip again.
  t += 1s;
  t = calls(cb, t, 9, failure);
  CHECK(cb.state() == closed);
}

TEST_CASE("probes decide only when all have completed", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  t = trip(cb, t) + 1s;
  auto p1 = cb.acquire(t);
  auto p2 = cb.acquire(t);
  auto p3 = cb.acquire(t);
  cb.record(t, p1, failure, 1ms); // 1 / 1 so far, but one of three
  CHECK(cb.state() == half_open);
  cb.record(t, p2, success, 1ms);
  CHECK(cb.state() == half_open);
  cb.record(t, p3, success, 1ms); // 1 / 3 < 0.5
  CHECK(cb.state() == closed);
}

TEST_CASE("probe failure rate at the threshold opens again", "[breaker]") {
  auto s = small();
  s.half_open_probes = 2;
  time_point t{};
  circuit_breaker cb{s};
  auto opened = trip(cb, t);
  cb.take_transitions();
  t = opened + 1s;
  auto p1 = cb.acquire(t);
  auto p2 = cb.acquire(t);
  cb.record(t, p1, success, 1ms);
  cb.record(t + 5ms, p2, failure, 1ms); // 1 / 2 = 0.5 >= 0.5
  CHECK(cb.state() == open);
  CHECK(cb.metrics(t).open_rounds == 1);
  CHECK(cb.next_deadline() == t + 5ms + 1s);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 2);
  CHECK(xs[1].from == half_open);
  CHECK(xs[1].to == open);
  CHECK(xs[1].at == t + 5ms);
  CHECK(xs[1].reason
        == "probes failed: failure rate 0.5, slow-call "
           "rate 0");
}

TEST_CASE("slow probes at the slow-call threshold open again", "[breaker]") {
  auto s = small();
  s.half_open_probes = 2;
  s.slow_call_rate_threshold = 0.5;
  time_point t{};
  circuit_breaker cb{s};
  t = trip(cb, t) + 1s;
  auto p1 = cb.acquire(t);
  auto p2 = cb.acquire(t);
  cb.record(t, p1, success, 1s); // slow
  cb.record(t, p2, success, 1ms);
  CHECK(cb.state() == open);
}

TEST_CASE("open duration grows with failed probe rounds, is capped, and "
          "resets on close",
          "[breaker]") {
  auto s = small();
  s.half_open_probes = 1;
  s.open_growth = 2.0;
  s.max_open_duration = 5s;
  time_point t{};
  circuit_breaker cb{s};
  CHECK(cb.next_open_duration() == ts{1s});
  auto opened = trip(cb, t);
  std::vector<ts> durations;
  for (int round = 0; round < 5; ++round) {
    auto deadline = *cb.next_deadline();
    durations.push_back(deadline - opened);
    cb.advance(deadline - 1ns);
    REQUIRE(cb.state() == open);
    cb.advance(deadline);
    REQUIRE(cb.state() == half_open);
    auto p = cb.acquire(deadline);
    REQUIRE(p.granted);
    opened = deadline + 1ms;
    cb.record(opened, p, failure, 1ms);
    REQUIRE(cb.state() == open);
    CHECK(cb.metrics(opened).open_rounds == static_cast<uint32_t>(round + 1));
  }
  CHECK(durations == std::vector<ts>{1s, 2s, 4s, 5s, 5s});
  CHECK(cb.next_open_duration() == ts{5s});
  // A successful round closes and forgets the growth.
  auto deadline = *cb.next_deadline();
  auto p = cb.acquire(deadline);
  cb.record(deadline, p, success, 1ms);
  REQUIRE(cb.state() == closed);
  CHECK(cb.metrics(deadline).open_rounds == 0);
  CHECK(cb.next_open_duration() == ts{1s});
  opened = trip(cb, deadline);
  CHECK(*cb.next_deadline() - opened == ts{1s});
}

TEST_CASE("open duration jitter stays within [base, base * (1 + jitter)] and "
          "depends on the seed only",
          "[breaker]") {
  auto s = small();
  s.open_jitter = 0.5;
  s.open_growth = 2.0;
  s.max_open_duration = 8s;
  s.half_open_probes = 1;
  std::set<ts::rep> firsts;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    CAPTURE(seed);
    auto run = [&] {
      std::vector<ts> result;
      time_point t{};
      circuit_breaker cb{s, seed};
      auto opened = trip(cb, t);
      for (int round = 0; round < 4; ++round) {
        auto deadline = *cb.next_deadline();
        result.push_back(deadline - opened);
        auto p = cb.acquire(deadline);
        REQUIRE(p.granted);
        opened = deadline;
        cb.record(opened, p, failure, 1ms);
      }
      return result;
    };
    auto xs = run();
    CHECK(xs == run()); // reproducible
    std::vector<ts> bases{1s, 2s, 4s, 8s};
    for (size_t i = 0; i < xs.size(); ++i) {
      CAPTURE(i);
      CHECK(xs[i] >= bases[i]);
      CHECK(xs[i] <= bases[i] + bases[i] / 2);
    }
    firsts.insert(xs[0].count());
  }
  // Different seeds give different jitter.
  CHECK(firsts.size() > 40);
}

TEST_CASE("without jitter the open duration is exact for any seed",
          "[breaker]") {
  for (uint64_t seed : {0u, 1u, 42u, 12345u}) {
    CAPTURE(seed);
    time_point t{};
    circuit_breaker cb{small(), seed};
    auto opened = trip(cb, t);
    CHECK(*cb.next_deadline() == opened + 1s);
  }
}

TEST_CASE("half_open_max_duration reopens an unfinished probe round",
          "[breaker]") {
  auto s = small();
  s.open_growth = 2.0;
  s.max_open_duration = 10s;
  time_point t{};
  circuit_breaker cb{s};
  auto opened = trip(cb, t);
  auto entered = opened + 1s;
  auto p1 = cb.acquire(entered);
  auto p2 = cb.acquire(entered);
  cb.take_transitions();
  cb.record(entered + 1s, p1, success, 1s - 1ns);
  CHECK(cb.next_deadline() == entered + 10s);
  cb.advance(entered + 10s - 1ns);
  CHECK(cb.state() == half_open);
  cb.advance(entered + 10s);
  CHECK(cb.state() == open);
  CHECK(cb.metrics(entered + 10s).open_rounds == 1);
  // The failed round grows the next open duration.
  CHECK(cb.next_deadline() == entered + 10s + 2s);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].from == half_open);
  CHECK(xs[0].to == open);
  CHECK(xs[0].at == entered + 10s);
  CHECK(xs[0].reason
        == "probes did not complete within half_open_max_duration");
  // The straggler is stale.
  cb.record(entered + 11s, p2, success, 1ms);
  CHECK(cb.state() == open);
  CHECK(cb.metrics(entered + 11s).stale == 1);
}

TEST_CASE("a half-open round without traffic reopens without growing",
          "[breaker]") {
  auto s = small();
  s.open_growth = 2.0;
  s.max_open_duration = 10s;
  time_point t{};
  circuit_breaker cb{s};
  auto opened = trip(cb, t);
  cb.advance(opened + 1s); // half-open, nobody calls
  REQUIRE(cb.state() == half_open);
  cb.take_transitions();
  cb.advance(opened + 1s + 10s);
  CHECK(cb.state() == open);
  CHECK(cb.metrics(opened + 11s).open_rounds == 0);
  CHECK(cb.next_deadline() == opened + 11s + 1s); // still the base 1 s
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].reason == "no probe within half_open_max_duration");
}

TEST_CASE("half_open_max_duration also applies via acquire", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto entered = trip(cb, t) + 1s;
  cb.advance(entered);
  cb.take_transitions();
  CHECK_FALSE(cb.acquire(entered + 10s).granted);
  CHECK(cb.state() == open);
  CHECK(cb.take_transitions().size() == 1);
}

// -- stale and ignored outcomes -----------------------------------------------

TEST_CASE("a slow call finishing after the breaker opened is stale",
          "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto slow = cb.acquire(t); // starts in closed
  REQUIRE(slow.granted);
  auto opened = trip(cb, t);
  auto before = cb.metrics(opened);
  cb.take_transitions();
  cb.record(opened + 30s, slow, failure, 30s);
  auto m = cb.metrics(opened + 30s);
  CHECK(m.stale == before.stale + 1);
  CHECK(m.window.calls == before.window.calls);
  CHECK(m.window.failures == before.window.failures);
  CHECK(m.window.slow == before.window.slow);
  CHECK(m.consecutive_failures == before.consecutive_failures);
  CHECK(m.open_rounds == before.open_rounds);
  CHECK(cb.take_transitions().empty());
  // The stale call does not count as a probe either.
  cb.advance(opened + 1s);
  REQUIRE(cb.state() == half_open);
  cb.record(opened + 1s, slow, failure, 30s);
  CHECK(cb.state() == half_open);
  CHECK(cb.metrics(opened + 1s).window.calls == 0);
}

TEST_CASE("a probe permit is stale after the breaker reopened or closed",
          "[breaker]") {
  auto s = small();
  s.half_open_probes = 2;
  time_point t{};
  circuit_breaker cb{s};
  t = trip(cb, t) + 1s;
  auto p1 = cb.acquire(t);
  auto p2 = cb.acquire(t);
  cb.record(t, p1, failure, 1ms);
  cb.record(t, p2, failure, 1ms);
  REQUIRE(cb.state() == open);
  // A duplicate report for p2 is stale now.
  cb.record(t, p2, failure, 1ms);
  CHECK(cb.metrics(t).stale == 1);
  t += 1s;
  auto q1 = cb.acquire(t);
  auto q2 = cb.acquire(t);
  cb.record(t, q1, success, 1ms);
  cb.record(t, q2, success, 1ms);
  REQUIRE(cb.state() == closed);
  cb.record(t, q2, failure, 1ms);
  cb.record(t, p1, failure, 1ms);
  auto m = cb.metrics(t);
  CHECK(m.stale == 3);
  CHECK(m.window.calls == 0);
  CHECK(m.consecutive_failures == 0);
}

TEST_CASE("ignored outcomes are not counted in closed", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  t = calls(cb, t, 4, failure);
  t = calls(cb, t, 5, success);
  t = calls(cb, t, 20, ignored);
  auto m = cb.metrics(t);
  CHECK(cb.state() == closed);
  CHECK(m.window.calls == 9);
  CHECK(m.ignored == 20);
  CHECK(m.permitted == 29);
  call(cb, t, failure); // 5 / 10
  CHECK(cb.state() == open);
}

TEST_CASE("an ignored probe gives its slot back", "[breaker]") {
  auto s = small();
  s.half_open_probes = 2;
  time_point t{};
  circuit_breaker cb{s};
  t = trip(cb, t) + 1s;
  auto p1 = cb.acquire(t);
  auto p2 = cb.acquire(t);
  REQUIRE(p2.granted);
  CHECK_FALSE(cb.acquire(t).granted);
  cb.record(t, p1, ignored, 1ms);
  CHECK(cb.state() == half_open);
  CHECK(cb.metrics(t).window.calls == 0);
  // The ignored probe does not count, so another one may go.
  auto p3 = cb.acquire(t);
  CHECK(p3.granted);
  CHECK_FALSE(cb.acquire(t).granted);
  cb.record(t, p2, success, 1ms);
  cb.record(t, p3, success, 1ms);
  CHECK(cb.state() == closed);
  CHECK(cb.metrics(t).ignored == 1);
}

TEST_CASE("stale ignored outcomes are counted as ignored only", "[breaker]") {
  auto s = small();
  s.half_open_probes = 2;
  time_point t{};
  circuit_breaker cb{s};
  auto old = cb.acquire(t);
  t = trip(cb, t) + 1s;
  auto p1 = cb.acquire(t);
  auto p2 = cb.acquire(t);
  cb.record(t, old, ignored, 1ms); // an old permit cannot free a probe slot
  CHECK_FALSE(cb.acquire(t).granted);
  auto m = cb.metrics(t);
  CHECK(m.ignored == 1);
  CHECK(m.stale == 0);
  cb.record(t, p1, success, 1ms);
  cb.record(t, p2, success, 1ms);
  CHECK(cb.state() == closed);
}

// -- transitions --------------------------------------------------------------

TEST_CASE("take_transitions yields one transition per change, oldest first",
          "[breaker]") {
  auto s = small();
  s.half_open_probes = 1;
  time_point t{};
  circuit_breaker cb{s};
  auto opened = trip(cb, t);
  cb.advance(opened + 1s);
  auto p = cb.acquire(opened + 1s);
  cb.record(opened + 1s + 5ms, p, failure, 5ms);
  cb.advance(opened + 1s + 5ms + 1s);
  p = cb.acquire(opened + 2s + 5ms);
  cb.record(opened + 2s + 10ms, p, success, 5ms);
  auto xs = cb.take_transitions();
  CHECK(edges(xs)
        == edge_list{{closed, open},
                     {open, half_open},
                     {half_open, open},
                     {open, half_open},
                     {half_open, closed}});
  REQUIRE(xs.size() == 5);
  CHECK(xs[0].at == opened);
  CHECK(xs[1].at == opened + 1s);
  CHECK(xs[2].at == opened + 1s + 5ms);
  CHECK(xs[3].at == opened + 2s + 5ms);
  CHECK(xs[4].at == opened + 2s + 10ms);
  for (auto& x : xs)
    CHECK_FALSE(x.reason.empty());
  // Taken means gone.
  CHECK(cb.take_transitions().empty());
  // Later changes are reported on their own.
  cb.force_open(opened + 3s);
  CHECK(edges(cb.take_transitions()) == edge_list{{closed, forced_open}});
}

// -- operator overrides -------------------------------------------------------

TEST_CASE("forced_open rejects every call until reset", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto in_flight = cb.acquire(t);
  cb.force_open(t);
  CHECK(cb.state() == forced_open);
  cb.force_open(t + 1s); // no change, no transition
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].from == closed);
  CHECK(xs[0].to == forced_open);
  CHECK(xs[0].reason == "forced open by operator");
  for (auto dt : {ts{0}, ts{1s}, ts{1h}, ts{10000h}})
    CHECK_FALSE(cb.acquire(t + dt).granted);
  cb.advance(t + 10000h);
  CHECK(cb.state() == forced_open);
  CHECK_FALSE(cb.next_deadline());
  cb.record(t + 1s, in_flight, failure, 1ms); // stale
  auto m = cb.metrics(t + 1s);
  CHECK(m.rejected == 4);
  CHECK(m.permitted == 1);
  CHECK(m.stale == 1);
  cb.reset(t + 2s);
  CHECK(cb.state() == closed);
  CHECK(cb.acquire(t + 2s).granted);
}

TEST_CASE("forced_open also overrides open and half_open", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto opened = trip(cb, t);
  cb.force_open(opened);
  CHECK(cb.state() == forced_open);
  // The end of the open duration does not lead to half-open.
  cb.advance(opened + 1s);
  CHECK(cb.state() == forced_open);
  CHECK_FALSE(cb.acquire(opened + 1s).granted);
  cb.reset(opened + 1s);
  trip(cb, opened + 1s);
  cb.advance(opened + 5s);
  REQUIRE(cb.state() == half_open);
  cb.force_open(opened + 5s);
  cb.advance(opened + 100s); // the probe deadline no longer applies
  CHECK(cb.state() == forced_open);
}

TEST_CASE("disabled permits every call and records nothing", "[breaker]") {
  time_point t{};
  circuit_breaker cb{consecutive(2)};
  cb.disable(t);
  CHECK(cb.state() == disabled);
  for (int i = 0; i < 1000; ++i) {
    t += 1ms;
    auto p = cb.acquire(t);
    REQUIRE(p.granted);
    cb.record(t, p, i % 2 == 0 ? failure : success, 1h);
  }
  CHECK(cb.state() == disabled);
  CHECK_FALSE(cb.next_deadline());
  auto m = cb.metrics(t);
  CHECK(m.window.calls == 0);
  CHECK(m.consecutive_failures == 0);
  CHECK(m.permitted == 1000);
  CHECK(m.rejected == 0);
  CHECK(m.would_open == 0);
  // Outcome counters count what callers reported, in every state.
  CHECK(m.failures == 500);
  CHECK(m.successes == 500);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].reason == "disabled by operator");
}

TEST_CASE("disabled overrides open", "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  auto opened = trip(cb, t);
  cb.disable(opened);
  CHECK(cb.acquire(opened).granted);
  cb.advance(opened + 1s);
  CHECK(cb.state() == disabled);
}

TEST_CASE("metrics_only records and counts would_open but never opens",
          "[breaker]") {
  time_point t{};
  circuit_breaker cb{small()};
  t = calls(cb, t, 5, failure); // forgotten when entering metrics_only
  cb.metrics_only(t);
  CHECK(cb.state() == metrics_only);
  CHECK(cb.metrics(t).window.calls == 0);
  t = calls(cb, t, 5, failure); // 5 calls: below the minimum
  t = calls(cb, t, 4, success); // 9 calls: below the minimum
  CHECK(cb.metrics(t).would_open == 0);
  call(cb, t, success); // F F F F F S S S S S: 5 / 10 would open
  CHECK(cb.metrics(t).would_open == 1);
  call(cb, t, failure); // F F F F S S S S S F: 5 / 10 still would
  CHECK(cb.metrics(t).would_open == 2);
  call(cb, t, success); // F F F S S S S S F S: 4 / 10 no longer
  CHECK(cb.metrics(t).would_open == 2);
  CHECK(cb.state() == metrics_only);
  CHECK_FALSE(cb.next_deadline());
  auto m = cb.metrics(t);
  CHECK(m.window.calls == 10);
  CHECK(m.window.failures == 4);
  CHECK(m.rejected == 0);
  CHECK(m.permitted == 17);
  auto xs = cb.take_transitions();
  REQUIRE(xs.size() == 1);
  CHECK(xs[0].from == closed);
  CHECK(xs[0].to == metrics_only);
  CHECK(xs[0].reason == "metrics only by operator");
}

TEST_CASE("metrics_only counts the consecutive-failures rule", "[breaker]") {
  time_point t{};
  circuit_breaker cb{consecutive(3)};
  cb.metrics_only(t);
  t = calls(cb, t, 2, failure);
  CHECK(cb.metrics(t).would_open == 0);
  t = calls(cb, t, 3, failure);
  CHECK(cb.metrics(t).would_open == 3);
  CHECK(cb.metrics(t).consecutive_failures == 5);
  call(cb, t, success);
  CHECK(cb.metrics(t).consecutive_failures == 0);
  CHECK(cb.state() == metrics_only);
}

TEST_CASE("reset returns to closed with an empty window from every state",
          "[breaker]") {
  auto s = small();
  s.open_growth = 2.0;
  s.max_open_duration = 8s;
  s.half_open_probes = 1;
  // Brings a fresh breaker into `target` with a failed probe round behind it.
  auto bring = [&](circuit_breaker& cb, breaker_state target) {
    time_point t{};
    auto opened = trip(cb, t);
    cb.advance(opened + 1s);
    auto p = cb.acquire(opened + 1s);
    cb.record(opened + 1s, p, failure, 1ms);
    REQUIRE(cb.state() == open);
    REQUIRE(cb.metrics(opened).open_rounds == 1);
    auto now = opened + 1s;
    switch (target) {
      case closed:
        cb.reset(now);
        calls(cb, now, 5, failure);
        break;
      case open:
        break;
      case half_open:
        cb.advance(now + 2s);
        break;
      case forced_open:
        cb.force_open(now);
        break;
      case disabled:
        cb.disable(now);
        break;
      case metrics_only:
        cb.metrics_only(now);
        calls(cb, now, 5, failure);
        break;
    }
    REQUIRE(cb.state() == target);
    cb.take_transitions();
    // Still within the open duration (open) or the probe deadline
    // (half_open).
    return target == half_open ? now + 2s : now + 1s;
  };
  for (auto from :
       {closed, open, half_open, forced_open, disabled, metrics_only}) {
    CAPTURE(from);
    circuit_breaker cb{s};
    auto t = bring(cb, from);
    auto in_flight = cb.acquire(t);
    cb.reset(t);
    CHECK(cb.state() == closed);
    auto m = cb.metrics(t);
    CHECK(m.window.calls == 0);
    CHECK(m.consecutive_failures == 0);
    CHECK(m.open_rounds == 0);
    CHECK(cb.next_open_duration() == ts{1s});
    CHECK_FALSE(cb.next_deadline());
    auto xs = cb.take_transitions();
    if (from == closed) {
      CHECK(xs.empty());
    } else {
      REQUIRE(xs.size() == 1);
      CHECK(xs[0].from == from);
      CHECK(xs[0].to == closed);
      CHECK(xs[0].at == t);
      CHECK(xs[0].reason == "reset by operator");
    }
    // A call that started before the reset does not count after it.
    if (in_flight.granted) {
      cb.record(t, in_flight, failure, 1ms);
      CHECK(cb.metrics(t).window.calls == 0);
      CHECK(cb.metrics(t).stale == 1);
    }
    // A full window is needed to trip again; then the first open duration.
    t = calls(cb, t, 9, failure);
    CHECK(cb.state() == closed);
    call(cb, t, failure);
    CHECK(cb.state() == open);
    CHECK(*cb.next_deadline() == t + 1s);
  }
}

// -- metrics ------------------------------------------------------------------

TEST_CASE("metrics counters are exact over a full cycle", "[breaker]") {
  auto s = small();
  s.half_open_probes = 2;
  time_point t{};
  circuit_breaker cb{s};
  auto straggler = cb.acquire(t); // permitted 1
  t = calls(cb, t, 3, success);   // permitted 4, successes 3
  t = calls(cb, t, 2, ignored);   // permitted 6, ignored 2
  t = calls(cb, t, 5, failure);   // permitted 11, failures 5
  auto m = cb.metrics(t);
  CHECK(m.state == closed);
  CHECK(m.window.calls == 8);
  CHECK(m.window.failures == 5);
  CHECK(m.consecutive_failures == 5);
  t = calls(cb, t, 2, success); // 5 / 10: opens; permitted 13, successes 5
  REQUIRE(cb.state() == open);
  CHECK_FALSE(cb.acquire(t).granted);    // rejected 1
  CHECK_FALSE(cb.acquire(t).granted);    // rejected 2
  cb.record(t, straggler, failure, 1ms); // stale 1, failures 6
  t += 1s;
  auto p1 = cb.acquire(t);            // permitted 14
  auto p2 = cb.acquire(t);            // permitted 15
  CHECK_FALSE(cb.acquire(t).granted); // rejected 3
  cb.record(t, p1, success, 1ms);     // successes 6
  m = cb.metrics(t);
  CHECK(m.state == half_open);
  CHECK(m.window.calls == 1);     // the probes so far
  cb.record(t, p2, failure, 1ms); // failures 7: 1 / 2 reopens
  m = cb.metrics(t);
  CHECK(m.state == open);
  CHECK(m.permitted == 15);
  CHECK(m.rejected == 3);
  CHECK(m.successes == 6);
  CHECK(m.failures == 7);
  CHECK(m.ignored == 2);
  CHECK(m.stale == 1);
  CHECK(m.would_open == 0);
  CHECK(m.open_rounds == 1);
  CHECK(m.consecutive_failures == 0);
}

// -- settings -----------------------------------------------------------------

TEST_CASE("default settings are Resilience4j's and valid", "[breaker]") {
  circuit_breaker_settings s;
  CHECK(!s.validate());
  CHECK(s.name == "breaker");
  CHECK(s.consecutive_failures == 0);
  CHECK(s.failure_rate_threshold == 0.5);
  CHECK(s.slow_call_rate_threshold == 1.0);
  CHECK(s.slow_call_duration == ts{60s});
  CHECK(s.window == window_kind::count_based);
  CHECK(s.window_size == 100);
  CHECK(s.minimum_calls == 100);
  CHECK(s.open_duration == ts{60s});
  CHECK(s.open_growth == 1.0);
  CHECK(s.max_open_duration == ts{0}); // automatic: max(open_duration, 60 s)
  CHECK(s.effective_max_open_duration() == ts{60s});
  CHECK(s.open_jitter == 0.0);
  CHECK(s.half_open_probes == 10);
  CHECK(s.half_open_max_duration == ts{60s});
  CHECK(!small().validate());
}

TEST_CASE("default settings: 100 calls at 50 % open, 60 s later half-open",
          "[breaker]") {
  time_point t{};
  circuit_breaker cb{circuit_breaker_settings{}};
  t = calls(cb, t, 50, success);
  t = calls(cb, t, 49, failure);
  CHECK(cb.state() == closed);
  call(cb, t, failure);
  REQUIRE(cb.state() == open);
  CHECK(cb.next_deadline() == t + 60s);
}

TEST_CASE("boundary values of the settings are valid", "[breaker]") {
  auto check_valid = [](circuit_breaker_settings s) {
    auto err = s.validate();
    CAPTURE(render(err));
    CHECK(!err);
  };
  auto s = small();
  s.failure_rate_threshold = 1.0;
  check_valid(s);
  s = small();
  s.failure_rate_threshold = std::numeric_limits<double>::min();
  check_valid(s);
  s = small();
  s.slow_call_rate_threshold = 0.01;
  check_valid(s);
  s = small();
  s.slow_call_duration = 1ns;
  check_valid(s);
  s = small();
  s.window_size = 1;
  s.minimum_calls = 1;
  check_valid(s);
  s = small();
  s.window = window_kind::time_based;
  s.window_size = 1;
  s.minimum_calls = 1000; // calls per second are unbounded
  check_valid(s);
  s = small();
  s.open_duration = 1ns;
  s.max_open_duration = 1ns;
  check_valid(s);
  s = small();
  s.open_growth = 1.0;
  s.open_jitter = 1.0;
  check_valid(s);
  s = small();
  s.open_jitter = 0.0;
  s.open_growth = 1e9;
  s.max_open_duration = 24h;
  check_valid(s);
  s = small();
  s.half_open_probes = 1;
  s.half_open_max_duration = 1ns;
  check_valid(s);
  s = small();
  s.consecutive_failures = 1;
  check_valid(s);
}

TEST_CASE("validate() rejects every bad field, naming breaker and field",
          "[breaker]") {
  struct bad_case {
    std::string field;
    void (*mutate)(circuit_breaker_settings&);
  };
  std::vector<bad_case> cases{
    {"failure_rate_threshold", [](auto& s) { s.failure_rate_threshold = 0; }},
    {"failure_rate_threshold",
     [](auto& s) { s.failure_rate_threshold = -0.5; }},
    {"failure_rate_threshold",
     [](auto& s) { s.failure_rate_threshold = 1.0000001; }},
    {"failure_rate_threshold", [](auto& s) { s.failure_rate_threshold = 50; }},
    {"failure_rate_threshold",
     [](auto& s) { s.failure_rate_threshold = qnan; }},
    {"failure_rate_threshold",
     [](auto& s) { s.failure_rate_threshold = pos_inf; }},
    {"slow_call_rate_threshold",
     [](auto& s) { s.slow_call_rate_threshold = 0; }},
    {"slow_call_rate_threshold",
     [](auto& s) { s.slow_call_rate_threshold = -1; }},
    {"slow_call_rate_threshold",
     [](auto& s) { s.slow_call_rate_threshold = 1.5; }},
    {"slow_call_rate_threshold",
     [](auto& s) { s.slow_call_rate_threshold = qnan; }},
    {"slow_call_rate_threshold",
     [](auto& s) { s.slow_call_rate_threshold = -pos_inf; }},
    {"slow_call_duration", [](auto& s) { s.slow_call_duration = ts{0}; }},
    {"slow_call_duration", [](auto& s) { s.slow_call_duration = -1ns; }},
    {"window", [](auto& s) { s.window = static_cast<window_kind>(7); }},
    {"window_size", [](auto& s) { s.window_size = 0; }},
    {"window_size",
     [](auto& s) {
       s.window = window_kind::time_based;
       s.window_size = 0;
     }},
    {"minimum_calls", [](auto& s) { s.minimum_calls = 0; }},
    {"minimum_calls", [](auto& s) { s.minimum_calls = 11; }},
    {"open_duration",
     [](auto& s) {
       s.open_duration = ts{0};
       s.max_open_duration = ts{0};
     }},
    {"open_duration", [](auto& s) { s.open_duration = -1s; }},
    {"max_open_duration", [](auto& s) { s.max_open_duration = 1s - 1ns; }},
    {"max_open_duration", [](auto& s) { s.max_open_duration = -1s; }},
    {"open_growth", [](auto& s) { s.open_growth = 0.999; }},
    {"open_growth", [](auto& s) { s.open_growth = 0; }},
    {"open_growth", [](auto& s) { s.open_growth = -2; }},
    {"open_growth", [](auto& s) { s.open_growth = qnan; }},
    {"open_growth", [](auto& s) { s.open_growth = pos_inf; }},
    {"open_jitter", [](auto& s) { s.open_jitter = -0.01; }},
    {"open_jitter", [](auto& s) { s.open_jitter = 1.01; }},
    {"open_jitter", [](auto& s) { s.open_jitter = qnan; }},
    {"half_open_probes", [](auto& s) { s.half_open_probes = 0; }},
    {"half_open_max_duration",
     [](auto& s) { s.half_open_max_duration = ts{0}; }},
    {"half_open_max_duration",
     [](auto& s) { s.half_open_max_duration = -1ms; }},
  };
  std::vector<bad_setting<circuit_breaker_settings>> settings;
  for (auto& c : cases) {
    auto s = small();
    c.mutate(s);
    settings.push_back({c.field, "", s});
  }
  check_rejected(settings, "'orders'");
}

TEST_CASE("validate() rejects an empty name", "[breaker]") {
  auto s = small();
  s.name.clear();
  auto err = s.validate();
  REQUIRE(err);
  CHECK(is(err, errc::invalid_argument));
  CHECK(contains(context_of(err), "name"));
}

TEST_CASE("validate() reports the offending value of a rate", "[breaker]") {
  auto s = small();
  s.failure_rate_threshold = 1.5;
  auto text = context_of(s.validate());
  CHECK(contains(text, "(0, 1]"));
  CHECK(contains(text, "1.5"));
}

// -- reading the clock only when it matters -----------------------------------

TEST_CASE("a breaker given a stale time whenever it says it needs none "
          "behaves exactly as one given the real time",
          "[breaker]") {
  std::mt19937_64 rng{42};
  for (int round = 0; round < 200; ++round) {
    CAPTURE(round);
    auto s = small();
    s.slow_call_duration = caf::timespan::max(); // slow-call rule off
    s.consecutive_failures = round % 3 == 0 ? 3 : 0;
    circuit_breaker exact{s};
    circuit_breaker lazy{s};
    time_point now{};
    time_point stale{}; // the last time `lazy` was given the real time
    double fail_p = std::uniform_real_distribution<double>{0.0, 1.0}(rng);
    for (int i = 0; i < 500; ++i) {
      now += ts{std::uniform_int_distribution<int64_t>{0, 400}(rng) * 1ms};
      auto a = exact.acquire(now);
      if (lazy.acquire_needs_time())
        stale = now;
      auto b = lazy.acquire(stale);
      REQUIRE(a.granted == b.granted);
      if (!a.granted)
        continue;
      auto outcome = std::bernoulli_distribution{fail_p}(rng) ? failure
                                                              : success;
      exact.record(now, a, outcome, 0ms);
      if (lazy.record_needs_time(outcome))
        stale = now;
      lazy.record(stale, b, outcome, 0ms);
      REQUIRE(exact.state() == lazy.state());
      auto xs = exact.take_transitions();
      auto ys = lazy.take_transitions();
      REQUIRE(xs.size() == ys.size());
      for (size_t j = 0; j < xs.size(); ++j) {
        CHECK(xs[j].to == ys[j].to);
        CHECK(xs[j].at == ys[j].at);
      }
    }
  }
}

TEST_CASE("record_needs_time: only a success in a full closed count window "
          "without the slow-call rule needs none",
          "[breaker]") {
  auto s = small();
  circuit_breaker timed{s}; // slow-call rule on: every record needs time
  CHECK(timed.times_calls());
  CHECK(timed.record_needs_time(success));
  s.slow_call_duration = caf::timespan::max();
  circuit_breaker cb{s};
  CHECK_FALSE(cb.times_calls());
  CHECK_FALSE(cb.acquire_needs_time());
  time_point t{};
  for (int i = 0; i < 9; ++i)
    cb.record(t, cb.acquire(t), success, 0ms);
  CHECK(cb.record_needs_time(success)); // 9 of minimum 10: may start rating
  cb.record(t, cb.acquire(t), success, 0ms);
  CHECK_FALSE(cb.record_needs_time(success));
  CHECK(cb.record_needs_time(failure));
  CHECK_FALSE(cb.record_needs_time(ignored));
  for (int i = 0; i < 5; ++i)
    cb.record(t, cb.acquire(t), failure, 0ms);
  REQUIRE(cb.state() == open);
  CHECK(cb.acquire_needs_time());
  auto tw = small();
  tw.slow_call_duration = caf::timespan::max();
  tw.window = window_kind::time_based;
  CHECK(circuit_breaker{tw}.record_needs_time(success));
}
