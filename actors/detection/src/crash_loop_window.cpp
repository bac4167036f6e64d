#include "remedy/detection/crash_loop_window.hpp"

#include <algorithm>

#include "detector_support.hpp"

namespace remedy {

namespace {

constexpr const char* kind = "crash loop window";

constexpr uint32_t max_events = 65536;

} // namespace

caf::error crash_loop_settings::validate() const {
  using detail::describe;
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting(kind, name, what);
  };
  if (name.empty())
    return detail::empty_name(kind);
  if (events < 1 || events > max_events)
    return fail("events must be in [1, " + std::to_string(max_events)
                + "], got " + std::to_string(events));
  if (window.count() <= 0)
    return fail("window must be positive, got " + describe(window));
  return caf::none;
}

crash_loop_window::crash_loop_window(crash_loop_settings settings)
  : settings_(std::move(settings)),
    window_(std::max(settings_.window, caf::timespan{1})) {
  ring_.resize(std::clamp<uint32_t>(settings_.events, 1, max_events));
}

bool crash_loop_window::counts(time_point e, time_point now) const {
  return e <= now && detail::elapsed(e, now) <= window_;
}

size_t crash_loop_window::count(time_point now) const {
  // The ring is sorted oldest first: binary search for the first event that
  // is not too old, then for the first one after `now`.
  auto too_old = [&](size_t i) {
    auto e = at(i);
    return e <= now && detail::elapsed(e, now) > window_;
  };
  auto not_later = [&](size_t i) { return at(i) <= now; };
  auto partition_point = [](size_t lo, size_t hi, auto pred) {
    while (lo < hi) {
      auto mid = lo + (hi - lo) / 2;
      if (pred(mid))
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  };
  auto first = partition_point(size_t{0}, size_, too_old);
  auto last = partition_point(first, size_, not_later);
  return last - first;
}

bool crash_loop_window::armed(time_point now) const {
  return !fired_ || count(now) < ring_.size();
}

std::optional<crash_loop_window::time_point>
crash_loop_window::rearm_at() const {
  if (!fired_)
    return std::nullopt;
  return detail::add_saturated(detail::add_saturated(at(0), window_),
                               caf::timespan{1});
}

bool crash_loop_window::record(time_point now) {
  if (size_ > 0 && now < at(size_ - 1)) {
    ++rejected_;
    return false;
  }
  auto n = ring_.size();
  // Every event is at or before `now`, so "N count" means "the ring is full
  // and its oldest event counts".
  auto full_at = [&] { return size_ == n && counts(at(0), now); };
  if (fired_ && !full_at())
    fired_ = false; // the count dropped below N since the last firing
  if (size_ == n) {
    ring_[head_] = now;
    head_ = (head_ + 1) % n;
  } else {
    ring_[(head_ + size_) % n] = now;
    ++size_;
  }
  if (fired_ || !full_at())
    return false;
  fired_ = true;
  ++fired_count_;
  return true;
}

void crash_loop_window::reset() {
  head_ = 0;
  size_ = 0;
  fired_ = false;
}

} // namespace remedy
