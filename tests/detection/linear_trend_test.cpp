// linear_trend: a least-squares line over a time window.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>

#include "remedy/detection/linear_trend.hpp"

using namespace remedy;
using namespace std::chrono_literals;
using time_point = caf::actor_clock::time_point;

TEST_CASE("linear_trend: an exact line gives its slope, level and crossing",
          "[detection][linear_trend]") {
  linear_trend x{10min, 1024};
  // x = 100 + 2 t (t in s), a point every 5 s for 60 s.
  for (int i = 0; i <= 12; ++i)
    REQUIRE(x.add(100.0 + 2.0 * i * 5, time_point{i * 5s}));
  CHECK(x.slope() == Approx(2.0));
  CHECK(x.level(time_point{60s}) == Approx(220.0));
  CHECK(x.level(time_point{70s}) == Approx(240.0));
  auto ttr = x.time_to_reach(300.0, time_point{60s});
  REQUIRE(ttr);
  CHECK(std::chrono::duration<double>(*ttr).count() == Approx(40.0));
  CHECK_FALSE(x.time_to_reach(0.0, time_point{60s})); // behind it
  CHECK(x.span() == 60s);
}

TEST_CASE("linear_trend: hand-computed fit of scattered points",
          "[detection][linear_trend]") {
  linear_trend x{1h, 16};
  // t = 0, 1, 2, 3 s; x = 1, 3, 2, 6. mean t 1.5, mean x 3;
  // cov = (-1.5)(-2) + (-0.5)(0) + (0.5)(-1) + (1.5)(3) = 3 - 0.5 + 4.5 = 7;
  // var = 2.25 + 0.25 + 0.25 + 2.25 = 5; slope 1.4; level(3) = 3 + 1.4 * 1.5.
  double xs[] = {1, 3, 2, 6};
  for (int i = 0; i < 4; ++i)
    x.add(xs[i], time_point{std::chrono::seconds(i)});
  CHECK(x.slope() == Approx(1.4));
  CHECK(x.level(time_point{3s}) == Approx(5.1));
}

TEST_CASE("linear_trend: old points leave the window, bad input is refused",
          "[detection][linear_trend]") {
  linear_trend x{60s, 1024};
  // A rise for 10 min, then flat for 2 min: the last minute is flat.
  int i = 0;
  for (; i < 600; i += 5)
    x.add(i, time_point{std::chrono::seconds(i)});
  CHECK(x.slope() == Approx(1.0));
  for (; i < 720; i += 5)
    x.add(600, time_point{std::chrono::seconds(i)});
  CHECK(x.slope() == Approx(0.0).margin(1e-12));
  CHECK(x.span() <= 60s);
  CHECK_FALSE(x.time_to_reach(1000, time_point{720s}));
  CHECK_FALSE(x.add(std::nan(""), time_point{800s}));
  CHECK_FALSE(x.add(1, time_point{0s}));
  // max_points bounds memory.
  linear_trend y{1h, 8};
  for (int k = 0; k < 100; ++k)
    y.add(k, time_point{std::chrono::seconds(k)});
  CHECK(y.size() == 8);
  CHECK(y.slope() == Approx(1.0));
}
