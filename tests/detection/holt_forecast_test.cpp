// holt_forecast as a pure value: level and trend against hand-computed
// values for irregular intervals, samples at the same time, exact tracking
// of a line, forecast(), time_to_reach() (approaching from below and above,
// moving away, flat, beyond the horizon, rounding up), warm-up, rejected
// samples, reset, validate(), and no NaN or infinity over millions of random
// and extreme inputs.

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "remedy/detection/holt_forecast.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using time_point = holt_forecast::time_point;
using ts = caf::timespan;

const double dbl_max = std::numeric_limits<double>::max();

const time_point t0 = time_point{} + 1000h;

holt_settings make(double alpha, double beta, uint32_t warm_up) {
  holt_settings s;
  s.name = "disk";
  s.alpha = alpha;
  s.beta = beta;
  s.warm_up = warm_up;
  return s;
}


} // namespace

TEST_CASE("holt: level and trend for irregular samples, by hand",
          "[holt][detector]") {
  holt_forecast h{make(0.5, 0.5, 2)};
  CHECK(h.count() == 0);
  CHECK(h.forecast(1h) == 0.0);
  CHECK_FALSE(h.last_sample());
  // t = 0: level 10, trend 0.
  REQUIRE(h.add(10, t0));
  CHECK(h.level() == 10.0);
  CHECK(h.trend() == 0.0);
  // t = 2 s: level 14, trend (14 - 10) / 2 = 2 per second.
  REQUIRE(h.add(14, t0 + 2s));
  CHECK(h.level() == 14.0);
  CHECK(h.trend() == 2.0);
  // t = 3 s (dt 1): predicted 14 + 2 = 16, level 0.5 * 17 + 0.5 * 16 =
  // 16.5, trend 0.5 * (16.5 - 14) / 1 + 0.5 * 2 = 2.25.
  REQUIRE(h.add(17, t0 + 3s));
  CHECK(h.level() == 16.5);
  CHECK(h.trend() == 2.25);
  CHECK(h.last_sample() == t0 + 3s);
  // forecast(2 s) = 16.5 + 2.25 * 2 = 21; looking back 2 s: 12.
  CHECK(h.forecast(2s) == 21.0);
  CHECK(h.forecast(-2s) == 12.0);
  CHECK(h.forecast(ts{0}) == 16.5);
  // t = 3 s again (dt 0): level 0.5 * 21 + 0.5 * 16.5 = 18.75, trend kept.
  REQUIRE(h.add(21, t0 + 3s));
  CHECK(h.level() == 18.75);
  CHECK(h.trend() == 2.25);
  // t = 4 s (dt 1): predicted 18.75 + 2.25 = 21, level 0.5 * 20 + 0.5 * 21
  // = 20.5, trend 0.5 * (20.5 - 18.75) / 1 + 0.5 * 2.25 = 2.
  REQUIRE(h.add(20, t0 + 4s));
  CHECK(h.level() == 20.5);
  CHECK(h.trend() == 2.0);
  // t = 8 s (dt 4): predicted 20.5 + 2 * 4 = 28.5, level 0.5 * 26.5 +
  // 0.5 * 28.5 = 27.5, trend 0.5 * (27.5 - 20.5) / 4 + 0.5 * 2 = 1.875.
  REQUIRE(h.add(26.5, t0 + 8s));
  CHECK(h.level() == 27.5);
  CHECK(h.trend() == 1.875);
  CHECK(h.count() == 6);
}

TEST_CASE("holt: samples at the same time before a trend update the level",
          "[holt][detector]") {
  holt_forecast h{make(0.5, 0.5, 2)};
  REQUIRE(h.add(10, t0));
  // Same time: level 0.5 * 20 + 0.5 * 10 = 15, still no trend.
  REQUIRE(h.add(20, t0));
  CHECK(h.level() == 15.0);
  CHECK(h.trend() == 0.0);
  CHECK(h.warm());
  CHECK_FALSE(h.time_to_reach(100, t0)); // trend 0
  // The first later sample sets the slope: (25 - 15) / 1 = 10, level 25.
  REQUIRE(h.add(25, t0 + 1s));
  CHECK(h.level() == 25.0);
  CHECK(h.trend() == 10.0);
}

TEST_CASE("holt: a straight line is tracked exactly", "[holt][detector]") {
  // x(t) = 3 + 0.5 t at irregular times: after the two-point start every
  // prediction is exact, so level = x and trend = 0.5 whatever alpha and
  // beta are.
  holt_forecast h{make(0.3, 0.1, 2)};
  double t = 0;
  for (double dt : {0.0, 1.0, 0.25, 7.5, 3.0, 0.5, 60.0, 0.125}) {
    t += dt;
    auto at
      = t0 + std::chrono::duration_cast<ts>(std::chrono::duration<double>(t));
    REQUIRE(h.add(3 + 0.5 * t, at));
  }
  CHECK(h.level() == Approx(3 + 0.5 * t));
  CHECK(h.trend() == Approx(0.5));
  // 100 is reached at t = 194: (100 - level) / 0.5 seconds from now.
  auto now = *h.last_sample();
  auto eta = h.time_to_reach(100, now);
  REQUIRE(eta);
  CHECK(std::chrono::duration<double>(*eta).count()
        == Approx((100 - (3 + 0.5 * t)) / 0.5));
}

TEST_CASE("holt: time_to_reach projects from now", "[holt][detector]") {
  holt_forecast h{make(0.5, 0.5, 2)};
  REQUIRE(h.add(10, t0));
  REQUIRE(h.add(14, t0 + 2s));
  REQUIRE(h.add(17, t0 + 3s));
  // Level 16.5, trend 2.25 per second, at t = 3 s.
  // (30 - 16.5) / 2.25 = 6 s.
  CHECK(h.time_to_reach(30, t0 + 3s) == ts{6s});
  // From t = 5 s: level(5 s) = 16.5 + 2.25 * 2 = 21, (30 - 21) / 2.25 = 4 s.
  CHECK(h.time_to_reach(30, t0 + 5s) == ts{4s});
  // A `now` before the last sample counts as the last sample's time.
  CHECK(h.time_to_reach(30, t0) == ts{6s});
  // Exactly at the limit: 0.
  CHECK(h.time_to_reach(16.5, t0 + 3s) == ts{0});
  // Already past it (rising above 10): no crossing ahead.
  CHECK_FALSE(h.time_to_reach(10, t0 + 3s));
  // Passed by t = 10 s: level(10 s) = 16.5 + 2.25 * 7 = 32.25 > 30.
  CHECK_FALSE(h.time_to_reach(30, t0 + 10s));
  // Rounded up to whole nanoseconds: (17 - 16.5) / 2.25 = 0.2222... s.
  CHECK(h.time_to_reach(17, t0 + 3s) == ts{222'222'223});
  // NaN and infinite limits are never reached.
  CHECK_FALSE(h.time_to_reach(qnan, t0 + 3s));
  CHECK_FALSE(h.time_to_reach(pos_inf, t0 + 3s));
  CHECK_FALSE(h.time_to_reach(-pos_inf, t0 + 3s));
}

TEST_CASE("holt: a falling series reaches a lower limit", "[holt][detector]") {
  // Free memory falling by 2 MB per second from 1000 MB.
  holt_forecast h{make(0.5, 0.5, 3)};
  REQUIRE(h.add(1000, t0));
  REQUIRE(h.add(980, t0 + 10s));
  CHECK_FALSE(h.time_to_reach(100, t0 + 10s)); // not warm yet
  REQUIRE(h.add(960, t0 + 20s));
  CHECK(h.trend() == -2.0);
  // (100 - 960) / -2 = 430 s.
  CHECK(h.time_to_reach(100, t0 + 20s) == ts{430s});
  // A limit above a falling series is never reached.
  CHECK_FALSE(h.time_to_reach(2000, t0 + 20s));
}

TEST_CASE("holt: flat trends and far crossings give no answer",
          "[holt][detector]") {
  holt_forecast flat{make(0.5, 0.5, 2)};
  REQUIRE(flat.add(5, t0));
  REQUIRE(flat.add(5, t0 + 1s));
  CHECK(flat.trend() == 0.0);
  CHECK_FALSE(flat.time_to_reach(6, t0 + 1s));
  CHECK_FALSE(flat.time_to_reach(5, t0 + 1s)); // flat, even at the limit
  // A trend of 2^-30 per second needs 2^30 s (34 years) for 1 unit: within
  // the horizon; 2^-33 per second needs 2^33 s (272 years): beyond it.
  holt_forecast slow{make(0.5, 0.5, 2)};
  REQUIRE(slow.add(0, t0));
  REQUIRE(slow.add(std::ldexp(1.0, -30), t0 + 1s));
  CHECK(slow.time_to_reach(1 + std::ldexp(1.0, -30), t0 + 1s)
        == ts{std::chrono::seconds(int64_t{1} << 30)});
  holt_forecast slower{make(0.5, 0.5, 2)};
  REQUIRE(slower.add(0, t0));
  REQUIRE(slower.add(std::ldexp(1.0, -33), t0 + 1s));
  CHECK_FALSE(slower.time_to_reach(1 + std::ldexp(1.0, -33), t0 + 1s));
  CHECK(holt_forecast::max_horizon == ts{24h * 36525});
}

TEST_CASE("holt: time_to_reach waits for warm_up samples", "[holt][detector]") {
  holt_forecast h{make(0.5, 0.5, 4)};
  REQUIRE(h.add(0, t0));
  REQUIRE(h.add(1, t0 + 1s));
  REQUIRE(h.add(2, t0 + 2s));
  CHECK_FALSE(h.warm());
  CHECK_FALSE(h.time_to_reach(10, t0 + 2s));
  CHECK(h.forecast(1s) == 3.0); // forecast answers at once
  REQUIRE(h.add(3, t0 + 3s));
  CHECK(h.warm());
  CHECK(h.time_to_reach(10, t0 + 3s) == ts{7s});
}

TEST_CASE("holt: samples back in time, NaN and infinity are rejected",
          "[holt][detector]") {
  holt_forecast h{make(0.5, 0.5, 2)};
  REQUIRE(h.add(10, t0));
  REQUIRE(h.add(14, t0 + 2s));
  CHECK_FALSE(h.add(100, t0 + 1s));
  CHECK_FALSE(h.add(qnan, t0 + 3s));
  CHECK_FALSE(h.add(pos_inf, t0 + 3s));
  CHECK_FALSE(h.add(-pos_inf, t0 + 3s));
  CHECK(h.rejected() == 4);
  CHECK(h.count() == 2);
  CHECK(h.level() == 14.0);
  CHECK(h.trend() == 2.0);
  CHECK(h.last_sample() == t0 + 2s);
  // Finite but huge values enter as +-max_sample.
  REQUIRE(h.add(dbl_max, t0 + 3s));
  CHECK(std::isfinite(h.level()));
  CHECK(std::isfinite(h.trend()));
}

TEST_CASE("holt: level and trend are clamped to max_state",
          "[holt][detector]") {
  holt_forecast h{make(0.5, 1.0, 2)};
  REQUIRE(h.add(-dbl_max, t0));
  // (1e150 - -1e150) / 1e-9 s = 2e159 per second: within max_state.
  REQUIRE(h.add(dbl_max, t0 + 1ns));
  CHECK(h.level() == 1e150);
  CHECK(h.trend() == Approx(2e159));
  // Alternating steps of 1 ns and of a year blow the state up by many
  // orders of magnitude per round (100 years in all); the clamps hold it.
  auto t = t0 + 1ns;
  bool clamped = false;
  for (int i = 0; i < 200; ++i) {
    t += i % 2 == 0 ? ts{1} : ts{24h * 365};
    REQUIRE(h.add(i % 4 < 2 ? -dbl_max : dbl_max, t));
    REQUIRE(std::fabs(h.level()) <= holt_forecast::max_state);
    REQUIRE(std::fabs(h.trend()) <= holt_forecast::max_state);
    clamped = clamped || std::fabs(h.level()) == holt_forecast::max_state
              || std::fabs(h.trend()) == holt_forecast::max_state;
  }
  CHECK(clamped);
  CHECK(std::isfinite(h.forecast(ts::max())));
  CHECK(std::isfinite(h.forecast(ts::min())));
  auto eta = h.time_to_reach(0, t);
  CHECK((!eta || *eta <= holt_forecast::max_horizon));
}

TEST_CASE("holt: reset() forgets the samples", "[holt][detector]") {
  holt_forecast h{make(0.5, 0.5, 2)};
  REQUIRE(h.add(10, t0));
  REQUIRE(h.add(20, t0 + 1s));
  CHECK_FALSE(h.add(1, t0));
  h.reset();
  CHECK(h.count() == 0);
  CHECK(h.level() == 0.0);
  CHECK(h.trend() == 0.0);
  CHECK_FALSE(h.last_sample());
  CHECK(h.rejected() == 1);
  // Any time is fine after a reset; the trend starts over.
  REQUIRE(h.add(1, t0 - 1h));
  REQUIRE(h.add(2, t0 - 1h + 1s));
  CHECK(h.trend() == 1.0);
}

TEST_CASE("holt settings: defaults and boundary values are valid",
          "[holt][detector]") {
  holt_settings s;
  CHECK(!s.validate());
  CHECK(s.name == "holt");
  CHECK(s.alpha == 0.3);
  CHECK(s.beta == 0.1);
  CHECK(s.warm_up == 5);
  CHECK(!make(1.0, 1.0, 2).validate());
  auto tiny = std::numeric_limits<double>::min();
  CHECK(!make(tiny, tiny, 1000000).validate());
}

TEST_CASE("holt settings: validate() names the forecast and the field",
          "[holt][detector]") {
  std::vector<bad_setting<holt_settings>> cases{
    {"alpha", "0", make(0, 0.1, 5)},
    {"alpha", "-1", make(-1, 0.1, 5)},
    {"alpha", "1.01", make(1.01, 0.1, 5)},
    {"alpha", "nan", make(qnan, 0.1, 5)},
    {"beta", "0", make(0.3, 0, 5)},
    {"beta", "2", make(0.3, 2, 5)},
    {"beta", "inf", make(0.3, pos_inf, 5)},
    {"warm_up", "1", make(0.3, 0.1, 1)},
    {"warm_up", "0", make(0.3, 0.1, 0)},
  };
  check_rejected(cases, "holt forecast 'disk': ");
  auto s = make(0.3, 0.1, 5);
  s.name.clear();
  REQUIRE(s.validate());
  CHECK(contains(context_of(s.validate()), "empty name"));
}

TEST_CASE("holt: invalid settings are replaced by the nearest valid ones",
          "[holt][detector]") {
  holt_forecast h{make(qnan, -1, 0)};
  CHECK(h.settings().alpha == 0.3);
  CHECK(h.settings().beta == std::numeric_limits<double>::min());
  CHECK(h.settings().warm_up == 2);
  holt_forecast g{make(5, pos_inf, 1)};
  CHECK(g.settings().alpha == 1.0);
  CHECK(g.settings().beta == 1.0);
}

TEST_CASE("holt: no NaN or infinity over millions of random inputs",
          "[holt][detector]") {
  std::mt19937_64 rng{31337};
  const double specials[] = {0.0,
                             -0.0,
                             1.0,
                             std::numeric_limits<double>::min(),
                             std::numeric_limits<double>::denorm_min(),
                             dbl_max,
                             -dbl_max,
                             1e150,
                             -1e150,
                             pos_inf,
                             -pos_inf,
                             qnan};
  std::uniform_int_distribution<size_t> pick{0, std::size(specials) - 1};
  std::uniform_real_distribution<double> exponent{-320.0, 308.0};
  std::normal_distribution<double> normal{0.0, 1.0};
  std::uniform_int_distribution<int> kind{0, 3};
  auto draw = [&] {
    switch (kind(rng)) {
      case 0:
        return specials[pick(rng)];
      case 1:
        return std::pow(10.0, exponent(rng)) * (rng() % 2 ? 1 : -1);
      default:
        return normal(rng) * 100;
    }
  };
  std::uniform_int_distribution<int64_t> any_ns{
    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  std::uniform_int_distribution<int64_t> step_ns{0, 10'000'000'000};
  std::uniform_int_distribution<int> step_kind{0, 9};
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  size_t bad = 0;
  size_t ops = 0;
  std::string first_bad;
  for (int round = 0; round < 100; ++round) {
    auto rate = [&] {
      return round % 7 == 0
               ? 1.0
               : std::max(unit(rng), std::numeric_limits<double>::min());
    };
    holt_forecast h{make(rate(), rate(), 2 + round % 3)};
    auto t = time_point{} + ts{any_ns(rng) / 2};
    for (int i = 0; i < 5000; ++i) {
      switch (step_kind(rng)) {
        case 0:
          t = time_point{} + ts{any_ns(rng)};
          break;
        case 1:
          break; // same time
        case 2:
          if (t < time_point::max() - 1ns)
            t += 1ns;
          break;
        default:
          if (t < time_point::max() - 10s)
            t += ts{step_ns(rng)};
      }
      h.add(draw(), t);
      auto ahead = ts{any_ns(rng)};
      auto f = h.forecast(ahead);
      auto probe = rng() % 4 == 0 ? time_point{} + ts{any_ns(rng)} : t;
      auto eta = h.time_to_reach(draw(), probe);
      ops += 3;
      auto ok
        = std::isfinite(f) && std::isfinite(h.level())
          && std::isfinite(h.trend())
          && (!eta
              || (eta->count() >= 0 && *eta <= holt_forecast::max_horizon));
      if (!ok && bad++ == 0)
        first_bad = "round " + std::to_string(round) + " step "
                    + std::to_string(i);
    }
  }
  CAPTURE(first_bad, ops);
  CHECK(bad == 0);
}
