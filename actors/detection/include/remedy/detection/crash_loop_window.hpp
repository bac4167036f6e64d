#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// The rules of a `crash_loop_window`. Remedy's own defaults: 5 events
/// within 60 s are a crash loop (a child that OTP's default intensity of 1
/// restart in 5 s tolerates can still loop at one restart every 6 s).
struct crash_loop_settings {
  /// Names the window in events and logs.
  std::string name = "crash_loop";
  /// N: this many events within `window` are a crash loop, in [1, 65536].
  uint32_t events = 5;
  /// T: how far back events count (positive).
  caf::timespan window = std::chrono::seconds(60);

  /// Returns an error naming the window and the bad field, or none.
  caf::error validate() const;
};

/// Counts events, such as the restarts of one child, in a sliding time
/// window and says when they become a loop, as a value: N events within T.
/// A ring of the last N event times, allocated once; `record` is O(1).
///
/// - An event at time e counts at `now` while now - e <= T: one exactly T
///   ago still counts, as in `restart_intensity` (and OTP). So N events fire
///   when the newest is at most T after the oldest.
/// - `record` returns true for the event that brings the count to N: once
///   per burst. The window then stays fired, however many more events come,
///   and re-arms as soon as the count at some time is below N again, i.e.
///   once the N-th most recent event is more than T old. The next event
///   after that which brings the count to N fires again. (Since the count
///   only grows through `record`, checking this when the next event is
///   recorded is exact.)
/// - `count` saturates at N: the ring only keeps N events, and "at least N"
///   is all the window needs.
/// - An event earlier than the previous one is ignored and counted
///   (`rejected`); events at the same time are fine.
class crash_loop_window {
public:
  using time_point = caf::actor_clock::time_point;

  /// Expects settings that `validate()`; `events` is clamped to
  /// [1, 65536] and a window that is not positive counts as 1 ns.
  explicit crash_loop_window(crash_loop_settings settings);

  /// Records an event at `now`. Returns true if it brings the count to N
  /// while armed (see above). Returns false, changing nothing but
  /// `rejected`, when `now` is before the previous event.
  bool record(time_point now);

  /// How many recorded events count at `now` (those in [now - T, now]),
  /// at most N.
  size_t count(time_point now) const;

  /// Whether the next event that brings the count to N fires, at `now`.
  bool armed(time_point now) const;

  /// When the window re-arms if no event comes: the N-th most recent event
  /// plus T plus 1 ns (possibly in the past: re-arming is checked lazily).
  /// None if it has not fired since it last re-armed.
  std::optional<time_point> rearm_at() const;

  /// How often `record` returned true.
  uint64_t fired() const {
    return fired_count_;
  }

  /// Events ignored because they were earlier than the previous one.
  uint64_t rejected() const {
    return rejected_;
  }

  /// Forgets all events and re-arms (`fired` and `rejected` stay).
  void reset();

  const crash_loop_settings& settings() const {
    return settings_;
  }

private:
  // The i-th oldest event in the ring (0 <= i < size_).
  time_point at(size_t i) const {
    return ring_[(head_ + i) % ring_.size()];
  }

  // Whether the event at `e` counts at `now`.
  bool counts(time_point e, time_point now) const;

  crash_loop_settings settings_;
  caf::timespan window_;
  std::vector<time_point> ring_;
  size_t head_ = 0; // index of the oldest event
  size_t size_ = 0;
  bool fired_ = false;
  uint64_t fired_count_ = 0;
  uint64_t rejected_ = 0;
};

} // namespace remedy
