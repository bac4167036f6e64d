#include "remedy/routing/sliding_window.hpp"

#include <algorithm>

namespace remedy {

namespace {

// The ring slot of bucket `index`, in [0, size) also for negative indexes.
size_t slot_of(int64_t index, uint32_t size) {
  auto n = static_cast<int64_t>(size);
  return static_cast<size_t>(((index % n) + n) % n);
}

} // namespace

const char* to_string(window_kind x) {
  return x == window_kind::count_based ? "count_based" : "time_based";
}

sliding_window::sliding_window(window_kind kind, uint32_t size,
                               caf::timespan bucket)
  : kind_(kind),
    size_(size == 0 ? 1 : size),
    bucket_(bucket.count() > 0 ? bucket : std::chrono::seconds(1)) {
  if (kind_ == window_kind::count_based)
    ring_.resize(size_);
  else
    buckets_.resize(size_);
}

void sliding_window::clear() {
  totals_ = window_totals{};
  std::fill(ring_.begin(), ring_.end(), uint8_t{0});
  std::fill(buckets_.begin(), buckets_.end(), slot{});
  next_ = 0;
  filled_ = 0;
  any_bucket_ = false;
}

// The bucket `t` falls in, rounded down (also before the clock's epoch).
int64_t sliding_window::bucket_of(time_point t) const {
  auto n = t.time_since_epoch().count();
  auto d = bucket_.count();
  auto q = n / d;
  return (n % d != 0 && n < 0) ? q - 1 : q;
}

void sliding_window::advance(int64_t index) {
  if (!any_bucket_) {
    newest_ = index;
    any_bucket_ = true;
    return;
  }
  if (index <= newest_)
    return; // same bucket, or a clock that went back: keep the bucket
  // Evict every bucket that falls out of [index - size + 1, index]; at
  // most size_ of them, however long the gap.
  auto gap = index - newest_;
  auto evict = gap < static_cast<int64_t>(size_) ? gap
                                                 : static_cast<int64_t>(size_);
  for (int64_t i = 1; i <= evict; ++i) {
    auto& b = buckets_[slot_of(newest_ + i, size_)];
    totals_.calls -= b.calls;
    totals_.failures -= b.failures;
    totals_.slow -= b.slow;
    b = slot{};
  }
  newest_ = index;
}

void sliding_window::record(time_point now, bool failure, bool slow) {
  if (kind_ == window_kind::count_based) {
    auto& slot = ring_[next_];
    if (filled_ == size_) {
      totals_.calls -= 1;
      totals_.failures -= (slot & 1u);
      totals_.slow -= (slot >> 1) & 1u;
    } else {
      ++filled_;
    }
    slot = static_cast<uint8_t>((failure ? 1u : 0u) | (slow ? 2u : 0u));
    if (++next_ == size_)
      next_ = 0;
  } else {
    advance(bucket_of(now));
    auto& b = buckets_[slot_of(newest_, size_)];
    b.index = newest_;
    b.calls += 1;
    b.failures += failure ? 1 : 0;
    b.slow += slow ? 1 : 0;
  }
  totals_.calls += 1;
  totals_.failures += failure ? 1 : 0;
  totals_.slow += slow ? 1 : 0;
}

window_totals sliding_window::totals(time_point now) {
  if (kind_ == window_kind::time_based && any_bucket_)
    advance(bucket_of(now));
  return totals_;
}

} // namespace remedy
