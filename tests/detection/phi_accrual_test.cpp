// phi_accrual as a pure value: phi_of against Akka's published table and its
// CDF checks, finite at every extreme; the detector's seeded history, hand-
// computed phi after a known sequence of intervals, the min_std_deviation
// floor and the acceptable pause, monotonic growth up to max_phi, Akka's
// scenario tests (missed heartbeats, the heartbeat that ends a suspected
// failure, max_sample_size), exact mean and deviation as the ring wraps,
// rejected heartbeats, reset, the settings (Akka's and Remedy's defaults,
// validate()), and no NaN or infinity over millions of random inputs.

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "remedy/detection/phi_accrual.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using time_point = phi_accrual::time_point;
using ts = caf::timespan;


// An origin far from the clock's epoch.
const time_point t0 = time_point{} + 1000h;

time_point at_ms(int64_t ms) {
  return t0 + std::chrono::milliseconds(ms);
}

// Akka's test settings: threshold 8, 1000 samples, min deviation 100 ms, no
// acceptable pause, first estimate 1 s.
phi_accrual_settings akka_test(double threshold = 8.0,
                               uint32_t max_sample_size = 1000,
                               ts pause = ts{0}) {
  phi_accrual_settings s;
  s.name = "node-2";
  s.threshold = threshold;
  s.max_sample_size = max_sample_size;
  s.min_std_deviation = 100ms;
  s.acceptable_heartbeat_pause = pause;
  s.first_heartbeat_estimate = 1s;
  return s;
}

// Heartbeats at the running sum of `intervals` (ms), starting at t0; as
// Akka's fakeTimeGenerator, the first entry is the first heartbeat's offset.
// Returns the time of the last heartbeat.
time_point beat(phi_accrual& fd, const std::vector<int64_t>& intervals,
                time_point start = t0) {
  auto t = start;
  for (auto ms : intervals) {
    t += std::chrono::milliseconds(ms);
    REQUIRE(fd.heartbeat(t));
  }
  return t;
}


// The CDF behind a phi value (Akka's test helper).
double cdf(double phi) {
  return 1.0 - std::pow(10.0, -phi);
}

} // namespace

// -- phi_of -------------------------------------------------------------------

TEST_CASE("phi_of reproduces Akka's table of realistic phi values",
          "[phi_accrual][detector]") {
  // AccrualFailureDetectorSpec "return realistic phi values": mean 1000 ms,
  // deviation 100 ms, within 0.1.
  struct row {
    double elapsed;
    double phi;
  };
  for (auto [elapsed, expected] :
       {row{0, 0.0}, row{500, 0.1}, row{1000, 0.3}, row{1200, 1.6},
        row{1400, 4.7}, row{1600, 10.8}, row{1700, 15.3}}) {
    CAPTURE(elapsed);
    CHECK(phi_of(elapsed, 1000.0, 100.0) == Approx(expected).margin(0.1));
  }
  // The exact values: y = (t - 1000) / 100, a = y (1.5976 + 0.070566 y^2),
  // phi = (max(a, 0) + log1p(exp(-|a|))) / ln 10.
  // t = 1000: y = 0, a = 0, phi = ln 2 / ln 10 = log10(2).
  CHECK(phi_of(1000, 1000, 100) == Approx(std::log10(2.0)).epsilon(1e-12));
  // t = 1200: y = 2, a = 2 * (1.5976 + 0.282264) = 3.759728,
  // phi = (3.759728 + log1p(exp(-3.759728))) / ln 10 = 1.6428279.
  CHECK(phi_of(1200, 1000, 100) == Approx(1.6428278854871).epsilon(1e-12));
  // t = 1400: y = 4, a = 4 * (1.5976 + 1.129056) = 10.906624, phi = 4.7366946.
  CHECK(phi_of(1400, 1000, 100) == Approx(4.7366945827052).epsilon(1e-12));
  // t = 1700: y = 7, a = 7 * (1.5976 + 3.457734) = 35.387338, phi = 15.368526.
  CHECK(phi_of(1700, 1000, 100) == Approx(15.368525622646).epsilon(1e-12));
  // A larger deviation gives a lower phi.
  CHECK(phi_of(1100, 1000, 500) < phi_of(1100, 1000, 100));
}

TEST_CASE("phi_of passes Akka's checks of the cumulative distribution",
          "[phi_accrual][detector]") {
  // AccrualFailureDetectorSpec "use good enough cumulative distribution
  // function" and "handle outliers without losing precision".
  CHECK(cdf(phi_of(0, 0, 10)) == Approx(0.5).margin(0.001));
  CHECK(cdf(phi_of(6, 0, 10)) == Approx(0.7257).margin(0.001));
  CHECK(cdf(phi_of(15, 0, 10)) == Approx(0.9332).margin(0.001));
  CHECK(cdf(phi_of(20, 0, 10)) == Approx(0.97725).margin(0.001));
  CHECK(cdf(phi_of(25, 0, 10)) == Approx(0.99379).margin(0.001));
  CHECK(cdf(phi_of(35, 0, 10)) == Approx(0.99977).margin(0.001));
  CHECK(cdf(phi_of(40, 0, 10)) == Approx(0.99997).margin(0.0001));
  for (int x = 0; x < 40; ++x)
    CHECK(phi_of(x, 0, 10) < phi_of(x + 1, 0, 10));
  CHECK(cdf(phi_of(22, 20, 3)) == Approx(0.7475).margin(0.001));
  // y = 10: a = 10 * (1.5976 + 7.0566) = 86.542, phi = 86.542 / ln 10.
  CHECK(phi_of(10, 0, 1) == Approx(38.0).margin(1.0));
  CHECK(phi_of(10, 0, 1) == Approx(86.542 / std::log(10.0)).epsilon(1e-12));
  CHECK(phi_of(-25, 0, 1) == 0.0);
}

TEST_CASE("phi_of is finite and within [0, max_phi] at every extreme",
          "[phi_accrual][detector]") {
  constexpr auto max_phi = phi_accrual::max_phi;
  // Akka's two-branch formula gives infinity here (exp underflows to 0 and
  // -log10(0) = inf); the log-space form grows on until the cap.
  // y = 40: a = 40 * (1.5976 + 112.9056) = 4580.128, phi = 1989.1 -> 1000.
  CHECK(phi_of(5000, 1000, 100) == max_phi);
  // y = 30: a = 30 * (1.5976 + 63.5094) = 1953.21, phi = 848.27 (no cap).
  CHECK(phi_of(4000, 1000, 100) == Approx(1953.21 / std::log(10.0)));
  CHECK(phi_of(pos_inf, 1000, 100) == max_phi);
  CHECK(phi_of(1e308, -1e308, 1e-308) == max_phi);
  CHECK(phi_of(-pos_inf, 1000, 100) == 0.0);
  CHECK(phi_of(-1e308, 1e308, 1e-308) == 0.0);
  // NaN anywhere but the deviation: no evidence.
  CHECK(phi_of(qnan, 1000, 100) == 0.0);
  CHECK(phi_of(1000, qnan, 100) == 0.0);
  CHECK(phi_of(pos_inf, pos_inf, 100) == 0.0);
  // A deviation that is not positive counts as the smallest positive one.
  CHECK(phi_of(1000, 1000, 0) == Approx(std::log10(2.0)));
  CHECK(phi_of(1001, 1000, 0) == max_phi);
  CHECK(phi_of(999, 1000, -5) == 0.0);
  CHECK(phi_of(1001, 1000, qnan) == max_phi);
  CHECK(phi_of(1000, 1000, pos_inf) == Approx(std::log10(2.0)));
  CHECK(phi_of(1e300, 0, pos_inf) == Approx(std::log10(2.0)));
}

TEST_CASE("phi_of grows monotonically with the elapsed time",
          "[phi_accrual][detector]") {
  double previous = -1.0;
  bool capped = false;
  for (int ms = 0; ms <= 6000; ++ms) {
    auto phi = phi_of(ms, 1000, 100);
    if (capped) {
      REQUIRE(phi == phi_accrual::max_phi);
    } else if (phi == phi_accrual::max_phi) {
      capped = true;
    } else {
      CAPTURE(ms, previous, phi);
      // Strictly, wherever phi is distinguishable from 0.
      if (phi > 1e-300)
        REQUIRE(phi > previous);
      else
        REQUIRE(phi >= previous);
    }
    previous = phi;
  }
  CHECK(capped);
}

// -- the detector -------------------------------------------------------------

TEST_CASE("a new detector has phi 0 and Akka's seeded history",
          "[phi_accrual][detector]") {
  phi_accrual fd{akka_test()};
  CHECK_FALSE(fd.monitoring());
  CHECK_FALSE(fd.last_heartbeat());
  // Seeds: 1000 - 250 = 750 ms and 1000 + 250 = 1250 ms: mean 1000 ms,
  // population deviation sqrt((250^2 + 250^2) / 2) = 250 ms.
  CHECK(fd.intervals() == 2);
  CHECK(fd.mean_ms() == 1000.0);
  CHECK(fd.std_deviation_ms() == 250.0);
  CHECK(fd.phi(t0) == 0.0);
  CHECK(fd.phi(t0 + 24h) == 0.0);
  CHECK(fd.available(t0 + 24h));
  CHECK(fd.rejected() == 0);
  CHECK(fd.skipped() == 0);
  CHECK(fd.settings().name == "node-2");
}

TEST_CASE("after one heartbeat phi follows the seeded guess",
          "[phi_accrual][detector]") {
  // Akka: "return phi based on guess when only one heartbeat".
  phi_accrual fd{akka_test()};
  REQUIRE(fd.heartbeat(t0));
  CHECK(fd.monitoring());
  CHECK(fd.last_heartbeat() == t0);
  CHECK(fd.intervals() == 2); // the first heartbeat only records its time
  // Mean 1000 ms, deviation 250 ms (above the 100 ms floor).
  // t = 1 s: y = 0, phi = log10(2) = 0.30103 (Akka: 0.3 +- 0.2).
  CHECK(fd.phi(at_ms(1000)) == Approx(std::log10(2.0)));
  // t = 2 s: y = 4, phi = 4.7367 (Akka: 4.5 +- 0.3).
  CHECK(fd.phi(at_ms(2000)) == Approx(4.7366945827052));
  // t = 3 s: y = 8, a = 8 * (1.5976 + 4.516224) = 48.910592, phi = 21.2416
  // (Akka: > 15).
  CHECK(fd.phi(at_ms(3000)) == Approx(21.241600212221));
  CHECK(fd.available(at_ms(2000)));
  CHECK_FALSE(fd.available(at_ms(3000)));
  // At the heartbeat itself: y = -4, phi = log10(1 + exp(-10.906624)).
  CHECK(fd.phi(t0) == Approx(std::log10(1.0 + std::exp(-10.906624))));
}

TEST_CASE("phi after a known sequence of intervals, computed by hand",
          "[phi_accrual][detector]") {
  // Five samples, no pause, deviation floor 100 ms.
  phi_accrual fd{akka_test(8.0, 5)};
  // Heartbeats at 0, 1000, 2100 and 3000 ms: intervals 1000, 1100, 900.
  auto last = beat(fd, {0, 1000, 1100, 900});
  CHECK(last == at_ms(3000));
  REQUIRE(fd.intervals() == 5);
  // History 750, 1250, 1000, 1100, 900: sum 5000, mean 1000 ms.
  CHECK(fd.mean_ms() == 1000.0);
  // Squares 562500 + 1562500 + 1000000 + 1210000 + 810000 = 5145000;
  // variance 5145000 / 5 - 1000^2 = 29000 ms^2, deviation 170.2939 ms.
  CHECK(fd.std_deviation_ms() == Approx(std::sqrt(29000.0)).epsilon(1e-12));
  // 1500 ms after the last heartbeat: y = 500 / 170.29386 = 2.9361011,
  // a = y * (1.5976 + 0.070566 * 8.6206896) = 6.4768347,
  // phi = (6.4768347 + log1p(exp(-6.4768347))) / ln 10 = 2.8135177.
  CHECK(fd.phi(at_ms(4500)) == Approx(2.8135176981207).epsilon(1e-9));
  CHECK(fd.phi(at_ms(4500)) == phi_of(1500, 1000, std::sqrt(29000.0)));
  // One more at 4000 ms (interval 1000) pushes out the 750 seed:
  // 1250, 1000, 1100, 900, 1000: sum 5250, mean 1050 ms; squares
  // 1562500 + 1000000 + 1210000 + 810000 + 1000000 = 5582500, variance
  // 5582500 / 5 - 1050^2 = 1116500 - 1102500 = 14000, deviation 118.3216.
  REQUIRE(fd.heartbeat(at_ms(4000)));
  CHECK(fd.intervals() == 5);
  CHECK(fd.mean_ms() == 1050.0);
  CHECK(fd.std_deviation_ms() == Approx(std::sqrt(14000.0)).epsilon(1e-12));
  CHECK(fd.phi(at_ms(5200))
        == Approx(phi_of(1200, 1050, std::sqrt(14000.0))).epsilon(1e-12));
}

TEST_CASE("min_std_deviation floors the deviation of regular heartbeats",
          "[phi_accrual][detector]") {
  phi_accrual fd{akka_test(8.0, 10)};
  std::vector<int64_t> intervals(21, 1000);
  intervals[0] = 0;
  auto last = beat(fd, intervals);
  // Ten intervals of exactly 1000 ms: deviation 0, floored to 100 ms.
  CHECK(fd.mean_ms() == 1000.0);
  CHECK(fd.std_deviation_ms() == 0.0);
  CHECK(fd.phi(last + 1000ms) == Approx(std::log10(2.0)));
  CHECK(fd.phi(last + 1200ms) == Approx(1.6428278854871));
  // phi reaches 8 between y = 5.2 and y = 5.3.
  CHECK(fd.available(last + 1520ms));
  CHECK_FALSE(fd.available(last + 1530ms));
}

TEST_CASE("acceptable_heartbeat_pause is added to the mean",
          "[phi_accrual][detector]") {
  phi_accrual fd{akka_test(8.0, 10, 3s)};
  std::vector<int64_t> intervals(21, 1000);
  intervals[0] = 0;
  auto last = beat(fd, intervals);
  // Mean 1000 + 3000 = 4000 ms, deviation 100 ms.
  CHECK(fd.phi(last + 4000ms) == Approx(std::log10(2.0)));
  CHECK(fd.phi(last + 4200ms) == Approx(1.6428278854871));
  CHECK(fd.phi(last + 1000ms) == Approx(phi_of(1000, 4000, 100)));
  CHECK(fd.phi(last + 1000ms) < 1e-30);
}

TEST_CASE("phi grows monotonically with time and stays finite",
          "[phi_accrual][detector]") {
  phi_accrual fd{phi_accrual_settings{}};
  auto last = beat(fd, {0, 1000, 1000, 1000});
  double previous = -1.0;
  for (int ms = 0; ms <= 20000; ms += 5) {
    auto phi = fd.phi(last + std::chrono::milliseconds(ms));
    CAPTURE(ms, previous, phi);
    REQUIRE(std::isfinite(phi));
    REQUIRE(phi >= previous);
    previous = phi;
  }
  CHECK(previous == phi_accrual::max_phi);
  // Silence for a century or until the end of the clock: still finite.
  CHECK(fd.phi(last + 24h * 36525) == phi_accrual::max_phi);
  CHECK(fd.phi(time_point::max()) == phi_accrual::max_phi);
  CHECK_FALSE(fd.available(time_point::max()));
  // A query before the last heartbeat counts as no time elapsed.
  CHECK(fd.phi(last - 1h) == fd.phi(last));
  CHECK(fd.phi(time_point::min()) == fd.phi(last));
}

TEST_CASE("missed heartbeats make the node unavailable",
          "[phi_accrual][detector]") {
  SECTION("Akka: mark node as dead if heartbeats are missed") {
    phi_accrual fd{akka_test(3.0)};
    auto last = beat(fd, {0, 1000, 100});
    CHECK(fd.available(last + 100ms));
    CHECK_FALSE(fd.available(last + 7100ms));
  }
  SECTION("Akka: accept some configured missing heartbeats") {
    phi_accrual fd{akka_test(8.0, 1000, 3s)};
    auto last = beat(fd, {0, 1000, 1000, 1000});
    CHECK(fd.available(last));
    last = beat(fd, {4000}, last);
    CHECK(fd.available(last));
    CHECK(fd.skipped() == 0);
  }
  SECTION("Akka: fail after configured acceptable missing heartbeats") {
    phi_accrual fd{akka_test(8.0, 1000, 3s)};
    auto last = beat(fd, {0, 1000, 1000, 1000, 1000, 1000, 500});
    CHECK(fd.available(last + 500ms));
    CHECK_FALSE(fd.available(last + 5500ms));
  }
}

TEST_CASE("the heartbeat that ends a suspected failure stays out of the "
          "history",
          "[phi_accrual][detector]") {
  // Akka: 1000 regular heartbeats, a 5 minute pause, then a short pause and
  // a 7 s pause that must make the node unavailable again.
  phi_accrual fd{akka_test(8.0, 1000, 3s)};
  std::vector<int64_t> regular(1001, 1000);
  regular[0] = 0;
  auto t = beat(fd, regular);
  CHECK(fd.intervals() == 1000);
  CHECK(fd.mean_ms() == 1000.0); // the seeds left the ring
  t += 5min;
  CHECK_FALSE(fd.available(t));
  REQUIRE(fd.heartbeat(t));
  CHECK(fd.skipped() == 1);
  CHECK(fd.mean_ms() == 1000.0); // the 5 minutes did not enter
  t += 100ms;
  CHECK(fd.available(t));
  REQUIRE(fd.heartbeat(t));
  t += 900ms;
  CHECK(fd.available(t));
  REQUIRE(fd.heartbeat(t));
  t += 100ms;
  REQUIRE(fd.heartbeat(t));
  t += 7s;
  CHECK_FALSE(fd.available(t));
  REQUIRE(fd.heartbeat(t));
  CHECK(fd.skipped() == 2);
  for (auto step : {100ms, 900ms, 100ms, 900ms}) {
    t += step;
    CHECK(fd.available(t));
    REQUIRE(fd.heartbeat(t));
  }
  CHECK(fd.skipped() == 2);
}

TEST_CASE("only the last max_sample_size intervals count",
          "[phi_accrual][detector]") {
  SECTION("Akka: use maxSampleSize heartbeats") {
    phi_accrual fd{akka_test(8.0, 3)};
    // 100 ms intervals, then 500 ms intervals: once the 100 ms ones left the
    // ring, phi is the same as before.
    auto t = beat(fd, {0, 100, 100, 100});
    auto phi1 = fd.phi(t + 100ms);
    t = beat(fd, {600, 500, 500, 500}, t);
    auto phi2 = fd.phi(t + 500ms);
    CHECK(phi2 == Approx(phi1).margin(0.001));
  }
  SECTION("max_sample_size 1 keeps only the second seed, then the last") {
    phi_accrual fd{akka_test(8.0, 1)};
    CHECK(fd.intervals() == 1);
    CHECK(fd.mean_ms() == 1250.0);
    CHECK(fd.std_deviation_ms() == 0.0);
    auto t = beat(fd, {0, 800, 1200});
    CHECK(fd.intervals() == 1);
    CHECK(fd.mean_ms() == 1200.0);
    CHECK(fd.phi(t + 1200ms) == Approx(std::log10(2.0)));
  }
}

TEST_CASE("mean and deviation stay exact as the ring wraps many times",
          "[phi_accrual][detector]") {
  for (uint32_t size : {1u, 2u, 7u, 64u, 1000u}) {
    CAPTURE(size);
    // Threshold at the cap and a huge pause: every interval enters.
    auto s = akka_test(phi_accrual::max_phi, size, 1h);
    phi_accrual fd{s};
    std::deque<double> model{750e3, 1250e3}; // microseconds
    while (model.size() > size)
      model.pop_front();
    std::mt19937_64 rng{size};
    // Microsecond intervals up to 20 s: squares up to 4e14 each.
    std::uniform_int_distribution<int64_t> us{0, 20'000'000};
    auto t = t0;
    REQUIRE(fd.heartbeat(t));
    for (int i = 0; i < 20000; ++i) {
      auto x = us(rng);
      t += std::chrono::microseconds(x);
      REQUIRE(fd.heartbeat(t));
      model.push_back(static_cast<double>(x));
      if (model.size() > size)
        model.pop_front();
      if (i % 97 != 0 && i < 19990)
        continue;
      // Two-pass reference statistics.
      double sum = 0;
      for (auto v : model)
        sum += v;
      auto mean = sum / static_cast<double>(model.size());
      double sq = 0;
      for (auto v : model)
        sq += (v - mean) * (v - mean);
      auto sd = std::sqrt(sq / static_cast<double>(model.size()));
      CAPTURE(i);
      REQUIRE(fd.intervals() == model.size());
      REQUIRE(fd.mean_ms() == Approx(mean / 1e3).epsilon(1e-12));
      // E[x^2] - E[x]^2 loses a few digits against the two-pass form.
      REQUIRE(fd.std_deviation_ms()
              == Approx(sd / 1e3).epsilon(1e-6).margin(1e-6));
    }
    CHECK(fd.skipped() == 0);
  }
}

TEST_CASE("intervals are kept in whole microseconds and capped at an hour",
          "[phi_accrual][detector]") {
  phi_accrual fd{akka_test(phi_accrual::max_phi, 3, 1h)};
  REQUIRE(fd.heartbeat(t0));
  // 1.5009 ms keeps 1500 us.
  REQUIRE(fd.heartbeat(t0 + 1500900ns));
  // History 750000, 1250000, 1500 us: mean 667166.67 us = 667.16667 ms.
  CHECK(fd.mean_ms() == Approx((750.0 + 1250.0 + 1.5) / 3));
  // Two hours enter as one (with a pause long enough to stay available).
  auto s = akka_test(phi_accrual::max_phi, 1, 24h);
  phi_accrual capped{s};
  REQUIRE(capped.heartbeat(t0));
  REQUIRE(capped.heartbeat(t0 + 2h));
  CHECK(capped.mean_ms() == 3'600'000.0);
  // Even a jump across the whole clock (the elapsed time saturates at
  // ts::max(), which the pause matches).
  s.acceptable_heartbeat_pause = ts::max();
  phi_accrual wide{s};
  REQUIRE(wide.heartbeat(time_point::min()));
  REQUIRE(wide.heartbeat(time_point::max()));
  CHECK(wide.skipped() == 0);
  CHECK(wide.mean_ms() == 3'600'000.0);
  CHECK(std::isfinite(wide.phi(time_point::max())));
}

TEST_CASE("a heartbeat earlier than the previous one is rejected",
          "[phi_accrual][detector]") {
  phi_accrual fd{akka_test(8.0, 5)};
  auto t = beat(fd, {0, 1000, 1000});
  auto mean = fd.mean_ms();
  auto sd = fd.std_deviation_ms();
  auto phi = fd.phi(t + 500ms);
  CHECK_FALSE(fd.heartbeat(t - 1ns));
  CHECK_FALSE(fd.heartbeat(time_point::min()));
  CHECK(fd.rejected() == 2);
  CHECK(fd.last_heartbeat() == t);
  CHECK(fd.intervals() == 4);
  CHECK(fd.mean_ms() == mean);
  CHECK(fd.std_deviation_ms() == sd);
  CHECK(fd.phi(t + 500ms) == phi);
  // A heartbeat at the same time is an interval of 0.
  CHECK(fd.heartbeat(t));
  CHECK(fd.intervals() == 5);
  // History 750, 1250, 1000, 1000, 0: mean 800 ms.
  CHECK(fd.mean_ms() == 800.0);
  CHECK(fd.rejected() == 2);
}

TEST_CASE("reset() forgets the heartbeats and restores the seeds",
          "[phi_accrual][detector]") {
  phi_accrual fd{akka_test(8.0, 5)};
  auto t = beat(fd, {0, 10, 10, 10, 10, 10});
  CHECK(fd.mean_ms() == 10.0);
  CHECK_FALSE(fd.heartbeat(t - 1ms));
  fd.reset();
  CHECK_FALSE(fd.monitoring());
  CHECK(fd.intervals() == 2);
  CHECK(fd.mean_ms() == 1000.0);
  CHECK(fd.std_deviation_ms() == 250.0);
  CHECK(fd.phi(t + 1h) == 0.0);
  CHECK(fd.rejected() == 1); // counters stay
  // After a reset any time is a fine first heartbeat.
  CHECK(fd.heartbeat(t - 1h));
}

// -- settings -----------------------------------------------------------------

TEST_CASE("phi accrual settings: Remedy's defaults, Akka's, and valid",
          "[phi_accrual][detector]") {
  phi_accrual_settings s;
  CHECK(!s.validate());
  CHECK(s.name == "phi");
  CHECK(s.threshold == 8.0);
  CHECK(s.max_sample_size == 1000);
  CHECK(s.min_std_deviation == ts{100ms});
  CHECK(s.acceptable_heartbeat_pause == ts{1s});
  CHECK(s.first_heartbeat_estimate == ts{1s});
  auto akka = phi_accrual_settings::akka("node-7");
  CHECK(!akka.validate());
  CHECK(akka.name == "node-7");
  CHECK(akka.threshold == 8.0);
  CHECK(akka.max_sample_size == 1000);
  CHECK(akka.min_std_deviation == ts{100ms});
  CHECK(akka.acceptable_heartbeat_pause == ts{3s});
  CHECK(akka.first_heartbeat_estimate == ts{1s});
  CHECK(phi_accrual_settings::akka().name == "phi");
}

TEST_CASE("phi accrual defaults suspect a silent node after about 2.5 s",
          "[phi_accrual][detector]") {
  std::vector<int64_t> regular(100, 1000);
  regular[0] = 0;
  phi_accrual ours{phi_accrual_settings{}};
  auto t = beat(ours, regular);
  // Mean 1000 + 1000 ms, deviation floored to 100 ms: phi = 8 at y = 5.23.
  CHECK(ours.available(t + 2520ms));
  CHECK_FALSE(ours.available(t + 2530ms));
  phi_accrual akka{phi_accrual_settings::akka()};
  t = beat(akka, regular);
  CHECK(akka.available(t + 4520ms));
  CHECK_FALSE(akka.available(t + 4530ms));
}

TEST_CASE("phi accrual settings: boundary values are valid",
          "[phi_accrual][detector]") {
  auto check_valid = [](const phi_accrual_settings& s) {
    auto err = s.validate();
    CAPTURE(render(err));
    CHECK(!err);
  };
  auto s = akka_test();
  s.threshold = phi_accrual::max_phi;
  check_valid(s);
  s.threshold = std::numeric_limits<double>::min();
  check_valid(s);
  s = akka_test();
  s.max_sample_size = 1;
  check_valid(s);
  s.max_sample_size = 1'000'000;
  check_valid(s);
  s = akka_test();
  s.min_std_deviation = 1ns;
  s.acceptable_heartbeat_pause = ts{0};
  s.first_heartbeat_estimate = 1ns;
  check_valid(s);
  s.first_heartbeat_estimate = 1h;
  s.acceptable_heartbeat_pause = 24h;
  check_valid(s);
}

TEST_CASE("phi accrual settings: validate() names the detector and the field",
          "[phi_accrual][detector]") {
  // Akka's test settings with one field broken.
  auto with = [](void (*mutate)(phi_accrual_settings&)) {
    auto s = akka_test();
    mutate(s);
    return s;
  };
  std::vector<bad_setting<phi_accrual_settings>> cases{
    {"threshold", "0", with([](auto& s) { s.threshold = 0; })},
    {"threshold", "-1", with([](auto& s) { s.threshold = -1; })},
    {"threshold", "1000.5", with([](auto& s) { s.threshold = 1000.5; })},
    {"threshold", "nan", with([](auto& s) { s.threshold = qnan; })},
    {"threshold", "inf", with([](auto& s) { s.threshold = pos_inf; })},
    {"max_sample_size", "0", with([](auto& s) { s.max_sample_size = 0; })},
    {"max_sample_size", "1000001",
     with([](auto& s) { s.max_sample_size = 1'000'001; })},
    {"min_std_deviation", "0ns",
     with([](auto& s) { s.min_std_deviation = ts{0}; })},
    {"min_std_deviation", "-100ms",
     with([](auto& s) { s.min_std_deviation = -100ms; })},
    {"acceptable_heartbeat_pause", "-1ns",
     with([](auto& s) { s.acceptable_heartbeat_pause = -1ns; })},
    {"first_heartbeat_estimate", "0ns",
     with([](auto& s) { s.first_heartbeat_estimate = ts{0}; })},
    {"first_heartbeat_estimate", "-1s",
     with([](auto& s) { s.first_heartbeat_estimate = -1s; })},
    {"first_heartbeat_estimate", "3600000000001ns",
     with([](auto& s) { s.first_heartbeat_estimate = 1h + 1ns; })},
  };
  check_rejected(cases, "phi accrual detector 'node-2': ");
  auto s = akka_test();
  s.name.clear();
  auto err = s.validate();
  REQUIRE(err);
  CHECK(contains(context_of(err), "empty name"));
}

TEST_CASE("a detector with invalid settings clamps them and stays finite",
          "[phi_accrual][detector]") {
  phi_accrual_settings s;
  s.threshold = qnan;
  s.max_sample_size = 0;
  s.min_std_deviation = -1s;
  s.acceptable_heartbeat_pause = -1s;
  s.first_heartbeat_estimate = -1s;
  phi_accrual fd{s};
  CHECK(fd.intervals() == 1);
  CHECK(fd.mean_ms() == 0.0);
  REQUIRE(fd.heartbeat(t0));
  REQUIRE(fd.heartbeat(t0 + 1s));
  for (auto dt : {0ms, 1ms, 1000ms, 100000ms}) {
    auto phi = fd.phi(t0 + 1s + dt);
    CHECK(phi >= 0.0);
    CHECK(phi <= phi_accrual::max_phi);
  }
}

// -- properties ---------------------------------------------------------------

TEST_CASE("phi_of never returns NaN or infinity for random inputs",
          "[phi_accrual][detector]") {
  std::mt19937_64 rng{20240611};
  const double specials[] = {0.0,
                             -0.0,
                             1.0,
                             -1.0,
                             1000.0,
                             std::numeric_limits<double>::min(),
                             std::numeric_limits<double>::denorm_min(),
                             std::numeric_limits<double>::max(),
                             -std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::epsilon(),
                             pos_inf,
                             -pos_inf,
                             qnan,
                             1e154,
                             -1e154,
                             1e-154};
  std::uniform_int_distribution<size_t> pick{0, std::size(specials) - 1};
  std::uniform_real_distribution<double> exponent{-320.0, 308.0};
  std::uniform_real_distribution<double> ms{-1e4, 1e5};
  std::uniform_int_distribution<int> kind{0, 3};
  auto draw = [&] {
    switch (kind(rng)) {
      case 0:
        return specials[pick(rng)];
      case 1:
        return std::pow(10.0, exponent(rng)) * (rng() % 2 ? 1 : -1);
      default:
        return ms(rng);
    }
  };
  size_t bad = 0;
  double bad_args[3] = {0, 0, 0};
  double bad_phi = 0;
  constexpr size_t n = 2'000'000;
  for (size_t i = 0; i < n; ++i) {
    auto e = draw();
    auto m = draw();
    auto sd = draw();
    auto phi = phi_of(e, m, sd);
    if (!(phi >= 0.0 && phi <= phi_accrual::max_phi)) {
      if (bad++ == 0) {
        bad_args[0] = e;
        bad_args[1] = m;
        bad_args[2] = sd;
        bad_phi = phi;
      }
    }
  }
  CAPTURE(bad_args[0], bad_args[1], bad_args[2], bad_phi);
  CHECK(bad == 0);
}

TEST_CASE("the detector never yields NaN or infinity for random heartbeats",
          "[phi_accrual][detector]") {
  std::mt19937_64 rng{7};
  std::uniform_int_distribution<int> step_kind{0, 9};
  std::uniform_int_distribution<int64_t> small_ns{0, 5'000'000'000};
  std::uniform_int_distribution<int64_t> any_ns{
    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  auto random_settings = [&] {
    phi_accrual_settings s;
    std::uniform_int_distribution<uint32_t> size{1, 64};
    std::uniform_int_distribution<int64_t> dur{1, 3'600'000'000'000};
    std::uniform_real_distribution<double> threshold{1e-3, 1000.0};
    s.max_sample_size = size(rng);
    s.threshold = threshold(rng);
    s.min_std_deviation = ts{rng() % 4 == 0 ? 1 : dur(rng)};
    s.acceptable_heartbeat_pause = ts{rng() % 4 == 0 ? 0 : dur(rng)};
    s.first_heartbeat_estimate = ts{rng() % 4 == 0 ? 1 : dur(rng)};
    REQUIRE(!s.validate());
    return s;
  };
  size_t bad = 0;
  std::string first_bad;
  size_t ops = 0;
  for (int round = 0; round < 1000; ++round) {
    phi_accrual fd{random_settings()};
    auto t = time_point{} + ts{any_ns(rng) / 2};
    for (int i = 0; i < 1000; ++i) {
      switch (step_kind(rng)) {
        case 0:
          t = time_point{} + ts{any_ns(rng)}; // anywhere, also backwards
          break;
        case 1:
          t = rng() % 2 ? time_point::max() : time_point::min();
          break;
        case 2:
          break; // the same time again
        default:
          if (t < time_point::max() - ts{5'000'000'000})
            t += ts{small_ns(rng)};
      }
      fd.heartbeat(t);
      auto probe = rng() % 8 == 0 ? time_point{} + ts{any_ns(rng)}
                                  : (t < time_point::max() - 10s ? t + 3s : t);
      auto phi = fd.phi(probe);
      auto mean = fd.mean_ms();
      auto sd = fd.std_deviation_ms();
      ops += 2;
      if (!(phi >= 0.0 && phi <= phi_accrual::max_phi) || !std::isfinite(mean)
          || !std::isfinite(sd) || mean < 0 || sd < 0) {
        if (bad++ == 0)
          first_bad = "round " + std::to_string(round) + " step "
                      + std::to_string(i) + ": phi " + std::to_string(phi)
                      + " mean " + std::to_string(mean) + " sd "
                      + std::to_string(sd);
      }
    }
  }
  CAPTURE(first_bad, ops);
  CHECK(bad == 0);
}
