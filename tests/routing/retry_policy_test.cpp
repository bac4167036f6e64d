// retry_policy as a pure value: the attempt-counting convention (the first
// call counts), exact constant / linear / exponential delays with their cap
// and saturation, jitter bounds, which errors are retried (retry_on, and
// breaker_open / bulkhead_full only when opted in), a retry loop at exact
// virtual times, decide()'s refusals, and validate().

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <caf/sec.hpp>

#include "remedy/routing/retry_policy.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace Catch {

template <>
struct StringMaker<remedy::retry_verdict> {
  static std::string convert(remedy::retry_verdict x) {
    return remedy::to_string(x);
  }
};

} // namespace Catch

namespace {

using ts = caf::timespan;


constexpr auto retry = retry_verdict::retry;
constexpr auto exhausted = retry_verdict::exhausted;
constexpr auto not_retryable = retry_verdict::not_retryable;

const caf::error failed = make_error(errc::target_down, "db");

// The base delays after failed attempts 1..n.
std::vector<ts> delays(const retry_policy& p, uint32_t n) {
  std::vector<ts> result;
  for (uint32_t a = 1; a <= n; ++a)
    result.push_back(p.base_delay(a));
  return result;
}

retry_decision decide(const retry_policy& p, uint32_t attempt,
                      const caf::error& err = failed, double random = 0.0) {
  auto r = p.decide(attempt, err, random);
  REQUIRE(r);
  return *r;
}


} // namespace

// -- names and defaults -------------------------------------------------------

TEST_CASE("to_string names every retry kind and verdict", "[retry]") {
  CHECK(std::string{to_string(retry_backoff_kind::constant)} == "constant");
  CHECK(std::string{to_string(retry_backoff_kind::linear)} == "linear");
  CHECK(std::string{to_string(retry_backoff_kind::exponential)}
        == "exponential");
  CHECK(std::string{to_string(static_cast<retry_backoff_kind>(9))}
        == "<invalid retry_backoff_kind>");
  CHECK(std::string{to_string(retry)} == "retry");
  CHECK(std::string{to_string(exhausted)} == "exhausted");
  CHECK(std::string{to_string(not_retryable)} == "not_retryable");
  CHECK(std::string{to_string(static_cast<retry_verdict>(9))}
        == "<invalid retry_verdict>");
}

TEST_CASE("the default retry policy is Resilience4j's: 3 attempts, 500 ms",
          "[retry]") {
  retry_policy p;
  CHECK_FALSE(p.validate());
  CHECK(p.max_attempts() == 3);
  CHECK(p.kind() == retry_backoff_kind::constant);
  CHECK(p.base() == ts{500ms});
  CHECK(p.cap() == ts{500ms});
  CHECK(p.multiplier() == 1.0);
  CHECK(p.jitter() == 0.0);
  CHECK_FALSE(p.has_retry_on());
  CHECK_FALSE(p.retries_breaker_open());
  CHECK_FALSE(p.retries_bulkhead_full());
  CHECK(to_string(p) == "constant(3 attempts, 500ms)");
}

// -- counting attempts --------------------------------------------------------

TEST_CASE("max_attempts counts the first call: 1 means no retry", "[retry]") {
  auto p = retry_policy::none();
  CHECK_FALSE(p.validate());
  CHECK(p.max_attempts() == 1);
  auto d = decide(p, 1);
  CHECK(d.verdict == exhausted);
  CHECK_FALSE(d.retry());
  CHECK(d.delay == ts{0});
}

TEST_CASE("max_attempts 3: the first call and two retries", "[retry]") {
  auto p = retry_policy::constant(3, 100ms);
  CHECK(decide(p, 1).verdict == retry);
  CHECK(decide(p, 2).verdict == retry);
  CHECK(decide(p, 3).verdict == exhausted);
  // Past max_attempts (e.g. after a policy change): still exhausted.
  CHECK(decide(p, 4).verdict == exhausted);
  CHECK(decide(p, UINT32_MAX).verdict == exhausted);
}

TEST_CASE("a retry loop at exact virtual times: exponential(4, 100ms, 1s)",
          "[retry]") {
  using time_point = std::chrono::steady_clock::time_point;
  auto p = retry_policy::exponential(4, 100ms, 1s);
  REQUIRE_FALSE(p.validate());
  // Runs the loop a retry stage runs against a target that fails the first
  // `failures` calls; returns the attempt times and the final verdict.
  auto run = [&](int failures, std::vector<time_point>& times) {
    auto now = time_point{} + 10s;
    for (uint32_t attempt = 1;; ++attempt) {
      times.push_back(now);
      if (static_cast<int>(attempt) > failures)
        return retry; // succeeded
      auto d = decide(p, attempt, make_error(errc::timeout));
      if (!d.retry())
        return d.verdict;
      now += d.delay;
    }
  };
  auto t0 = time_point{} + 10s;
  SECTION("always failing: 4 calls at 0, 100, 300, 700 ms, then give up") {
    std::vector<time_point> times;
    CHECK(run(1000, times) == exhausted);
    CHECK(times
          == std::vector<time_point>{t0, t0 + 100ms, t0 + 300ms, t0 + 700ms});
  }
  SECTION("failing twice: 3 calls") {
    std::vector<time_point> times;
    CHECK(run(2, times) == retry);
    CHECK(times == std::vector<time_point>{t0, t0 + 100ms, t0 + 300ms});
  }
  SECTION("succeeding at once: 1 call") {
    std::vector<time_point> times;
    CHECK(run(0, times) == retry);
    CHECK(times.size() == 1);
  }
}

// -- delays -------------------------------------------------------------------

TEST_CASE("constant delays are always the same", "[retry]") {
  auto p = retry_policy::constant(5, 250ms);
  CHECK(delays(p, 5) == std::vector<ts>(5, ts{250ms}));
  CHECK(p.base_delay(UINT32_MAX) == ts{250ms});
  auto d = decide(p, 4);
  CHECK(d.verdict == retry);
  CHECK(d.delay == ts{250ms});
}

TEST_CASE("immediate retries do not wait, even with jitter", "[retry]") {
  auto p = retry_policy::immediate(3).with_jitter(1.0);
  CHECK_FALSE(p.validate());
  CHECK(p.delay(1, 0.9) == ts{0});
  CHECK(decide(p, 2, failed, 0.9).delay == ts{0});
  CHECK(decide(p, 3).verdict == exhausted);
  CHECK(to_string(p) == "constant(3 attempts, 0ms, jitter 1)");
}

TEST_CASE("linear delays grow by base per retry up to the cap", "[retry]") {
  auto p = retry_policy::linear(10, 100ms, 450ms);
  CHECK_FALSE(p.validate());
  CHECK(delays(p, 7)
        == std::vector<ts>{100ms, 200ms, 300ms, 400ms, 450ms, 450ms, 450ms});
  CHECK(p.base_delay(UINT32_MAX) == ts{450ms});
  CHECK(to_string(p) == "linear(10 attempts, 100ms..450ms)");
}

TEST_CASE("linear delays reach the cap exactly", "[retry]") {
  auto p = retry_policy::linear(10, 100ms, 300ms);
  CHECK(delays(p, 4) == std::vector<ts>{100ms, 200ms, 300ms, 300ms});
}

TEST_CASE("linear delays saturate at a huge cap", "[retry]") {
  auto p = retry_policy::linear(10, ts::max() / 2 + 1ns, ts::max());
  CHECK_FALSE(p.validate());
  CHECK(p.base_delay(1) == ts::max() / 2 + 1ns);
  CHECK(p.base_delay(2) == ts::max());
  CHECK(p.base_delay(UINT32_MAX) == ts::max());
  CHECK(p.with_jitter(1.0).delay(UINT32_MAX, 0.99) == ts::max());
}

TEST_CASE("exponential delays double up to the cap", "[retry]") {
  auto p = retry_policy::exponential(10, 100ms, 1s);
  CHECK_FALSE(p.validate());
  CHECK(p.multiplier() == 2.0);
  CHECK(delays(p, 6) == std::vector<ts>{100ms, 200ms, 400ms, 800ms, 1s, 1s});
  CHECK(p.base_delay(UINT32_MAX) == ts{1s});
  CHECK(to_string(p) == "exponential(10 attempts, 100ms..1000ms, x2)");
}

TEST_CASE("exponential delays with a multiplier of 3 and of 1", "[retry]") {
  auto p = retry_policy::exponential(10, 10ms, 1s).with_multiplier(3);
  CHECK_FALSE(p.validate());
  CHECK(delays(p, 6) == std::vector<ts>{10ms, 30ms, 90ms, 270ms, 810ms, 1s});
  auto flat = retry_policy::exponential(10, 10ms, 1s).with_multiplier(1);
  CHECK_FALSE(flat.validate());
  CHECK(delays(flat, 3) == std::vector<ts>(3, ts{10ms}));
}

TEST_CASE("attempt 0 has the delay of attempt 1", "[retry]") {
  for (auto p :
       {retry_policy::constant(3, 10ms), retry_policy::linear(3, 10ms, 1s),
        retry_policy::exponential(3, 10ms, 1s)}) {
    CAPTURE(to_string(p));
    CHECK(p.base_delay(0) == p.base_delay(1));
    CHECK(p.base_delay(1) == ts{10ms});
  }
}

TEST_CASE("jitter adds exactly base * jitter * random", "[retry]") {
  auto c = retry_policy::constant(5, 100ms).with_jitter(0.2);
  CHECK(c.delay(1, 0.0) == ts{100ms});
  CHECK(c.delay(1, 0.5) == ts{110ms});
  CHECK(c.delay(3, 0.25) == ts{105ms});
  auto l = retry_policy::linear(5, 100ms, 1s).with_jitter(0.5);
  CHECK(l.delay(2, 0.5) == ts{250ms}); // 200 + 200 * 0.5 * 0.5
  auto e = retry_policy::exponential(5, 100ms, 1s).with_jitter(1.0);
  CHECK(e.delay(3, 0.5) == ts{600ms}); // 400 + 400 * 1 * 0.5
  // At the cap, jitter still spreads the delays.
  CHECK(e.delay(10, 0.5) == ts{1500ms});
  // decide() passes random through.
  CHECK(decide(c, 1, failed, 0.5).delay == ts{110ms});
}

TEST_CASE("jittered delays stay within [base, base * (1 + jitter)]",
          "[retry]") {
  for (auto p : {retry_policy::constant(100, 100ms),
                 retry_policy::linear(100, 100ms, 1s),
                 retry_policy::exponential(100, 100ms, 1s)}) {
    auto j = p.with_jitter(0.3);
    CAPTURE(to_string(j));
    for (uint32_t a = 1; a <= 12; ++a) {
      auto base = j.base_delay(a);
      CHECK(base == p.base_delay(a));
      for (double r : {0.0, 0.1, 0.5, 0.999999, std::nextafter(1.0, 0.0)}) {
        auto d = j.delay(a, r);
        CHECK(d >= base);
        CHECK(d <= base + base * 3 / 10);
        CHECK(d <= ts{1300ms}); // cap * (1 + jitter)
      }
    }
  }
}

TEST_CASE("out-of-range random samples are clamped", "[retry]") {
  auto p = retry_policy::constant(5, 100ms).with_jitter(0.2);
  CHECK(p.delay(1, -1.0) == ts{100ms});
  CHECK(p.delay(1, qnan) == ts{100ms});
  CHECK(p.delay(1, 1.0) < ts{120ms});
  CHECK(p.delay(1, 7.0) < ts{120ms});
  CHECK(p.delay(1, 7.0) > ts{119ms});
}

// -- which errors are retried -------------------------------------------------

TEST_CASE("by default every error is retried except breaker_open and "
          "bulkhead_full",
          "[retry]") {
  retry_policy p;
  for (auto code : {errc::invalid_argument, errc::target_down, errc::stash_full,
                    errc::stash_timeout, errc::unexpected_message,
                    errc::bulkhead_timeout, errc::timeout}) {
    CAPTURE(to_string(code));
    CHECK(p.retries(make_error(code)));
    CHECK(decide(p, 1, make_error(code)).verdict == retry);
  }
  CHECK(p.retries(caf::sec::request_timeout));
  CHECK(p.retries(caf::make_error(caf::sec::runtime_error, "boom")));
  for (auto code : {errc::breaker_open, errc::bulkhead_full}) {
    CAPTURE(to_string(code));
    CHECK_FALSE(p.retries(make_error(code)));
    auto d = decide(p, 1, make_error(code, "orders"));
    CHECK(d.verdict == not_retryable);
    CHECK(d.delay == ts{0});
  }
  CHECK_FALSE(p.retries(caf::error{}));
}

TEST_CASE("breaker_open and bulkhead_full are retried only when opted in",
          "[retry]") {
  auto open = make_error(errc::breaker_open);
  auto full = make_error(errc::bulkhead_full);
  auto p = retry_policy::constant(3, 10ms).with_retry_breaker_open();
  CHECK(p.retries_breaker_open());
  CHECK(p.retries(open));
  CHECK_FALSE(p.retries(full));
  CHECK(decide(p, 1, open).verdict == retry);
  auto q = retry_policy::constant(3, 10ms).with_retry_bulkhead_full();
  CHECK(q.retries_bulkhead_full());
  CHECK_FALSE(q.retries(open));
  CHECK(q.retries(full));
  auto both = p.with_retry_bulkhead_full();
  CHECK(both.retries(open));
  CHECK(both.retries(full));
  CHECK(decide(both, 3, full).verdict == exhausted);
  auto off
    = both.with_retry_breaker_open(false).with_retry_bulkhead_full(false);
  CHECK_FALSE(off.retries(open));
  CHECK_FALSE(off.retries(full));
  CHECK(to_string(both)
        == "constant(3 attempts, 10ms, retries breaker_open, "
           "retries bulkhead_full)");
}

TEST_CASE("retry_on decides, but cannot retry breaker_open or bulkhead_full "
          "without the opt-in",
          "[retry]") {
  int calls = 0;
  auto only_timeouts = [&calls](const caf::error& err) {
    ++calls;
    return is(err, errc::timeout) || is(err, errc::breaker_open)
           || is(err, errc::bulkhead_full);
  };
  auto p = retry_policy::constant(3, 10ms).with_retry_on(only_timeouts);
  CHECK(p.has_retry_on());
  CHECK(p.retries(make_error(errc::timeout)));
  CHECK_FALSE(p.retries(make_error(errc::target_down)));
  CHECK(decide(p, 1, make_error(errc::target_down)).verdict == not_retryable);
  CHECK(calls == 3);
  // The guard comes first: the predicate is not even asked.
  CHECK_FALSE(p.retries(make_error(errc::breaker_open)));
  CHECK_FALSE(p.retries(make_error(errc::bulkhead_full)));
  CHECK(calls == 3);
  // Opted in, the predicate decides.
  auto q = p.with_retry_breaker_open().with_retry_bulkhead_full();
  CHECK(q.retries(make_error(errc::breaker_open)));
  CHECK(q.retries(make_error(errc::bulkhead_full)));
  auto never = q.with_retry_on([](const caf::error&) { return false; });
  CHECK_FALSE(never.retries(make_error(errc::breaker_open)));
  CHECK_FALSE(never.retries(make_error(errc::timeout)));
  // An empty predicate means every error again.
  auto reset = never.with_retry_on(nullptr);
  CHECK_FALSE(reset.has_retry_on());
  CHECK(reset.retries(make_error(errc::target_down)));
  CHECK(to_string(p) == "constant(3 attempts, 10ms, retry_on)");
}

TEST_CASE("a non-retryable error gives up at once, at any attempt", "[retry]") {
  auto p = retry_policy::constant(3, 10ms);
  auto full = make_error(errc::bulkhead_full);
  CHECK(decide(p, 1, full).verdict == not_retryable);
  CHECK(decide(p, 2, full).verdict == not_retryable);
  // Not retryable wins over exhausted: it names the actual reason.
  CHECK(decide(p, 3, full).verdict == not_retryable);
}

// -- refusals and validation --------------------------------------------------

TEST_CASE("decide refuses attempt 0 and an empty error", "[retry]") {
  retry_policy p;
  auto zero = p.decide(0, failed, 0.0);
  REQUIRE_FALSE(zero);
  CHECK(is(zero.error(), errc::invalid_argument));
  CHECK(contains(context_of(zero.error()), "attempt numbers start at 1"));
  auto none = p.decide(1, caf::error{}, 0.0);
  REQUIRE_FALSE(none);
  CHECK(is(none.error(), errc::invalid_argument));
  CHECK(contains(context_of(none.error()), "no error"));
}

TEST_CASE("with_ functions return changed copies", "[retry]") {
  auto p = retry_policy::exponential(4, 100ms, 1s);
  auto q = p.with_jitter(0.5)
             .with_multiplier(3)
             .with_max_attempts(7)
             .with_retry_breaker_open();
  CHECK(p.jitter() == 0.0);
  CHECK(p.multiplier() == 2.0);
  CHECK(p.max_attempts() == 4);
  CHECK_FALSE(p.retries_breaker_open());
  CHECK(q.jitter() == 0.5);
  CHECK(q.multiplier() == 3.0);
  CHECK(q.max_attempts() == 7);
  CHECK(q.retries_breaker_open());
  CHECK(q.base() == ts{100ms});
  CHECK(q.cap() == ts{1s});
  CHECK(q.kind() == retry_backoff_kind::exponential);
  CHECK(to_string(q)
        == "exponential(7 attempts, 100ms..1000ms, x3, jitter 0.5, retries "
           "breaker_open)");
  CHECK(to_string(retry_policy::none()) == "constant(1 attempt, 0ms)");
}

TEST_CASE("boundary retry policies are valid", "[retry]") {
  CHECK_FALSE(retry_policy::none().validate());
  CHECK_FALSE(retry_policy::immediate(UINT32_MAX).validate());
  CHECK_FALSE(retry_policy::constant(1, ts{0}).validate());
  CHECK_FALSE(retry_policy::linear(2, 1ns, 1ns).validate());
  CHECK_FALSE(
    retry_policy::exponential(2, 1ns, ts::max()).with_jitter(1.0).validate());
  CHECK_FALSE(retry_policy::exponential(2, 1ms, 1ms)
                .with_multiplier(1.0)
                .with_jitter(0.0)
                .validate());
}

TEST_CASE("retry_policy::validate rejects every bad value with a clear error",
          "[retry]") {
  std::vector<bad_setting<retry_policy>> cases{
    {"max_attempts must be at least 1", "", retry_policy::constant(0, 10ms)},
    {"max_attempts", "", retry_policy::none().with_max_attempts(0)},
    {"base delay must not be negative", "", retry_policy::constant(3, -1ns)},
    {"base delay must not be negative", "", retry_policy::linear(3, -1ms, 1s)},
    {"base delay must be positive for linear", "",
     retry_policy::linear(3, ts{0}, 1s)},
    {"base delay must be positive for exponential", "",
     retry_policy::exponential(3, ts{0}, 1s)},
    {"cap must not be below the base delay", "",
     retry_policy::linear(3, 1s, 999ms)},
    {"cap must not be below the base delay", "",
     retry_policy::exponential(3, 1s, -1s)},
    {"jitter must be in [0, 1]", "",
     retry_policy::constant(3, 1s).with_jitter(-0.01)},
    {"jitter must be in [0, 1]", "",
     retry_policy::constant(3, 1s).with_jitter(1.01)},
    {"jitter must be in [0, 1]", "",
     retry_policy::constant(3, 1s).with_jitter(qnan)},
    {"multiplier must be finite and >= 1", "",
     retry_policy::exponential(3, 1ms, 1s).with_multiplier(0.99)},
    {"multiplier must be finite and >= 1", "",
     retry_policy::exponential(3, 1ms, 1s).with_multiplier(qnan)},
    {"multiplier must be finite and >= 1", "",
     retry_policy::exponential(3, 1ms, 1s).with_multiplier(pos_inf)},
    {"multiplier applies to exponential backoff only, not constant", "",
     retry_policy::constant(3, 1ms).with_multiplier(2)},
    {"multiplier applies to exponential backoff only, not linear", "",
     retry_policy::linear(3, 1ms, 1s).with_multiplier(2)},
  };
  check_rejected(cases, "retry policy: ");
}

TEST_CASE("retry_policy::validate reports the offending jitter and "
          "multiplier",
          "[retry]") {
  auto j
    = context_of(retry_policy::constant(3, 1s).with_jitter(1.5).validate());
  CHECK(contains(j, "1.5"));
  auto m = context_of(
    retry_policy::exponential(3, 1ms, 1s).with_multiplier(0.5).validate());
  CHECK(contains(m, "0.5"));
}
