#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>

namespace remedy {

/// The rules of a `robust_estimator`. Remedy's own defaults: a window of the
/// last 100 samples, 30 samples of warm-up, and a MAD floor of 1e-9.
struct robust_settings {
  /// Names the estimator in events and logs.
  std::string name = "robust";
  /// How many recent samples the median and MAD cover, in [1, 65536].
  /// Every `add` costs O(window).
  uint32_t window = 100;
  /// `score` returns 0 until this many samples were added, in [1, window].
  uint32_t warm_up = 30;
  /// The MAD `score` divides by is at least this (positive and finite, in
  /// the samples' unit): with more than half of the window equal, the MAD is
  /// 0 and any other value scores as large. 1e-9 suits samples around 1;
  /// set it to the smallest change that matters for the metric.
  double min_mad = 1e-9;

  /// Returns an error naming the estimator and the bad field, or none.
  caf::error validate() const;
};

/// A windowed median and MAD (median absolute deviation) with robust
/// z-scores, as a value: unlike a mean and standard deviation, a few
/// outliers in the window barely move them.
///
/// The window is a ring of the last `window` samples, allocated once with a
/// scratch buffer of the same size: `add` recomputes the median and MAD with
/// two `std::nth_element` passes over the scratch buffer, O(window) and no
/// allocation. For an even number of samples the median is the mean of the
/// two middle ones (the MAD likewise).
///
///     median = median(x_1..x_n)
///     mad = median(|x_i - median|)
///     score(x) = 0.6745 * (x - median) / max(mad, min_mad)
///
/// (the "modified z-score" of Iglewicz and Hoaglin, 1993: 0.6745 makes it
/// comparable to a z-score for normal data; they suggest |score| > 3.5 as
/// an outlier). `score` returns 0 before `warm_up` samples.
///
/// Nothing ever becomes NaN or infinite: `add` rejects NaN and infinite
/// samples (`rejected` counts them) and clamps finite ones to
/// [-max_sample, max_sample]; `score` clamps its argument the same way,
/// scores NaN as 0, and clamps the result to [-max_score, max_score].
class robust_estimator {
public:
  /// Samples are clamped to [-max_sample, max_sample].
  static constexpr double max_sample = 1e150;

  /// Scores are clamped to [-max_score, max_score].
  static constexpr double max_score = 1e300;

  /// Makes a normal distribution's MAD-based score match its z-score.
  static constexpr double consistency = 0.6745;

  /// Expects settings that `validate()`; out-of-range values are replaced by
  /// the nearest valid one (NaN by the default) rather than breaking.
  explicit robust_estimator(robust_settings settings);

  /// Adds a sample, replacing the oldest once the window is full. Returns
  /// false, changing nothing but `rejected`, for NaN and infinite samples.
  bool add(double x);

  /// The robust z-score of `x` against the window; 0 while not `warm` and
  /// for NaN.
  double score(double x) const;

  /// Whether `warm_up` samples were added, so that `score` counts.
  bool warm() const {
    return count_ >= settings_.warm_up;
  }

  /// Samples in the window, at most `window`.
  size_t size() const {
    return size_;
  }

  /// Samples added (not rejected) since construction or `reset`.
  uint64_t count() const {
    return count_;
  }

  /// Samples rejected for being NaN or infinite.
  uint64_t rejected() const {
    return rejected_;
  }

  /// The median of the window; 0 when empty.
  double median() const {
    return median_;
  }

  /// The median absolute deviation of the window (without the `min_mad`
  /// floor); 0 when empty.
  double mad() const {
    return mad_;
  }

  /// Forgets all samples (but not `rejected`). Does not allocate.
  void reset();

  const robust_settings& settings() const {
    return settings_;
  }

private:
  void recompute();

  robust_settings settings_;
  std::vector<double> ring_;
  std::vector<double> scratch_;
  size_t next_ = 0;
  size_t size_ = 0;
  uint64_t count_ = 0;
  uint64_t rejected_ = 0;
  double median_ = 0.0;
  double mad_ = 0.0;
};

} // namespace remedy
