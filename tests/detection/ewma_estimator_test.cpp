// ewma_estimator as a pure value: the West/Finch updates against hand-
// computed values and against the closed-form weighted mean and variance,
// z-scores before the update, warm-up, the min_deviation floor, alpha 1,
// rejected and clamped samples, reset, validate(), and no NaN or infinity
// over millions of random and extreme samples.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "remedy/detection/ewma_estimator.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;

namespace {

const double dbl_max = std::numeric_limits<double>::max();

ewma_settings make(double alpha, uint32_t warm_up,
                   double min_deviation = 1e-9) {
  ewma_settings s;
  s.name = "latency";
  s.alpha = alpha;
  s.warm_up = warm_up;
  s.min_deviation = min_deviation;
  return s;
}


} // namespace

TEST_CASE("ewma: mean and variance follow the incremental formulas",
          "[ewma][detector]") {
  ewma_estimator e{make(0.5, 2)};
  CHECK(e.count() == 0);
  CHECK(e.mean() == 0.0);
  CHECK(e.variance() == 0.0);
  // First sample: mean = 10, variance = 0.
  REQUIRE(e.add(10));
  CHECK(e.mean() == 10.0);
  CHECK(e.variance() == 0.0);
  // x = 20: diff = 10, incr = 5, mean = 15, variance = 0.5 * (0 + 10 * 5)
  // = 25.
  REQUIRE(e.add(20));
  CHECK(e.mean() == 15.0);
  CHECK(e.variance() == 25.0);
  CHECK(e.std_deviation() == 5.0);
  // x = 15: diff = 0: mean 15, variance = 0.5 * 25 = 12.5.
  REQUIRE(e.add(15));
  CHECK(e.mean() == 15.0);
  CHECK(e.variance() == 12.5);
  // score(35) against mean 15, deviation sqrt(12.5) = 3.5355339:
  // 20 / 3.5355339 = 5.6568542 (= 4 * sqrt(2)).
  CHECK(e.score(35) == Approx(4.0 * std::sqrt(2.0)).epsilon(1e-12));
  CHECK(e.score(15) == 0.0);
  CHECK(e.score(15 - std::sqrt(12.5)) == Approx(-1.0));
  // x = 35: diff = 20, incr = 10, mean = 25, variance = 0.5 * (12.5 + 200)
  // = 106.25.
  REQUIRE(e.add(35));
  CHECK(e.mean() == 25.0);
  CHECK(e.variance() == 106.25);
  CHECK(e.count() == 4);
}

TEST_CASE("ewma: the estimate equals the closed-form weighted statistics",
          "[ewma][detector]") {
  // After n samples the recurrences give weights (1 - a)^(n - 1) for the
  // first sample and a (1 - a)^(n - k) for sample k >= 2 (they sum to 1),
  // and the variance is the weighted variance around the weighted mean.
  for (double alpha : {0.05, 0.1, 0.3, 0.9}) {
    CAPTURE(alpha);
    std::mt19937_64 rng{42};
    std::normal_distribution<double> normal{100.0, 15.0};
    std::vector<double> xs;
    ewma_estimator e{make(alpha, 1)};
    for (int i = 0; i < 200; ++i) {
      xs.push_back(normal(rng));
      REQUIRE(e.add(xs.back()));
    }
    auto n = xs.size();
    std::vector<double> w(n);
    w[0] = std::pow(1.0 - alpha, static_cast<double>(n - 1));
    for (size_t k = 1; k < n; ++k)
      w[k] = alpha * std::pow(1.0 - alpha, static_cast<double>(n - 1 - k));
    double mean = 0;
    for (size_t k = 0; k < n; ++k)
      mean += w[k] * xs[k];
    double var = 0;
    for (size_t k = 0; k < n; ++k)
      var += w[k] * (xs[k] - mean) * (xs[k] - mean);
    CHECK(e.mean() == Approx(mean).epsilon(1e-10));
    CHECK(e.variance() == Approx(var).epsilon(1e-9));
  }
}

TEST_CASE("ewma: score is 0 until warm_up samples were added",
          "[ewma][detector]") {
  ewma_estimator e{make(0.1, 3)};
  CHECK_FALSE(e.warm());
  CHECK(e.score(1e6) == 0.0);
  REQUIRE(e.add(1));
  REQUIRE(e.add(2));
  CHECK_FALSE(e.warm());
  CHECK(e.score(1e6) == 0.0);
  REQUIRE(e.add(3));
  CHECK(e.warm());
  CHECK(e.score(1e6) > 0.0);
  // Rejected samples do not count towards the warm-up.
  ewma_estimator f{make(0.1, 2)};
  REQUIRE(f.add(1));
  CHECK_FALSE(f.add(qnan));
  CHECK_FALSE(f.warm());
}

TEST_CASE("ewma: min_deviation floors the deviation of a constant series",
          "[ewma][detector]") {
  ewma_estimator e{make(0.2, 1)};
  for (int i = 0; i < 10; ++i)
    REQUIRE(e.add(5));
  CHECK(e.mean() == 5.0);
  CHECK(e.variance() == 0.0);
  CHECK(e.score(5) == 0.0);
  // (6 - 5) / 1e-9 = 1e9.
  CHECK(e.score(6) == Approx(1e9));
  ewma_estimator coarse{make(0.2, 1, 0.5)};
  for (int i = 0; i < 10; ++i)
    REQUIRE(coarse.add(5));
  // (6 - 5) / 0.5 = 2, (3 - 5) / 0.5 = -4.
  CHECK(coarse.score(6) == 2.0);
  CHECK(coarse.score(3) == -4.0);
}

TEST_CASE("ewma: alpha 1 keeps only the last sample", "[ewma][detector]") {
  ewma_estimator e{make(1.0, 1, 0.25)};
  for (double x : {3.0, -7.0, 11.0}) {
    REQUIRE(e.add(x));
    CHECK(e.mean() == x);
    CHECK(e.variance() == 0.0);
  }
  // (12 - 11) / 0.25 = 4.
  CHECK(e.score(12) == 4.0);
}

TEST_CASE("ewma: NaN and infinite samples are rejected, huge ones clamped",
          "[ewma][detector]") {
  ewma_estimator e{make(0.5, 1)};
  REQUIRE(e.add(10));
  CHECK_FALSE(e.add(qnan));
  CHECK_FALSE(e.add(pos_inf));
  CHECK_FALSE(e.add(-pos_inf));
  CHECK(e.rejected() == 3);
  CHECK(e.count() == 1);
  CHECK(e.mean() == 10.0);
  CHECK(e.score(qnan) == 0.0);
  // Scores of infinite values are those of +-max_sample.
  CHECK(e.score(pos_inf) == e.score(ewma_estimator::max_sample));
  CHECK(e.score(-pos_inf) == e.score(-ewma_estimator::max_sample));
  CHECK(std::isfinite(e.score(pos_inf)));
  // A finite but huge sample enters as max_sample = 1e150.
  REQUIRE(e.add(dbl_max));
  CHECK(e.mean() == Approx(0.5 * 1e150));
  REQUIRE(e.add(-dbl_max));
  CHECK(std::isfinite(e.mean()));
  CHECK(std::isfinite(e.variance()));
  CHECK(std::isfinite(e.std_deviation()));
}

TEST_CASE("ewma: scores are clamped to max_score", "[ewma][detector]") {
  ewma_estimator e{make(0.5, 1, std::numeric_limits<double>::min())};
  REQUIRE(e.add(0));
  // 1e150 / 2.2e-308 overflows: clamped.
  CHECK(e.score(1e150) == ewma_estimator::max_score);
  CHECK(e.score(-1e150) == -ewma_estimator::max_score);
  // 1 / 2.2e-308 = 4.5e307: clamped too.
  CHECK(e.score(1) == ewma_estimator::max_score);
}

TEST_CASE("ewma: reset() forgets the samples", "[ewma][detector]") {
  ewma_estimator e{make(0.5, 1)};
  REQUIRE(e.add(10));
  REQUIRE(e.add(20));
  CHECK_FALSE(e.add(qnan));
  e.reset();
  CHECK(e.count() == 0);
  CHECK_FALSE(e.warm());
  CHECK(e.mean() == 0.0);
  CHECK(e.variance() == 0.0);
  CHECK(e.rejected() == 1);
  REQUIRE(e.add(7));
  CHECK(e.mean() == 7.0);
}

TEST_CASE("ewma settings: defaults and boundary values are valid",
          "[ewma][detector]") {
  ewma_settings s;
  CHECK(!s.validate());
  CHECK(s.name == "ewma");
  CHECK(s.alpha == 0.1);
  CHECK(s.warm_up == 30);
  CHECK(s.min_deviation == 1e-9);
  for (auto alpha : {1.0, std::numeric_limits<double>::min(), 0.5}) {
    auto t = make(alpha, 1, std::numeric_limits<double>::min());
    CHECK(!t.validate());
  }
  CHECK(!make(0.1, 1, dbl_max).validate());
}

TEST_CASE("ewma settings: validate() names the estimator and the field",
          "[ewma][detector]") {
  std::vector<bad_setting<ewma_settings>> cases{
    {"alpha", "0", make(0, 30)},
    {"alpha", "-0.1", make(-0.1, 30)},
    {"alpha", "1.5", make(1.5, 30)},
    {"alpha", "nan", make(qnan, 30)},
    {"alpha", "inf", make(pos_inf, 30)},
    {"warm_up", "0", make(0.1, 0)},
    {"min_deviation", "0", make(0.1, 30, 0)},
    {"min_deviation", "-1", make(0.1, 30, -1)},
    {"min_deviation", "nan", make(0.1, 30, qnan)},
    {"min_deviation", "inf", make(0.1, 30, pos_inf)},
  };
  check_rejected(cases, "ewma estimator 'latency': ");
  auto s = make(0.1, 30);
  s.name.clear();
  REQUIRE(s.validate());
  CHECK(contains(context_of(s.validate()), "empty name"));
}

TEST_CASE("ewma: invalid settings are replaced by the nearest valid ones",
          "[ewma][detector]") {
  ewma_estimator nan_alpha{make(qnan, 0, qnan)};
  CHECK(nan_alpha.settings().alpha == 0.1);
  CHECK(nan_alpha.settings().warm_up == 1);
  CHECK(nan_alpha.settings().min_deviation == 1e-9);
  ewma_estimator big_alpha{make(7, 1, -3)};
  CHECK(big_alpha.settings().alpha == 1.0);
  CHECK(big_alpha.settings().min_deviation > 0.0);
  ewma_estimator inf_dev{make(0.5, 1, pos_inf)};
  REQUIRE(inf_dev.add(1));
  // (2 - 1) / max: a denormal, but finite.
  CHECK(inf_dev.score(2) == 1.0 / dbl_max);
}

TEST_CASE("ewma: no NaN or infinity over millions of random samples",
          "[ewma][detector]") {
  std::mt19937_64 rng{99};
  const double specials[] = {0.0,
                             -0.0,
                             1.0,
                             -1.0,
                             std::numeric_limits<double>::min(),
                             std::numeric_limits<double>::denorm_min(),
                             dbl_max,
                             -dbl_max,
                             1e150,
                             -1e150,
                             1e151,
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
        return normal(rng);
    }
  };
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  size_t bad = 0;
  size_t samples = 0;
  std::string first_bad;
  for (int round = 0; round < 100; ++round) {
    auto alpha = round % 10 == 0
                   ? 1.0
                   : std::max(unit(rng), std::numeric_limits<double>::min());
    auto min_dev = round % 3 == 0 ? std::numeric_limits<double>::min()
                                  : std::pow(10.0, -300.0 * unit(rng));
    ewma_estimator e{
      make(alpha, 1 + static_cast<uint32_t>(round % 5), min_dev)};
    for (int i = 0; i < 10000; ++i) {
      auto x = draw();
      auto z = e.score(x);
      e.add(x);
      ++samples;
      if (!std::isfinite(z) || !std::isfinite(e.mean())
          || !std::isfinite(e.variance()) || e.variance() < 0
          || std::fabs(z) > ewma_estimator::max_score) {
        if (bad++ == 0)
          first_bad = "round " + std::to_string(round) + " sample "
                      + std::to_string(i) + " x " + std::to_string(x);
      }
    }
  }
  CAPTURE(first_bad, samples);
  CHECK(bad == 0);
}
