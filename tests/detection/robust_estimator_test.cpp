// robust_estimator as a pure value: median, MAD and modified z-scores
// against hand-computed values (odd and even windows, wraparound, outliers),
// against a sorting model for random series and window sizes, warm-up, the
// MAD floor, rejected and clamped samples, reset, validate(), and no NaN or
// infinity over millions of random and extreme samples.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "remedy/detection/robust_estimator.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;

namespace {

const double dbl_max = std::numeric_limits<double>::max();

robust_settings make(uint32_t window, uint32_t warm_up, double min_mad = 1e-9) {
  robust_settings s;
  s.name = "queue-depth";
  s.window = window;
  s.warm_up = warm_up;
  s.min_mad = min_mad;
  return s;
}

void add_all(robust_estimator& e, std::initializer_list<double> xs) {
  for (auto x : xs)
    REQUIRE(e.add(x));
}

// The reference: sort, take the middle (or the halves of the two middles).
double model_median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  auto n = xs.size();
  if (n % 2 == 1)
    return xs[n / 2];
  return xs[n / 2 - 1] / 2 + xs[n / 2] / 2;
}


} // namespace

TEST_CASE("robust: median, MAD and score of an odd window",
          "[robust][detector]") {
  robust_estimator e{make(5, 3)};
  add_all(e, {1, 2, 3, 4, 100});
  // Sorted 1 2 3 4 100: median 3. Deviations 2 1 0 1 97, sorted
  // 0 1 1 2 97: MAD 1.
  CHECK(e.median() == 3.0);
  CHECK(e.mad() == 1.0);
  CHECK(e.size() == 5);
  CHECK(e.count() == 5);
  // score(10) = 0.6745 * (10 - 3) / 1 = 4.7215.
  CHECK(e.score(10) == Approx(4.7215).epsilon(1e-12));
  CHECK(e.score(3) == 0.0);
  // score(1) = 0.6745 * -2 = -1.349.
  CHECK(e.score(1) == Approx(-1.349).epsilon(1e-12));
}

TEST_CASE("robust: an even window averages the two middle values",
          "[robust][detector]") {
  robust_estimator e{make(4, 1)};
  add_all(e, {10, 1, 3, 2});
  // Sorted 1 2 3 10: median (2 + 3) / 2 = 2.5. Deviations 7.5 1.5 0.5 0.5,
  // sorted 0.5 0.5 1.5 7.5: MAD (0.5 + 1.5) / 2 = 1.
  CHECK(e.median() == 2.5);
  CHECK(e.mad() == 1.0);
  // score(4.5) = 0.6745 * 2 / 1 = 1.349.
  CHECK(e.score(4.5) == Approx(1.349).epsilon(1e-12));
}

TEST_CASE("robust: the window keeps the last N samples as it wraps",
          "[robust][detector]") {
  robust_estimator e{make(3, 1)};
  add_all(e, {1, 2, 3});
  CHECK(e.median() == 2.0);
  add_all(e, {10, 20});
  // Window 3 10 20: median 10, deviations 7 0 10: MAD 7.
  CHECK(e.size() == 3);
  CHECK(e.count() == 5);
  CHECK(e.median() == 10.0);
  CHECK(e.mad() == 7.0);
  // score(24) = 0.6745 * 14 / 7 = 1.349.
  CHECK(e.score(24) == Approx(1.349).epsilon(1e-12));
  // One more: 10 20 -5: median 10, deviations 0 10 15: MAD 10.
  REQUIRE(e.add(-5));
  CHECK(e.median() == 10.0);
  CHECK(e.mad() == 10.0);
}

TEST_CASE("robust: an outlier barely moves the median and MAD",
          "[robust][detector]") {
  robust_estimator e{make(11, 5)};
  add_all(e, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  // 1..10: median 5.5, deviations 4.5 3.5 2.5 1.5 0.5 0.5 1.5 2.5 3.5 4.5:
  // MAD (2.5 + 2.5) / 2 = 2.5.
  CHECK(e.median() == 5.5);
  CHECK(e.mad() == 2.5);
  REQUIRE(e.add(1e6));
  // 1..10, 1e6: median 6, deviations 5 4 3 2 1 0 1 2 3 4 (1e6 - 6): sorted
  // 0 1 1 2 2 3 3 4 4 5 999994: MAD 3.
  CHECK(e.median() == 6.0);
  CHECK(e.mad() == 3.0);
  // The outlier itself scores 0.6745 * 999994 / 3 = 224831.98.
  CHECK(e.score(1e6) == Approx(0.6745 * 999994.0 / 3.0));
  CHECK(e.score(8) == Approx(0.6745 * 2.0 / 3.0));
}

TEST_CASE("robust: median and MAD match a sorting model for random series",
          "[robust][detector]") {
  for (uint32_t window : {1u, 2u, 3u, 7u, 64u, 101u}) {
    CAPTURE(window);
    robust_estimator e{make(window, 1)};
    std::deque<double> model;
    std::mt19937_64 rng{window};
    std::lognormal_distribution<double> skewed{0.0, 1.5};
    std::uniform_int_distribution<int> ties{0, 4};
    for (int i = 0; i < 3000; ++i) {
      // Plenty of ties (rounded values) and a heavy right tail.
      auto x = i % 3 == 0 ? static_cast<double>(ties(rng)) : skewed(rng);
      REQUIRE(e.add(x));
      model.push_back(x);
      if (model.size() > window)
        model.pop_front();
      std::vector<double> xs(model.begin(), model.end());
      auto median = model_median(xs);
      for (auto& v : xs)
        v = std::fabs(v - median);
      auto mad = model_median(xs);
      CAPTURE(i);
      REQUIRE(e.size() == model.size());
      REQUIRE(e.median() == median);
      REQUIRE(e.mad() == mad);
    }
  }
}

TEST_CASE("robust: score is 0 until warm_up samples were added",
          "[robust][detector]") {
  robust_estimator e{make(10, 3)};
  CHECK(e.score(1e9) == 0.0);
  CHECK(e.median() == 0.0);
  CHECK(e.mad() == 0.0);
  add_all(e, {1, 2});
  CHECK_FALSE(e.warm());
  CHECK(e.score(1e9) == 0.0);
  CHECK_FALSE(e.add(qnan));
  CHECK_FALSE(e.warm());
  REQUIRE(e.add(3));
  CHECK(e.warm());
  CHECK(e.score(1e9) > 0.0);
}

TEST_CASE("robust: min_mad floors the MAD of a mostly constant window",
          "[robust][detector]") {
  robust_estimator e{make(5, 1, 0.01)};
  add_all(e, {5, 5, 5, 9, 5});
  // Median 5, deviations 0 0 0 4 0: MAD 0, floored to 0.01.
  CHECK(e.median() == 5.0);
  CHECK(e.mad() == 0.0);
  // score(6) = 0.6745 * 1 / 0.01 = 67.45.
  CHECK(e.score(6) == Approx(67.45).epsilon(1e-12));
  CHECK(e.score(5) == 0.0);
}

TEST_CASE("robust: NaN and infinite samples are rejected, huge ones clamped",
          "[robust][detector]") {
  robust_estimator e{make(3, 1)};
  REQUIRE(e.add(1));
  CHECK_FALSE(e.add(qnan));
  CHECK_FALSE(e.add(pos_inf));
  CHECK_FALSE(e.add(-pos_inf));
  CHECK(e.rejected() == 3);
  CHECK(e.count() == 1);
  CHECK(e.size() == 1);
  CHECK(e.score(qnan) == 0.0);
  CHECK(e.score(pos_inf) == e.score(robust_estimator::max_sample));
  REQUIRE(e.add(dbl_max));
  REQUIRE(e.add(-dbl_max));
  // Window 1, 1e150, -1e150: median 1, deviations 0, 1e150 - 1, 1e150 + 1.
  CHECK(e.median() == 1.0);
  CHECK(e.mad() == Approx(1e150));
  // The largest possible score stays finite: 0.6745 * 2e150 / 1e-9 is
  // 1.349e159.
  robust_estimator f{make(1, 1)};
  REQUIRE(f.add(-dbl_max));
  CHECK(f.score(dbl_max) == Approx(0.6745 * 2e150 / 1e-9));
  robust_estimator g{make(1, 1, std::numeric_limits<double>::min())};
  REQUIRE(g.add(-dbl_max));
  CHECK(g.score(dbl_max) == robust_estimator::max_score);
  CHECK(g.score(-dbl_max) == 0.0);
}

TEST_CASE("robust: reset() forgets the samples", "[robust][detector]") {
  robust_estimator e{make(3, 1)};
  add_all(e, {1, 2, 3, 4});
  e.reset();
  CHECK(e.size() == 0);
  CHECK(e.count() == 0);
  CHECK(e.median() == 0.0);
  CHECK_FALSE(e.warm());
  add_all(e, {7});
  CHECK(e.median() == 7.0);
  CHECK(e.size() == 1);
}

TEST_CASE("robust settings: defaults and boundary values are valid",
          "[robust][detector]") {
  robust_settings s;
  CHECK(!s.validate());
  CHECK(s.name == "robust");
  CHECK(s.window == 100);
  CHECK(s.warm_up == 30);
  CHECK(s.min_mad == 1e-9);
  CHECK(!make(1, 1).validate());
  CHECK(!make(65536, 65536).validate());
  CHECK(!make(10, 10, std::numeric_limits<double>::min()).validate());
  CHECK(!make(10, 1, dbl_max).validate());
}

TEST_CASE("robust settings: validate() names the estimator and the field",
          "[robust][detector]") {
  std::vector<bad_setting<robust_settings>> cases{
    {"window", "0", make(0, 1)},
    {"window", "65537", make(65537, 1)},
    {"warm_up", "0", make(10, 0)},
    {"warm_up", "11", make(10, 11)},
    {"min_mad", "0", make(10, 1, 0)},
    {"min_mad", "-1", make(10, 1, -1)},
    {"min_mad", "nan", make(10, 1, qnan)},
    {"min_mad", "inf", make(10, 1, pos_inf)},
  };
  check_rejected(cases, "robust estimator 'queue-depth': ");
  auto s = make(10, 1);
  s.name.clear();
  REQUIRE(s.validate());
  CHECK(contains(context_of(s.validate()), "empty name"));
}

TEST_CASE("robust: invalid settings are replaced by the nearest valid ones",
          "[robust][detector]") {
  robust_estimator e{make(0, 0, qnan)};
  CHECK(e.settings().window == 1);
  CHECK(e.settings().warm_up == 1);
  CHECK(e.settings().min_mad == 1e-9);
  robust_estimator f{make(100000, 200000, -1)};
  CHECK(f.settings().window == 65536);
  CHECK(f.settings().warm_up == 65536);
  CHECK(f.settings().min_mad > 0.0);
}

TEST_CASE("robust: no NaN or infinity over millions of random samples",
          "[robust][detector]") {
  std::mt19937_64 rng{1234};
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
        return normal(rng);
    }
  };
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  size_t bad = 0;
  size_t samples = 0;
  std::string first_bad;
  for (int round = 0; round < 100; ++round) {
    auto window = static_cast<uint32_t>(1 + round % 9);
    auto min_mad = round % 3 == 0 ? std::numeric_limits<double>::min()
                                  : std::pow(10.0, -300.0 * unit(rng));
    robust_estimator e{make(window, 1, min_mad)};
    for (int i = 0; i < 10000; ++i) {
      auto x = draw();
      auto z = e.score(x);
      e.add(x);
      ++samples;
      if (!std::isfinite(z) || !std::isfinite(e.median())
          || !std::isfinite(e.mad()) || e.mad() < 0
          || std::fabs(z) > robust_estimator::max_score) {
        if (bad++ == 0)
          first_bad = "round " + std::to_string(round) + " sample "
                      + std::to_string(i) + " x " + std::to_string(x);
      }
    }
  }
  CAPTURE(first_bad, samples);
  CHECK(bad == 0);
}
