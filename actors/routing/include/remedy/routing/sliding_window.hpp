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
  /// The calls of the last `size` buckets of `bucket` each (one second by
  /// default): the last `size * bucket` of time.
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
/// the last N calls (a ring of N outcomes) or the last N buckets of time (a
/// ring of N buckets, one second each by default; shorter ones, e.g. 100 ms,
/// sample a sub-second window as Polly's sampling duration does). Recording
/// and reading the totals are O(1) (amortized for the time-based kind),
/// whatever N is, so a breaker's cost per call does not grow with its window.
class sliding_window {
public:
  using time_point = caf::actor_clock::time_point;

  /// A window of `size` calls or `size` buckets of `bucket` (time-based
  /// only; a non-positive `bucket` counts as one second).
  sliding_window(window_kind kind, uint32_t size,
                 caf::timespan bucket = std::chrono::seconds(1));

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

  /// The length of one bucket (time-based windows).
  caf::timespan bucket() const {
    return bucket_;
  }

  /// The totals as of the last `record` or `totals` (no time passes).
  const window_totals& last_totals() const {
    return totals_;
  }

  /// The calls a count-based window holds (for a time-based one, as of its
  /// last `record` or `totals`).
  uint64_t calls() const {
    return totals_.calls;
  }

private:
  struct slot {
    int64_t index = 0;
    uint32_t calls = 0;
    uint32_t failures = 0;
    uint32_t slow = 0;
  };

  void advance(int64_t index);
  int64_t bucket_of(time_point t) const;

  window_kind kind_;
  uint32_t size_;
  caf::timespan bucket_;
  window_totals totals_;
  // count_based: one entry per call (bit 0 failure, bit 1 slow).
  std::vector<uint8_t> ring_;
  size_t next_ = 0;
  size_t filled_ = 0;
  // time_based: one slot per bucket of `bucket_`.
  std::vector<slot> buckets_;
  int64_t newest_ = 0;
  bool any_bucket_ = false;
};

} // namespace remedy
