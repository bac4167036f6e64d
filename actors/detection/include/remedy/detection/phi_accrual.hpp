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

/// The rules of a phi accrual failure detector (see `phi_accrual`).
///
/// Remedy's defaults are Akka's (see `akka()`) except for
/// `acceptable_heartbeat_pause`: 1 s instead of 3 s, because a C++ node has
/// no garbage-collection pauses to absorb. With heartbeats every second, a
/// node that falls silent is suspected (phi reaches 8) about 2.5 s after its
/// last heartbeat once the history has settled: mean 1 s + pause 1 s, plus
/// 5.2 deviations of the 100 ms floor (with Akka's settings about 4.5 s).
struct phi_accrual_settings {
  /// Names the detector in events and logs.
  std::string name = "phi";
  /// The resource is suspected when phi reaches this, in (0, 1000]. 8 means
  /// a wrong suspicion has a probability of about 1e-8 under the model.
  double threshold = 8.0;
  /// How many inter-arrival intervals the history keeps, in [1, 1000000].
  uint32_t max_sample_size = 1000;
  /// The standard deviation used is at least this (positive), so regular
  /// heartbeats do not make the detector oversensitive.
  caf::timespan min_std_deviation = std::chrono::milliseconds(100);
  /// Added to the mean interval: silence this much longer than usual is
  /// still normal (not negative).
  caf::timespan acceptable_heartbeat_pause = std::chrono::seconds(1);
  /// The expected interval before any was measured, in (0, 1 h]: the
  /// history starts with two intervals of this mean and a standard deviation
  /// of a quarter of it. Usually the heartbeat interval.
  caf::timespan first_heartbeat_estimate = std::chrono::seconds(1);

  /// Akka cluster's failure detector defaults, from `akka.cluster.
  /// failure-detector` in akka-cluster's reference.conf (akka/akka-core):
  /// `threshold = 8.0`, `max-sample-size = 1000`, `min-std-deviation =
  /// 100 ms`, `acceptable-heartbeat-pause = 3 s` and `heartbeat-interval =
  /// 1 s`, which Akka's PhiAccrualFailureDetector reads as its first
  /// heartbeat estimate.
  static phi_accrual_settings akka(std::string name = "phi");

  /// Returns an error naming the detector and the bad field, or none.
  caf::error validate() const;
};

/// The suspicion level phi for a heartbeat `elapsed_ms` after the previous
/// one when intervals are normally distributed with mean `mean_ms` and
/// standard deviation `sd_ms` (all in milliseconds): phi = -log10(1 - F(t)),
/// with Akka's logistic approximation of the normal CDF F (error 0.00014 at
/// y = +-3.16):
///
///     y = (elapsed - mean) / sd
///     a = y * (1.5976 + 0.070566 * y * y)
///     phi = -log10(e / (1 + e)), e = exp(-a)
///
/// Akka evaluates the last line in two branches (t > mean or not); beyond
/// y = 21 or so exp(-a) underflows to 0 there and phi is infinite. Here it
/// is log10(1 + exp(a)), computed as (max(a, 0) + log1p(exp(-|a|))) / ln(10),
/// which is accurate in both tails and keeps growing. The result is always
/// finite and in [0, `phi_accrual::max_phi`]: an overflowing `a` gives
/// `max_phi` (or 0 in the left tail), `sd_ms <= 0` or NaN counts as the
/// smallest positive deviation, and a NaN `elapsed_ms` or `mean_ms` gives 0
/// (no evidence).
double phi_of(double elapsed_ms, double mean_ms, double sd_ms);

/// A phi accrual failure detector (Hayashibara et al., 2004) as a value, as
/// Akka's `PhiAccrualFailureDetector`: the owner calls `heartbeat` whenever a
/// heartbeat arrives and asks `phi` or `available` at any time, with
/// explicit times. No actor, no clock, no I/O.
///
/// - The history holds the last `max_sample_size` inter-arrival intervals in
///   a ring allocated once; a running sum and sum of squares make a
///   heartbeat O(1) with no allocation. Intervals are kept in whole
///   microseconds (truncated) and capped at `max_interval` (1 h), so the
///   sums are exact integers: the mean and deviation do not drift however
///   often the ring wraps. Each heartbeat derives them once, so `phi` is a
///   handful of arithmetic plus one exp and two logs.
/// - The history starts (and restarts on `reset`) with two intervals,
///   estimate - estimate/4 and estimate + estimate/4 for the
///   `first_heartbeat_estimate` (the quarter in whole microseconds): mean =
///   estimate, deviation = estimate/4. They leave the ring like any other
///   interval (with `max_sample_size` 1 only the second one stays).
/// - The first heartbeat only records its time. Each later one adds the
///   interval since the previous one, unless phi had reached the threshold
///   at its arrival: as in Akka, the heartbeat that ends a suspected failure
///   does not enter the history, so one long outage does not skew the
///   statistics (`skipped` counts them). A heartbeat earlier than the
///   previous one is ignored (`rejected` counts them).
/// - phi(now) = `phi_of(now - last heartbeat, mean + acceptable pause,
///   max(deviation, min_std_deviation))`, using the population deviation of
///   the history; 0 before the first heartbeat. A `now` before the last
///   heartbeat counts as no time elapsed. phi grows monotonically with `now`
///   up to `max_phi`.
class phi_accrual {
public:
  using time_point = caf::actor_clock::time_point;

  /// phi never exceeds this (a probability of 1e-1000 is not a number a
  /// double holds; any threshold up to it still works).
  static constexpr double max_phi = 1000.0;

  /// Longer intervals enter the history as this.
  static constexpr caf::timespan max_interval = std::chrono::hours(1);

  /// Expects settings that `validate()`; out-of-range values are clamped
  /// into range (e.g. `max_sample_size` 0 becomes 1) rather than breaking.
  explicit phi_accrual(phi_accrual_settings settings);

  /// Records a heartbeat that arrived at `now`. Returns false, and changes
  /// nothing but `rejected`, when `now` is before the previous heartbeat.
  bool heartbeat(time_point now);

  /// The suspicion level at `now`, in [0, max_phi].
  double phi(time_point now) const;

  /// Whether phi at `now` is below the threshold.
  bool available(time_point now) const;

  /// Whether any heartbeat arrived (since construction or `reset`).
  bool monitoring() const {
    return last_.has_value();
  }

  /// When the last accepted heartbeat arrived, if any did.
  std::optional<time_point> last_heartbeat() const {
    return last_;
  }

  /// How many intervals the history holds (the two seed intervals
  /// included), at most `max_sample_size`.
  size_t intervals() const {
    return size_;
  }

  /// The mean of the history's intervals in milliseconds (without the
  /// acceptable pause).
  double mean_ms() const {
    return mean_ms_;
  }

  /// The population standard deviation of the history's intervals in
  /// milliseconds (without the `min_std_deviation` floor).
  double std_deviation_ms() const {
    return sd_ms_;
  }

  /// Heartbeats ignored because they were earlier than the previous one.
  uint64_t rejected() const {
    return rejected_;
  }

  /// Heartbeats accepted without adding their interval to the history
  /// because phi had reached the threshold when they arrived.
  uint64_t skipped() const {
    return skipped_;
  }

  /// Forgets all heartbeats: back to the seeded history, phi 0. Does not
  /// allocate.
  void reset();

  const phi_accrual_settings& settings() const {
    return settings_;
  }

private:
  void push(uint32_t interval_us);
  void update_statistics();

  phi_accrual_settings settings_;
  double min_sd_ms_;
  double pause_ms_;
  // The history: a ring of intervals in microseconds.
  std::vector<uint32_t> ring_;
  size_t head_ = 0; // index of the oldest interval
  size_t size_ = 0;
  uint64_t sum_ = 0;
  // The sum of squares as a 128-bit number: sum = hi * 2^64 + lo.
  uint64_t squares_lo_ = 0;
  uint64_t squares_hi_ = 0;
  // Derived from the sums after each change (see update_statistics).
  double mean_ms_ = 0.0;
  double sd_ms_ = 0.0;
  double phi_mean_ms_ = 0.0; // mean + acceptable pause
  double phi_sd_ms_ = 0.0;   // deviation, at least min_std_deviation
  std::optional<time_point> last_;
  uint64_t rejected_ = 0;
  uint64_t skipped_ = 0;
};

} // namespace remedy
