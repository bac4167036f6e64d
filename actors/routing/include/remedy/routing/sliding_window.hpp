#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// Which calls a sliding window covers.
enum class window_kind : uint8_t {
  /// The last `size` calls.
  count_based,
  /// The calls of the last `size` seconds (one bucket per second).
  time_based,
};

/// Returns "count_based" or "time_based".
const char* to_string(window_kind x);

/// Totals over a sliding window.
struct window_totals {
  uint64_t calls = 0;
  uint64_t failures = 0;
  uint64_t slow = 0;

  /// Failures per call in [0, 1]; 0 without calls.
  double failure_rate() const {
    return calls == 0
             ? 0.0
             : static_cast<double>(failures) / static_cast<double>(calls);
  }

  /// Slow calls per call in [0, 1]; 0 without calls.
  double slow_rate() const {
    return calls == 0 ? 0.0
                      : static_cast<double>(slow) / static_cast<double>(calls);
  }
};

/// The outcomes of recent calls, as Resilience4j's sliding windows: either
/// the last N calls (a ring of N outcomes) or the last N seconds (a ring of N
/// one-second buckets). Recording and reading the totals are O(1)
/// (amortized for the time-based kind), whatever N is, so a breaker's cost
/// per call does not grow with its window.
class sliding_window {
public:
  using time_point = caf::actor_clock::time_point;

  sliding_window(window_kind kind, uint32_t size);

  /// Records one call that ended at `now`.
  void record(time_point now, bool failure, bool slow);

  /// The totals at `now` (time-based windows forget old buckets).
  window_totals totals(time_point now);

  /// Forgets everything.
  void clear();

  window_kind kind() const {
    return kind_;
  }

  uint32_t size() const {
    return size_;
  }

  /// The calls a count-based window holds (for a time-based one, as of its
  /// last `record` or `totals`).
  uint64_t calls() const {
    return totals_.calls;
  }

private:
  struct bucket {
    int64_t second = 0;
    uint32_t calls = 0;
    uint32_t failures = 0;
    uint32_t slow = 0;
  };

  void advance(int64_t second);

  window_kind kind_;
  uint32_t size_;
  window_totals totals_;
  // count_based: one entry per call (bit 0 failure, bit 1 slow).
  std::vector<uint8_t> ring_;
  size_t next_ = 0;
  size_t filled_ = 0;
  // time_based: one bucket per second.
  std::vector<bucket> buckets_;
  int64_t newest_second_ = 0;
  bool any_bucket_ = false;
};

} // namespace remedy
