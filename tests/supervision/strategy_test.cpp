// restart_set as a pure function: which children restart under each OTP
// strategy, for the first, a middle and the last child, out-of-range
// positions, a single child, and an exhaustive check against a model.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "remedy/supervision/strategy.hpp"

using namespace remedy;

namespace {

using positions = std::vector<size_t>;

constexpr strategy all_strategies[] = {
  strategy::one_for_one,
  strategy::one_for_all,
  strategy::rest_for_one,
  strategy::simple_one_for_one,
};

// The reference model, written independently of the implementation.
positions model(strategy s, size_t failed, size_t count) {
  positions result;
  for (size_t i = 0; i < count; ++i) {
    if (failed >= count)
      break;
    bool in = false;
    switch (s) {
      case strategy::one_for_one:
      case strategy::simple_one_for_one:
        in = i == failed;
        break;
      case strategy::one_for_all:
        in = true;
        break;
      case strategy::rest_for_one:
        in = i >= failed;
        break;
    }
    if (in)
      result.push_back(i);
  }
  return result;
}

} // namespace

TEST_CASE("strategy names are OTP's", "[strategy]") {
  CHECK(std::string{to_string(strategy::one_for_one)} == "one_for_one");
  CHECK(std::string{to_string(strategy::one_for_all)} == "one_for_all");
  CHECK(std::string{to_string(strategy::rest_for_one)} == "rest_for_one");
  CHECK(std::string{to_string(strategy::simple_one_for_one)}
        == "simple_one_for_one");
  CHECK(std::string{to_string(static_cast<strategy>(42))}
        == "<invalid strategy>");
}

TEST_CASE("restart_set: one_for_one restarts only the failed child", "[strategy]") {
  CHECK(restart_set(strategy::one_for_one, 0, 5) == positions{0});
  CHECK(restart_set(strategy::one_for_one, 2, 5) == positions{2});
  CHECK(restart_set(strategy::one_for_one, 4, 5) == positions{4});
}

TEST_CASE("restart_set: simple_one_for_one restarts only the failed child", "[strategy]") {
  CHECK(restart_set(strategy::simple_one_for_one, 0, 5) == positions{0});
  CHECK(restart_set(strategy::simple_one_for_one, 2, 5) == positions{2});
  CHECK(restart_set(strategy::simple_one_for_one, 4, 5) == positions{4});
}

TEST_CASE("restart_set: one_for_all restarts every child in start order", "[strategy]") {
  positions all{0, 1, 2, 3, 4};
  CHECK(restart_set(strategy::one_for_all, 0, 5) == all);
  CHECK(restart_set(strategy::one_for_all, 2, 5) == all);
  CHECK(restart_set(strategy::one_for_all, 4, 5) == all);
}

TEST_CASE("restart_set: rest_for_one restarts the failed child and every later one",
          "[strategy]") {
  CHECK(restart_set(strategy::rest_for_one, 0, 5) == positions{0, 1, 2, 3, 4});
  CHECK(restart_set(strategy::rest_for_one, 2, 5) == positions{2, 3, 4});
  CHECK(restart_set(strategy::rest_for_one, 4, 5) == positions{4});
}

TEST_CASE("restart_set: a failed position at or past count gives an empty set",
          "[strategy]") {
  constexpr auto huge = std::numeric_limits<size_t>::max();
  for (auto s : all_strategies) {
    CAPTURE(to_string(s));
    CHECK(restart_set(s, 5, 5).empty());
    CHECK(restart_set(s, 6, 5).empty());
    CHECK(restart_set(s, huge, 5).empty());
    CHECK(restart_set(s, 0, 0).empty());
    CHECK(restart_set(s, huge, 0).empty());
    CHECK(restart_set(s, huge, huge).empty());
  }
}

TEST_CASE("restart_set: a single child restarts alone under every strategy",
          "[strategy]") {
  for (auto s : all_strategies) {
    CAPTURE(to_string(s));
    CHECK(restart_set(s, 0, 1) == positions{0});
    CHECK(restart_set(s, 1, 1).empty());
  }
}

TEST_CASE("restart_set: the last of size_t positions does not overflow", "[strategy]") {
  constexpr auto huge = std::numeric_limits<size_t>::max();
  CHECK(restart_set(strategy::one_for_one, huge - 1, huge)
        == positions{huge - 1});
  CHECK(restart_set(strategy::rest_for_one, huge - 1, huge)
        == positions{huge - 1});
  CHECK(restart_set(strategy::simple_one_for_one, huge - 1, huge)
        == positions{huge - 1});
}

TEST_CASE("restart_set matches the model for every strategy and position",
          "[strategy]") {
  for (auto s : all_strategies) {
    for (size_t count = 0; count <= 9; ++count) {
      for (size_t failed = 0; failed <= count + 2; ++failed) {
        CAPTURE(to_string(s), failed, count);
        auto got = restart_set(s, failed, count);
        REQUIRE(got == model(s, failed, count));
        // Always in start order, without duplicates, and containing the
        // failed child whenever it exists.
        for (size_t i = 1; i < got.size(); ++i)
          REQUIRE(got[i - 1] < got[i]);
        if (failed < count)
          REQUIRE(std::find(got.begin(), got.end(), failed) != got.end());
      }
    }
  }
}
