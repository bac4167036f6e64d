#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace remedy {

/// The rules of an `ewma_estimator`. Remedy's own defaults: alpha 0.1 (a
/// sample's weight halves after about 7 newer samples), 30 samples of
/// warm-up, and a deviation floor of 1e-9.
struct ewma_settings {
  /// Names the estimator in events and logs.
  std::string name = "ewma";
  /// The weight of each new sample, in (0, 1]: larger forgets faster. 1
  /// keeps only the last sample (and a variance of 0).
  double alpha = 0.1;
  /// `score` returns 0 until this many samples were added (at least 1).
  uint32_t warm_up = 30;
  /// The standard deviation `score` divides by is at least this (positive
  /// and finite, in the samples' unit), so a series that was constant so far
  /// scores a change as large instead of dividing by zero. 1e-9 suits
  /// samples around 1 (seconds, ratios); set it to the smallest change that
  /// matters for the metric, e.g. 1 for a latency in microseconds.
  double min_deviation = 1e-9;

  /// Returns an error naming the estimator and the bad field, or none.
  caf::error validate() const;
};

/// An exponentially weighted moving mean and variance with z-scores, as a
/// value: feed it one metric's samples with `add`, ask how unusual a new
/// sample is with `score` (before adding it). O(1), no allocation.
///
/// The first sample sets mean = x and variance = 0; every later one updates
/// both incrementally (Finch, "Incremental calculation of weighted mean and
/// variance", 2009, after West 1979):
///
///     diff = x - mean
///     incr = alpha * diff
///     mean = mean + incr
///     variance = (1 - alpha) * (variance + diff * incr)
///
/// `score(x)` = (x - mean) / max(sqrt(variance), min_deviation), or 0 before
/// `warm_up` samples.
///
/// Nothing ever becomes NaN or infinite: `add` rejects NaN and infinite
/// samples (`rejected` counts them) and clamps finite ones to
/// [-max_sample, max_sample], so the mean, variance and every intermediate
/// stay finite; `score` clamps its argument the same way, scores NaN as 0,
/// and clamps the result to [-max_score, max_score] (which only an absurdly
/// small `min_deviation` can reach).
class ewma_estimator {
public:
  /// Samples are clamped to [-max_sample, max_sample].
  static constexpr double max_sample = 1e150;

  /// Scores are clamped to [-max_score, max_score].
  static constexpr double max_score = 1e300;

  /// Expects settings that `validate()`; out-of-range values are replaced by
  /// the nearest valid one (NaN by the default) rather than breaking.
  explicit ewma_estimator(ewma_settings settings);

  /// Adds a sample. Returns false, changing nothing but `rejected`, for NaN
  /// and infinite samples.
  bool add(double x);

  /// How many standard deviations `x` lies above (positive) or below the
  /// current mean; 0 while not `warm` and for NaN.
  double score(double x) const;

  /// Whether `warm_up` samples were added, so that `score` counts.
  bool warm() const {
    return count_ >= settings_.warm_up;
  }

  /// Samples added (not rejected) since construction or `reset`.
  uint64_t count() const {
    return count_;
  }

  /// Samples rejected for being NaN or infinite.
  uint64_t rejected() const {
    return rejected_;
  }

  /// The weighted mean; 0 before the first sample.
  double mean() const {
    return mean_;
  }

  /// The weighted variance; 0 before the second sample.
  double variance() const {
    return variance_;
  }

  /// The square root of `variance` (without the `min_deviation` floor).
  double std_deviation() const;

  /// Forgets all samples (but not `rejected`).
  void reset();

  const ewma_settings& settings() const {
    return settings_;
  }

private:
  ewma_settings settings_;
  uint64_t count_ = 0;
  uint64_t rejected_ = 0;
  double mean_ = 0.0;
  double variance_ = 0.0;
};

} // namespace remedy
