// backoff as a pure value: the schedule it produces (exact values), jitter
// bounds and clamping of the random sample, saturation for huge attempt
// numbers, reset_after, validate() and to_string.

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "remedy/core/error.hpp"
#include "remedy/supervision/backoff.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using ts = caf::timespan;

constexpr auto u32_max = std::numeric_limits<uint32_t>::max();
const double almost_one = std::nextafter(1.0, 0.0);

std::vector<ts> schedule(const backoff& b, uint32_t n) {
  std::vector<ts> result;
  for (uint32_t i = 0; i < n; ++i)
    result.push_back(b.base_delay(i));
  return result;
}

std::vector<ts> ms(std::initializer_list<int64_t> xs) {
  std::vector<ts> result;
  for (auto x : xs)
    result.push_back(std::chrono::milliseconds{x});
  return result;
}

} // namespace

// -- none ---------------------------------------------------------------------

TEST_CASE("backoff::none() never delays", "[backoff]") {
  auto b = backoff::none();
  CHECK(b.is_none());
  CHECK(b == backoff{});
  CHECK(b.min() == ts{0});
  CHECK(b.max() == ts{0});
  CHECK(b.reset_after() == ts{0});
  CHECK(b.jitter() == 0.0);
  CHECK(b.multiplier() == 2.0);
  for (uint32_t n : {0u, 1u, 2u, 63u, 64u, 1000u, u32_max}) {
    CAPTURE(n);
    CHECK(b.base_delay(n) == ts{0});
    for (double u : {0.0, 0.5, almost_one, 1.0, -1.0, qnan})
      CHECK(b.delay(n, u) == ts{0});
  }
  CHECK(!b.validate());
}

TEST_CASE("jitter on none() still never delays", "[backoff]") {
  auto b = backoff::none().with_jitter(1.0);
  CHECK(b.is_none());
  CHECK(b.delay(0, 0.9) == ts{0});
  CHECK(b.delay(5, almost_one) == ts{0});
  CHECK(!b.validate());
}

// -- exponential --------------------------------------------------------------

TEST_CASE("exponential(100ms, 10s) doubles from 100 ms and caps at 10 s",
          "[backoff]") {
  auto b = backoff::exponential(100ms, 10s);
  CHECK_FALSE(b.is_none());
  CHECK(b.min() == ts{100ms});
  CHECK(b.max() == ts{10s});
  CHECK(b.multiplier() == 2.0);
  CHECK(b.jitter() == 0.0);
  CHECK(b.reset_after() == ts{10s});
  CHECK(schedule(b, 10)
        == ms({100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000}));
  // Without jitter, delay() is the base delay for every sample.
  for (uint32_t n = 0; n < 12; ++n)
    for (double u : {0.0, 0.5, almost_one})
      CHECK(b.delay(n, u) == b.base_delay(n));
  CHECK(!b.validate());
}

TEST_CASE("the cap applies exactly when min * 2^n reaches max", "[backoff]") {
  // 100 ms * 2^7 = 12.8 s > 12.8 s? No: equal, so attempt 7 gives max.
  auto b = backoff::exponential(100ms, 12800ms);
  CHECK(b.base_delay(6) == ts{6400ms});
  CHECK(b.base_delay(7) == ts{12800ms});
  CHECK(b.base_delay(8) == ts{12800ms});
  // One nanosecond less of max caps attempt 7 to it.
  auto c = backoff::exponential(100ms, 12800ms - 1ns);
  CHECK(c.base_delay(6) == ts{6400ms});
  CHECK(c.base_delay(7) == ts{12800ms - 1ns});
}

TEST_CASE("with_multiplier changes the growth factor", "[backoff]") {
  auto b3 = backoff::exponential(10ms, 1s).with_multiplier(3.0);
  CHECK(b3.multiplier() == 3.0);
  CHECK(schedule(b3, 7) == ms({10, 30, 90, 270, 810, 1000, 1000}));
  auto b15 = backoff::exponential(100ms, 1s).with_multiplier(1.5);
  CHECK(schedule(b15, 7)
        == std::vector<ts>{ts{100'000'000}, ts{150'000'000}, ts{225'000'000},
                           ts{337'500'000}, ts{506'250'000}, ts{759'375'000},
                           ts{1'000'000'000}});
  auto b1 = backoff::exponential(100ms, 1s).with_multiplier(1.0);
  CHECK(schedule(b1, 5) == ms({100, 100, 100, 100, 100}));
  CHECK(b1.base_delay(u32_max) == ts{100ms});
  // with_multiplier keeps everything else.
  CHECK(b3.min() == ts{10ms});
  CHECK(b3.max() == ts{1s});
  CHECK(b3.reset_after() == ts{1s});
}

TEST_CASE("constant(d) always waits d", "[backoff]") {
  auto b = backoff::constant(250ms);
  CHECK(b.min() == ts{250ms});
  CHECK(b.max() == ts{250ms});
  CHECK(b.multiplier() == 1.0);
  CHECK(b.jitter() == 0.0);
  CHECK(b.reset_after() == ts{250ms});
  CHECK_FALSE(b.is_none());
  for (uint32_t n : {0u, 1u, 2u, 10u, 64u, 1024u, u32_max})
    CHECK(b.base_delay(n) == ts{250ms});
  CHECK(!b.validate());
  CHECK(backoff::constant(0ms).is_none());
}

TEST_CASE("huge attempt numbers saturate at max without overflow",
          "[backoff]") {
  auto b = backoff::exponential(100ms, 10s);
  for (uint32_t n : {30u, 31u, 32u, 63u, 64u, 65u, 1000u, 1u << 20, u32_max}) {
    CAPTURE(n);
    CHECK(b.base_delay(n) == ts{10s});
    CHECK(b.delay(n, 0.0) == ts{10s});
  }
  // The largest representable range: every attempt stays in [1 ns, max].
  auto wide = backoff::exponential(ts{1}, ts::max());
  CHECK(wide.base_delay(0) == ts{1});
  CHECK(wide.base_delay(1) == ts{2});
  CHECK(wide.base_delay(62) == ts{int64_t{1} << 62});
  CHECK(wide.base_delay(63) == ts::max()); // 2^63 ns does not fit
  CHECK(wide.base_delay(64) == ts::max());
  CHECK(wide.base_delay(1024) == ts::max()); // pow() gives inf here
  CHECK(wide.base_delay(u32_max) == ts::max());
  for (uint32_t n = 0; n < 70; ++n) {
    CAPTURE(n);
    auto d = wide.base_delay(n);
    CHECK(d >= ts{1});
    CHECK(d <= ts::max());
    if (n > 0)
      CHECK(d >= wide.base_delay(n - 1)); // monotone
  }
  // A huge multiplier (finite) saturates as well.
  auto steep = backoff::exponential(1ms, 1h).with_multiplier(1e300);
  CHECK(steep.base_delay(0) == ts{1ms});
  CHECK(steep.base_delay(1) == ts{1h});
  CHECK(steep.base_delay(u32_max) == ts{1h});
}

TEST_CASE("jitter at max saturates instead of overflowing", "[backoff]") {
  // base * (1 + jitter) does not fit in a timespan here; the delay must not
  // wrap around to a negative duration.
  auto wide = backoff::exponential(ts{1}, ts::max()).with_jitter(1.0);
  for (double u : {0.0, 0.25, 0.5, almost_one, 1.0}) {
    CAPTURE(u);
    auto d = wide.delay(u32_max, u);
    CHECK(d >= wide.base_delay(u32_max));
    CHECK(d == ts::max());
  }
  // Below the top of the range the jitter is added as usual.
  CHECK(wide.delay(10, 0.5) == ts{1024 + 512});
}

// -- jitter -------------------------------------------------------------------

TEST_CASE("with_jitter keeps delays in [base, base * (1 + jitter)]",
          "[backoff]") {
  for (double j : {0.0, 0.1, 0.2, 0.5, 1.0}) {
    auto b = backoff::exponential(100ms, 10s).with_jitter(j);
    CHECK(b.jitter() == j);
    for (uint32_t n = 0; n < 12; ++n) {
      auto base = b.base_delay(n);
      auto hi = static_cast<double>(base.count()) * (1.0 + j);
      for (double u : {0.0, 1e-9, 0.1, 0.25, 0.5, 0.75, 0.999, almost_one}) {
        CAPTURE(j, n, u);
        auto d = b.delay(n, u);
        CHECK(d >= base);
        CHECK(static_cast<double>(d.count()) <= hi);
      }
    }
  }
}

TEST_CASE("jitter values are exact", "[backoff]") {
  auto b = backoff::exponential(100ms, 10s).with_jitter(0.2);
  CHECK(b.delay(0, 0.0) == ts{100ms});
  CHECK(b.delay(0, 0.5) == ts{110ms});
  CHECK(b.delay(1, 0.5) == ts{220ms});
  CHECK(b.delay(2, 0.25) == ts{420ms});
  // Past the cap, jitter applies on top of max.
  CHECK(b.delay(7, 0.5) == ts{11s});
  CHECK(b.delay(40, 0.5) == ts{11s});
  // The largest sample stays strictly below base * (1 + jitter).
  CHECK(b.delay(0, almost_one) == ts{119'999'999});
  CHECK(b.delay(7, almost_one) == ts{11'999'999'999});
  auto full = backoff::exponential(1s, 1s).with_jitter(1.0);
  CHECK(full.delay(0, 0.5) == ts{1500ms});
  CHECK(full.delay(0, almost_one) == ts{1'999'999'999});
}

TEST_CASE("out-of-range samples are clamped into [0, 1)", "[backoff]") {
  auto b = backoff::exponential(100ms, 10s).with_jitter(0.2);
  for (uint32_t n : {0u, 3u, 7u, 100u}) {
    CAPTURE(n);
    auto lo = b.delay(n, 0.0);
    auto hi = b.delay(n, almost_one);
    REQUIRE(lo == b.base_delay(n));
    REQUIRE(hi > lo);
    // Below 0 (and NaN) act as 0.
    CHECK(b.delay(n, -0.0) == lo);
    CHECK(b.delay(n, -1e-300) == lo);
    CHECK(b.delay(n, -0.5) == lo);
    CHECK(b.delay(n, -pos_inf) == lo);
    CHECK(b.delay(n, qnan) == lo);
    CHECK(b.delay(n, -qnan) == lo);
    // 1 and above act as the largest sample below 1.
    CHECK(b.delay(n, 1.0) == hi);
    CHECK(b.delay(n, 1.5) == hi);
    CHECK(b.delay(n, 1e300) == hi);
    CHECK(b.delay(n, pos_inf) == hi);
  }
}

TEST_CASE("delay() never misbehaves on a jitter that validate() rejects",
          "[backoff]") {
  // The supervisor validates first; delay() still stays defined.
  auto b = backoff::exponential(100ms, 10s);
  CHECK(b.with_jitter(qnan).delay(3, 0.5) == ts{800ms});
  CHECK(b.with_jitter(-0.5).delay(3, 0.5) == ts{800ms});
  CHECK(b.with_jitter(pos_inf).delay(3, 0.5) == ts::max());
}

TEST_CASE("with_* return modified copies and leave the original alone",
          "[backoff]") {
  auto b = backoff::exponential(100ms, 10s);
  auto j = b.with_jitter(0.3);
  auto m = b.with_multiplier(4.0);
  auto r = b.with_reset_after(1min);
  CHECK(b.jitter() == 0.0);
  CHECK(b.multiplier() == 2.0);
  CHECK(b.reset_after() == ts{10s});
  CHECK(j.jitter() == 0.3);
  CHECK(m.multiplier() == 4.0);
  CHECK(r.reset_after() == ts{1min});
  CHECK_FALSE(b == j);
  CHECK_FALSE(b == m);
  CHECK_FALSE(b == r);
  CHECK(b == backoff::exponential(100ms, 10s));
  CHECK(j == backoff::exponential(100ms, 10s).with_jitter(0.3));
}

// -- reset_after --------------------------------------------------------------

TEST_CASE("reset_after defaults to max and can be overridden", "[backoff]") {
  CHECK(backoff::exponential(1ms, 3s).reset_after() == ts{3s});
  CHECK(backoff::exponential(1ms, 3s).with_jitter(0.5).reset_after()
        == ts{3s});
  CHECK(backoff::exponential(1ms, 3s).with_multiplier(3).reset_after()
        == ts{3s});
  CHECK(backoff::exponential(1ms, 3s).with_reset_after(0s).reset_after()
        == ts{0});
  CHECK(backoff::exponential(1ms, 3s).with_reset_after(1h).reset_after()
        == ts{1h});
  CHECK(backoff::constant(7ms).reset_after() == ts{7ms});
}

// -- validate -----------------------------------------------------------------

namespace {

void check_rejected(const backoff& b, const std::string& field) {
  auto err = b.validate();
  REQUIRE(err);
  CHECK(is(err, errc::invalid_argument));
  CHECK_THAT(context_of(err), Catch::StartsWith("backoff." + field + ":"));
}

} // namespace

TEST_CASE("validate() accepts sensible backoffs", "[backoff]") {
  CHECK(!backoff::none().validate());
  CHECK(!backoff::exponential(0ms, 0ms).validate()); // that is none()
  CHECK(!backoff::exponential(1ns, 1ns).validate());
  CHECK(!backoff::exponential(100ms, 10s).validate());
  CHECK(!backoff::exponential(100ms, 10s).with_jitter(0.0).validate());
  CHECK(!backoff::exponential(100ms, 10s).with_jitter(1.0).validate());
  CHECK(!backoff::exponential(100ms, 10s).with_multiplier(1.0).validate());
  CHECK(!backoff::exponential(100ms, 10s).with_multiplier(1e300).validate());
  CHECK(!backoff::exponential(100ms, 10s).with_reset_after(0s).validate());
  CHECK(!backoff::constant(1s).validate());
}

TEST_CASE("validate() rejects negative durations", "[backoff]") {
  check_rejected(backoff::exponential(-1ns, 1s), "min");
  check_rejected(backoff::exponential(-1s, -1ns), "min");
  check_rejected(backoff::exponential(0ns, -1ns), "max");
  check_rejected(backoff::exponential(1ms, 1s).with_reset_after(-1ns),
                 "reset_after");
  // A negative min with max 0 looks like none() but is still rejected.
  auto odd = backoff::exponential(-1s, 0s);
  CHECK(odd.is_none());
  check_rejected(odd, "min");
}

TEST_CASE("validate() rejects min > max", "[backoff]") {
  check_rejected(backoff::exponential(2s, 1s), "min");
  check_rejected(backoff::exponential(1s + 1ns, 1s), "min");
  CHECK_THAT(context_of(backoff::exponential(2s, 1s).validate()),
             Catch::Contains("exceed max"));
}

TEST_CASE("validate() rejects jitter outside [0, 1] and NaN", "[backoff]") {
  auto b = backoff::exponential(100ms, 10s);
  for (double j : {-1e-12, -0.1, -1.0, std::nextafter(1.0, 2.0), 1.5, 2.0,
                   pos_inf, -pos_inf, qnan}) {
    CAPTURE(j);
    check_rejected(b.with_jitter(j), "jitter");
  }
  // Also on none(), where jitter has no effect.
  check_rejected(backoff::none().with_jitter(qnan), "jitter");
  // The message prints the number as the rest of Remedy does ("1.5", not
  // std::to_string's "1.500000").
  CHECK(context_of(b.with_jitter(1.5).validate())
        == "backoff.jitter: must be in [0, 1], got 1.5");
  CHECK_THAT(context_of(b.with_multiplier(0.5).validate()),
             Catch::EndsWith("got 0.5"));
}

TEST_CASE("validate() rejects multiplier below 1, infinite or NaN",
          "[backoff]") {
  auto b = backoff::exponential(100ms, 10s);
  for (double m : {std::nextafter(1.0, 0.0), 0.5, 0.0, -2.0, pos_inf, -pos_inf, qnan}) {
    CAPTURE(m);
    check_rejected(b.with_multiplier(m), "multiplier");
  }
}

TEST_CASE("validate() rejects min 0 with a nonzero max", "[backoff]") {
  auto b = backoff::exponential(0ns, 1s);
  CHECK_FALSE(b.is_none());
  check_rejected(b, "min");
  CHECK_THAT(context_of(b.validate()), Catch::Contains("positive"));
  check_rejected(backoff::exponential(0ns, 1ns), "min");
}

// -- to_string ----------------------------------------------------------------

TEST_CASE("to_string renders the backoff as documented", "[backoff]") {
  CHECK(to_string(backoff::none()) == "none");
  CHECK(to_string(backoff::exponential(100ms, 10s).with_jitter(0.2))
        == "exponential(100ms..10000ms, x2, jitter 0.2, reset 10000ms)");
  CHECK(to_string(backoff::exponential(100ms, 10s))
        == "exponential(100ms..10000ms, x2, jitter 0, reset 10000ms)");
  CHECK(to_string(backoff::constant(250ms))
        == "exponential(250ms..250ms, x1, jitter 0, reset 250ms)");
  CHECK(to_string(backoff::exponential(1s, 1min)
                    .with_multiplier(1.5)
                    .with_jitter(0.25)
                    .with_reset_after(5min))
        == "exponential(1000ms..60000ms, x1.5, jitter 0.25, reset 300000ms)");
}
