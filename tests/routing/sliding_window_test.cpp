// sliding_window as a pure value: count-based totals stay exact as the ring
// wraps (sizes 1, 3, 64, 1000, checked against a model after every call),
// time-based buckets expire exactly at the second boundary, long gaps, a
// clock that goes backwards (also below the clock's epoch) never corrupts
// the totals, and clear().

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "remedy/routing/sliding_window.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

using time_point = sliding_window::time_point;

// A second-aligned origin far from the clock's epoch.
const time_point t0 = time_point{} + 1000h;

struct outcome {
  bool failure;
  bool slow;
};

// The reference model of a count-based window: the last `size` outcomes.
window_totals last_n(const std::deque<outcome>& xs) {
  window_totals result;
  for (auto& x : xs) {
    result.calls += 1;
    result.failures += x.failure ? 1 : 0;
    result.slow += x.slow ? 1 : 0;
  }
  return result;
}

// The reference model of a time-based window: every call whose (clamped)
// second lies in (now - size, now].
struct timed_outcome {
  int64_t second;
  outcome what;
};

window_totals last_seconds(const std::vector<timed_outcome>& xs, int64_t now,
                           uint32_t size) {
  window_totals result;
  for (auto& x : xs) {
    if (x.second > now - static_cast<int64_t>(size) && x.second <= now) {
      result.calls += 1;
      result.failures += x.what.failure ? 1 : 0;
      result.slow += x.what.slow ? 1 : 0;
    }
  }
  return result;
}

int64_t floor_seconds(time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

#define CHECK_TOTALS(actual, expected)                                         \
  do {                                                                         \
    auto actual_ = (actual);                                                   \
    auto expected_ = (expected);                                               \
    CHECK(actual_.calls == expected_.calls);                                   \
    CHECK(actual_.failures == expected_.failures);                             \
    CHECK(actual_.slow == expected_.slow);                                     \
  } while (false)

window_totals totals_of(uint64_t calls, uint64_t failures, uint64_t slow) {
  window_totals result;
  result.calls = calls;
  result.failures = failures;
  result.slow = slow;
  return result;
}

} // namespace

// -- window_totals ------------------------------------------------------------

TEST_CASE("window_totals rates are 0 without calls and exact otherwise",
          "[window]") {
  window_totals none;
  CHECK(none.failure_rate() == 0.0);
  CHECK(none.slow_rate() == 0.0);
  CHECK(totals_of(10, 5, 3).failure_rate() == 0.5);
  CHECK(totals_of(10, 5, 3).slow_rate() == 0.3);
  CHECK(totals_of(4, 4, 4).failure_rate() == 1.0);
  CHECK(totals_of(4, 0, 0).failure_rate() == 0.0);
}

TEST_CASE("to_string(window_kind) names both kinds", "[window]") {
  CHECK(std::string{to_string(window_kind::count_based)} == "count_based");
  CHECK(std::string{to_string(window_kind::time_based)} == "time_based");
}

// -- count-based --------------------------------------------------------------

TEST_CASE("a new window is empty", "[window]") {
  for (auto kind : {window_kind::count_based, window_kind::time_based}) {
    sliding_window w{kind, 5};
    CHECK(w.kind() == kind);
    CHECK(w.size() == 5);
    CHECK_TOTALS(w.totals(t0), totals_of(0, 0, 0));
    CHECK_TOTALS(w.totals(time_point{}), totals_of(0, 0, 0));
  }
}

TEST_CASE("a window of size 0 behaves as size 1", "[window]") {
  for (auto kind : {window_kind::count_based, window_kind::time_based}) {
    sliding_window w{kind, 0};
    CHECK(w.size() == 1);
    w.record(t0, true, false);
    w.record(t0, false, true);
    if (kind == window_kind::count_based)
      CHECK_TOTALS(w.totals(t0), totals_of(1, 0, 1));
    else
      CHECK_TOTALS(w.totals(t0), totals_of(2, 1, 1));
  }
}

TEST_CASE("count-based totals stay exact as the ring wraps", "[window]") {
  for (uint32_t size : {1u, 3u, 64u, 1000u}) {
    CAPTURE(size);
    sliding_window w{window_kind::count_based, size};
    std::deque<outcome> model;
    std::mt19937 gen{size};
    std::bernoulli_distribution coin{0.4};
    auto t = t0;
    // Fill, wrap three times, and stop off the ring's boundary.
    auto n = 3 * size + size / 2 + 7;
    for (uint32_t i = 0; i < n; ++i) {
      outcome x{coin(gen), coin(gen)};
      w.record(t, x.failure, x.slow);
      model.push_back(x);
      if (model.size() > size)
        model.pop_front();
      auto expected = last_n(model);
      auto actual = w.totals(t);
      if (actual.calls != expected.calls || actual.failures != expected.failures
          || actual.slow != expected.slow) {
        CAPTURE(i);
        CHECK_TOTALS(actual, expected);
        break;
      }
      t += 10ms;
    }
    CHECK(w.totals(t).calls == size);
    CHECK_TOTALS(w.totals(t), last_n(model));
  }
}

TEST_CASE("count-based: the oldest call leaves exactly when call N+1 arrives",
          "[window]") {
  sliding_window w{window_kind::count_based, 3};
  auto t = t0;
  w.record(t, true, true); // leaves with the 4th call
  w.record(t, false, false);
  w.record(t, false, true);
  CHECK_TOTALS(w.totals(t), totals_of(3, 1, 2));
  w.record(t, false, false);
  CHECK_TOTALS(w.totals(t), totals_of(3, 0, 1));
  w.record(t, true, false);
  CHECK_TOTALS(w.totals(t), totals_of(3, 1, 1));
  w.record(t, true, false);
  CHECK_TOTALS(w.totals(t), totals_of(3, 2, 0));
}

TEST_CASE("count-based windows ignore time", "[window]") {
  sliding_window w{window_kind::count_based, 4};
  w.record(t0, true, false);
  w.record(t0 + 1h, false, true);
  CHECK_TOTALS(w.totals(t0 + 24h), totals_of(2, 1, 1));
  CHECK_TOTALS(w.totals(time_point{}), totals_of(2, 1, 1));
}

TEST_CASE("clear() forgets everything and the window refills exactly",
          "[window]") {
  for (auto kind : {window_kind::count_based, window_kind::time_based}) {
    CAPTURE(to_string(kind));
    sliding_window w{kind, 3};
    auto t = t0;
    for (int i = 0; i < 5; ++i) {
      w.record(t, true, true);
      t += 300ms;
    }
    w.clear();
    CHECK_TOTALS(w.totals(t), totals_of(0, 0, 0));
    w.record(t, false, true);
    CHECK_TOTALS(w.totals(t), totals_of(1, 0, 1));
    t += 10ms;
    w.record(t, true, false);
    w.record(t, false, false);
    CHECK_TOTALS(w.totals(t), totals_of(3, 1, 1));
    if (kind == window_kind::count_based) {
      w.record(t, false, false); // pushes out the first call after clear()
      CHECK_TOTALS(w.totals(t), totals_of(3, 1, 0));
    }
  }
}

// -- time-based ---------------------------------------------------------------

TEST_CASE("time-based buckets expire exactly at the second boundary",
          "[window]") {
  // A window of 3 s covers the current second and the two before it.
  sliding_window w{window_kind::time_based, 3};
  w.record(t0 + 500ms, true, false); // second 0
  w.record(t0 + 1s, false, true);    // second 1
  w.record(t0 + 2s - 1ns, false, false);
  CHECK_TOTALS(w.totals(t0 + 1s), totals_of(3, 1, 1));
  CHECK_TOTALS(w.totals(t0 + 3s - 1ns), totals_of(3, 1, 1));
  // Second 0 leaves at 3 s, not a nanosecond earlier or later.
  CHECK_TOTALS(w.totals(t0 + 3s), totals_of(2, 0, 1));
  CHECK_TOTALS(w.totals(t0 + 4s - 1ns), totals_of(2, 0, 1));
  CHECK_TOTALS(w.totals(t0 + 4s), totals_of(0, 0, 0));
}

TEST_CASE("time-based: many calls in one second share a bucket", "[window]") {
  sliding_window w{window_kind::time_based, 2};
  for (int i = 0; i < 1000; ++i)
    w.record(t0 + std::chrono::microseconds{i * 999}, i % 2 == 0, i % 5 == 0);
  CHECK_TOTALS(w.totals(t0 + 999ms), totals_of(1000, 500, 200));
  CHECK_TOTALS(w.totals(t0 + 2s - 1ns), totals_of(1000, 500, 200));
  CHECK_TOTALS(w.totals(t0 + 2s), totals_of(0, 0, 0));
}

TEST_CASE("time-based: recording also expires old buckets", "[window]") {
  sliding_window w{window_kind::time_based, 2};
  w.record(t0, true, true);
  w.record(t0 + 1s, false, false);
  // No totals() call in between: record() itself must evict second 0.
  w.record(t0 + 2s, false, false);
  CHECK_TOTALS(w.totals(t0 + 2s), totals_of(2, 0, 0));
  // Reusing the slot of second 1 for second 3 must not keep its counts.
  w.record(t0 + 3s, true, false);
  CHECK_TOTALS(w.totals(t0 + 3s), totals_of(2, 1, 0));
}

TEST_CASE("time-based: long gaps empty the window", "[window]") {
  for (uint32_t size : {1u, 3u, 60u}) {
    CAPTURE(size);
    for (auto gap : {caf::timespan{std::chrono::seconds{size}},
                     caf::timespan{std::chrono::seconds{size + 1}},
                     caf::timespan{std::chrono::seconds{2 * size}},
                     caf::timespan{1000000h}}) {
      CAPTURE(gap.count());
      sliding_window w{window_kind::time_based, size};
      auto t = t0;
      for (uint32_t i = 0; i < size; ++i) {
        w.record(t, true, true);
        w.record(t, false, false);
        t += 1s;
      }
      t -= 1s; // the last second with calls
      CHECK(w.totals(t).calls == 2 * size);
      CHECK_TOTALS(w.totals(t + gap), totals_of(0, 0, 0));
      w.record(t + gap, true, false);
      CHECK_TOTALS(w.totals(t + gap), totals_of(1, 1, 0));
      CHECK_TOTALS(w.totals(t + gap + std::chrono::seconds{size}),
                   totals_of(0, 0, 0));
    }
  }
}

TEST_CASE("time-based: a gap shorter than the window keeps the newer buckets",
          "[window]") {
  sliding_window w{window_kind::time_based, 5};
  for (int i = 0; i < 5; ++i)
    w.record(t0 + std::chrono::seconds{i}, i == 4, false); // seconds 0..4
  CHECK(w.totals(t0 + 4s).calls == 5);
  // Jump 3 s ahead: seconds 3 and 4 remain.
  CHECK_TOTALS(w.totals(t0 + 7s), totals_of(2, 1, 0));
  w.record(t0 + 7s, false, true);
  CHECK_TOTALS(w.totals(t0 + 7s), totals_of(3, 1, 1));
  CHECK_TOTALS(w.totals(t0 + 9s), totals_of(1, 0, 1));
}

TEST_CASE("time-based totals match a model under random steps", "[window]") {
  for (uint32_t size : {1u, 3u, 10u, 60u}) {
    CAPTURE(size);
    sliding_window w{window_kind::time_based, size};
    std::vector<timed_outcome> model;
    std::mt19937 gen{size * 7u + 1u};
    std::bernoulli_distribution coin{0.3};
    std::uniform_int_distribution<int> step_ms{0, 2500};
    auto t = t0;
    for (int i = 0; i < 3000; ++i) {
      t += std::chrono::milliseconds{step_ms(gen)};
      outcome x{coin(gen), coin(gen)};
      w.record(t, x.failure, x.slow);
      model.push_back({floor_seconds(t), x});
      auto expected = last_seconds(model, floor_seconds(t), size);
      auto actual = w.totals(t);
      if (actual.calls != expected.calls || actual.failures != expected.failures
          || actual.slow != expected.slow) {
        CAPTURE(i);
        CHECK_TOTALS(actual, expected);
        break;
      }
    }
  }
}

// -- a clock that goes backwards ---------------------------------------------

TEST_CASE("time-based: a clock that goes backwards does not corrupt totals",
          "[window]") {
  sliding_window w{window_kind::time_based, 3};
  w.record(t0 + 5s, true, false);
  // Reading at an earlier time neither evicts nor resurrects anything.
  CHECK_TOTALS(w.totals(t0 + 2s), totals_of(1, 1, 0));
  CHECK_TOTALS(w.totals(t0), totals_of(1, 1, 0));
  // A call recorded in the past lands in the newest bucket (second 5).
  w.record(t0 + 2s, false, true);
  w.record(t0 - 1h, false, false);
  CHECK_TOTALS(w.totals(t0 + 5s), totals_of(3, 1, 1));
  CHECK_TOTALS(w.totals(t0 + 7s), totals_of(3, 1, 1));
  // ... and leaves with it, leaving exact zeros rather than wrapped counts.
  CHECK_TOTALS(w.totals(t0 + 8s), totals_of(0, 0, 0));
  w.record(t0 + 8s, true, true);
  CHECK_TOTALS(w.totals(t0 + 8s), totals_of(1, 1, 1));
}

TEST_CASE("time-based totals stay exact under random back-and-forth steps",
          "[window]") {
  for (uint32_t size : {1u, 3u, 10u}) {
    CAPTURE(size);
    sliding_window w{window_kind::time_based, size};
    std::vector<timed_outcome> model;
    std::mt19937 gen{size + 99u};
    std::bernoulli_distribution coin{0.5};
    std::uniform_int_distribution<int> step_ms{-3000, 3000};
    auto t = t0;
    int64_t newest = floor_seconds(t);
    for (int i = 0; i < 3000; ++i) {
      t += std::chrono::milliseconds{step_ms(gen)};
      // The window never moves back: calls in the past join the newest
      // second seen so far.
      newest = std::max(newest, floor_seconds(t));
      outcome x{coin(gen), coin(gen)};
      if (i % 3 == 0) {
        w.record(t, x.failure, x.slow);
        model.push_back({newest, x});
      }
      auto expected = last_seconds(model, newest, size);
      auto actual = w.totals(t);
      CHECK(actual.failures <= actual.calls);
      CHECK(actual.slow <= actual.calls);
      if (actual.calls != expected.calls || actual.failures != expected.failures
          || actual.slow != expected.slow) {
        CAPTURE(i);
        CHECK_TOTALS(actual, expected);
        break;
      }
    }
  }
}

TEST_CASE("time-based windows work at and before the clock's epoch",
          "[window]") {
  // A fake clock that starts at time_point{} and goes back from there.
  time_point t{};
  sliding_window w{window_kind::time_based, 3};
  t -= 1500ms; // second -2
  w.record(t, true, false);
  CHECK_TOTALS(w.totals(t), totals_of(1, 1, 0));
  t += 10ms;
  w.record(t, false, true); // still second -2
  CHECK_TOTALS(w.totals(t), totals_of(2, 1, 1));
  // Second -2 spans [-2 s, -1 s): it leaves at +1 s.
  CHECK_TOTALS(w.totals(time_point{} + 1s - 1ns), totals_of(2, 1, 1));
  CHECK_TOTALS(w.totals(time_point{} + 1s), totals_of(0, 0, 0));
  // Straddling the epoch.
  sliding_window v{window_kind::time_based, 2};
  v.record(time_point{} - 1ns, true, false); // second -1
  v.record(time_point{}, false, false);      // second 0
  CHECK_TOTALS(v.totals(time_point{}), totals_of(2, 1, 0));
  CHECK_TOTALS(v.totals(time_point{} + 1s - 1ns), totals_of(2, 1, 0));
  CHECK_TOTALS(v.totals(time_point{} + 1s), totals_of(1, 0, 0));
  CHECK_TOTALS(v.totals(time_point{} + 2s), totals_of(0, 0, 0));
}
