#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>

namespace remedy {

/// The kind of a metric family, as Prometheus names it.
enum class metric_type : uint8_t {
  /// Only goes up (reset when the process restarts).
  counter,
  /// Goes up and down.
  gauge,
  /// Observations counted into fixed buckets, with their sum and count.
  histogram,
};

/// Returns "counter", "gauge" or "histogram".
const char* to_string(metric_type x);

/// A label set: (name, value) pairs. Order does not matter: the registry
/// keys and renders series with their labels sorted by name.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

/// A small Prometheus metrics registry, a plain value: families of counters,
/// gauges and histograms (fixed buckets), each with any number of label
/// sets, rendered in the text exposition format 0.0.4. Not thread-safe: one
/// actor owns it.
///
/// Declare a family once (`add_counter`, `add_gauge`, `add_histogram`), then
/// update its series by labels (`inc`, `set`, `add`, `observe`); a series
/// appears with its first update. Every call checks its arguments and
/// returns `errc::invalid_argument` (with the metric's name) for a bad name,
/// an undeclared family, a wrong type, a negative or non-finite counter
/// increment, a duplicate or reserved label name; the registry is then
/// unchanged.
class metrics_registry {
public:
  /// One series of a histogram, buckets not cumulative.
  struct histogram_data {
    /// Observations per bucket: `counts[i]` for `bounds[i-1] < v <=
    /// bounds[i]`; the last entry counts those above every bound (+Inf).
    std::vector<uint64_t> counts;
    double sum = 0.0;
    uint64_t count = 0;
  };

  /// Declares a counter family. By convention its name ends in "_total".
  caf::error add_counter(const std::string& name, const std::string& help);

  /// Declares a gauge family.
  caf::error add_gauge(const std::string& name, const std::string& help);

  /// Declares a histogram family with the upper bounds of its buckets
  /// (finite, strictly increasing, at least one; +Inf is implied).
  caf::error add_histogram(const std::string& name, const std::string& help,
                           std::vector<double> bounds);

  /// Adds `x` (finite, >= 0) to the counter series `labels` of `name`.
  caf::error inc(const std::string& name, const metric_labels& labels = {},
                 double x = 1.0);

  /// Sets the gauge series `labels` of `name` to `x`.
  caf::error set(const std::string& name, const metric_labels& labels,
                 double x);

  /// Adds `x` (may be negative) to the gauge series `labels` of `name`.
  caf::error add(const std::string& name, const metric_labels& labels,
                 double x);

  /// Records `n` observations of value `x` (finite) in the histogram series
  /// `labels` of `name` (`n` > 1 weighs a value that stands for `n`
  /// events, such as an interval's mean latency for its calls).
  caf::error observe(const std::string& name, const metric_labels& labels,
                     double x, uint64_t n = 1);

  /// Removes the series `labels` of `name` (no-op if it has none).
  void remove(const std::string& name, const metric_labels& labels);

  /// The value of a counter or gauge series; 0 if the series does not exist.
  double value(const std::string& name, const metric_labels& labels = {}) const;

  /// The series of a histogram, or nullptr.
  const histogram_data* histogram(const std::string& name,
                                  const metric_labels& labels = {}) const;

  /// Whether `name` is declared.
  bool has(const std::string& name) const;

  /// The whole registry in the text exposition format 0.0.4 (content type
  /// "text/plain; version=0.0.4"): families sorted by name, each with its
  /// `# HELP` and `# TYPE` lines, then its series sorted by labels;
  /// histograms as cumulative `_bucket{le="..."}` series ending with
  /// `le="+Inf"`, then `_sum` and `_count`. Ends with a newline.
  std::string render() const;

  /// Whether `x` is a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
  static bool valid_metric_name(const std::string& x);

  /// Whether `x` is a valid label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting
  /// with "__" (reserved by Prometheus).
  static bool valid_label_name(const std::string& x);

  /// `x` escaped for a label value: backslash, double quote and newline as
  /// \\, \" and \n.
  static std::string escape_label_value(const std::string& x);

  /// `x` escaped for a HELP line: backslash and newline as \\ and \n.
  static std::string escape_help(const std::string& x);

  /// A sample value as the format writes it: integers without a fraction
  /// (below 2^53), other numbers with enough digits to read back the same
  /// double, and "+Inf", "-Inf", "NaN".
  static std::string format_value(double x);

private:
  struct series {
    double value = 0.0;
    histogram_data hist;
  };

  struct family {
    metric_type type = metric_type::counter;
    std::string help;
    std::vector<double> bounds;
    std::map<metric_labels, series> all;
  };

  caf::error declare(const std::string& name, const std::string& help,
                     metric_type type, std::vector<double> bounds);

  caf::error find(const std::string& name, metric_type type,
                  const metric_labels& labels, family*& fam,
                  metric_labels& key);

  std::map<std::string, family> families_;
};

} // namespace remedy
