#pragma once

// remedy-node's chaos scenario: how a run is scored. Pure functions on
// plain values (no actors), so the tests drive them with made-up runs:
// matching raised faults to injected ones, precision / recall / F1 per
// class, times to detect and recover, healing outcomes, percentiles.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chaos_fault.hpp"
#include "remedy/classification/fault.hpp"

namespace remedy::node {

/// An injected fault as the worker performed it (times in seconds from the
/// start of the run).
struct injected_fault {
  uint32_t id = 0;
  fault_kind kind = fault_kind::crash;
  std::string target;
  double at_s = 0;
  uint32_t group = 0;
  /// When the target first answered correctly again from a fault-free
  /// incarnation (ground truth from the worker's ledger), if it did.
  std::optional<double> healthy_s;
  /// A leak: when the worker reached its limit and crashed, if it did.
  std::optional<double> exhausted_s;
};

/// A fault the classifier raised, and when it cleared.
struct raised_fault {
  uint64_t id = 0;
  fault_class cls = fault_class::crash;
  std::string target;
  double raised_s = 0;
  std::optional<double> cleared_s;
  std::string evidence;
};

/// One healing attempt (a strategy acting on a fault), from the
/// orchestrator's events.
struct healing_attempt {
  uint64_t healing = 0;
  uint32_t attempt = 0;
  uint64_t fault = 0;
  std::string target;
  std::string strategy;
  /// "succeeded", "failed", "abandoned" or "" while in progress.
  std::string outcome;
  double decided_s = 0;
};

/// What became of one injected fault.
struct fault_outcome {
  bool detected = false;
  /// The class of the raised fault that detected it (the correct one if
  /// any was raised).
  std::optional<fault_class> classified_as;
  bool correct = false;
  std::optional<double> detect_s;
  /// From the injection to the target healthy again: answering correctly
  /// from a fault-free incarnation and (if a fault was raised for it) the
  /// fault cleared.
  std::optional<double> recover_s;
  /// The raised faults that belong to it (the detection, symptoms,
  /// duplicates).
  std::vector<uint64_t> faults;
  /// A leak: predicted (the correct class raised) before it exhausted.
  bool predicted_in_time = false;
};

struct class_score {
  uint64_t tp = 0;
  uint64_t fp = 0;
  uint64_t fn = 0;
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

struct match_result {
  std::vector<fault_outcome> outcomes; // parallel to the injected faults
  std::map<fault_class, class_score> per_class;
  /// Micro-averaged over every class (summed tp, fp, fn).
  class_score overall;
  /// Raised faults matched to no injected fault (or of a class that is
  /// neither the expected one nor a symptom of it).
  std::vector<uint64_t> false_positives;
  /// Raised faults that are symptoms of an injected fault (see is_symptom).
  uint64_t symptoms = 0;
  /// Further raises of the expected class within the same fault's window
  /// (a fault that cleared and came back while the injected fault lasted).
  uint64_t duplicates = 0;
};

/// How raised faults are matched to injected ones.
struct match_settings {
  /// A raise counts for an injected fault from `early_s` before its
  /// injection ...
  double early_s = 0.05;
  /// ... until this long after it, or the next fault injected into the
  /// same target, whichever comes first.
  double window_s = 5.0;
};

/// Matches `raised` to `injected` by target and time window and scores the
/// classification. Also computes detection and recovery times.
match_result match_faults(const std::vector<injected_fault>& injected,
                          const std::vector<raised_fault>& raised,
                          const match_settings& settings = {});

/// Precision, recall and F1 from the counts (0 where undefined; a class
/// with no labels and no raises scores 1).
void finish(class_score& x);

/// Healing outcomes in total and by strategy.
struct healing_tally {
  uint64_t total = 0;
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  uint64_t abandoned = 0;
  struct row {
    uint64_t succeeded = 0;
    uint64_t failed = 0;
    uint64_t abandoned = 0;
  };
  std::map<std::string, row> by_strategy;
};

/// Counts `attempts`; one still in progress (no outcome) counts as
/// abandoned: the end of the run cut it short.
healing_tally tally(const std::vector<healing_attempt>& attempts);

/// Mean and 95th percentile, or nothing for an empty set.
struct summary {
  std::optional<double> mean;
  std::optional<double> p95;
};

summary summarize(const std::vector<double>& xs);

/// The `p`th percentile (0-100, linear interpolation) or nothing if empty.
std::optional<double> pct(const std::vector<double>& xs, double p);

} // namespace remedy::node
