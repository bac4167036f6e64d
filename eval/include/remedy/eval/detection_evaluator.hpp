#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/timespan.hpp>

#include "remedy/classification/classifier.hpp"
#include "remedy/detection/detector_set.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/eval/fault_trace.hpp"

namespace remedy {

/// A fault the classifier raised during a run.
struct raised_fault {
  /// The classifier's id of the fault.
  uint64_t id = 0;
  fault_class cls = fault_class::crash;
  std::string target;
  /// The fault's `first_seen`: its first detection's time. When a
  /// precedence winner takes over a fault (a crash loop over the crash
  /// raised at its first crash, an exhaustion over its prediction), the
  /// winner's is backdated to the loser's.
  caf::timespan first_seen{0};
  /// When the classifier raised it (virtual time), which is `first_seen`
  /// unless backdated: when a fault of this class was first known, and what
  /// a healer could act on. Matching and detection latency use this.
  caf::timespan raised_at{0};
};

/// Runs detectors and a classifier over trace inputs in virtual time, the
/// way their actors would in real time: each input goes to every detector
/// that reads its kind, each detection straight to the classifier, every
/// detector's `tick` runs every `tick_interval()` and the classifier's
/// every `check_interval`, all at their exact virtual times (a tick due at
/// or before an input's time runs before it). Heartbeats with an
/// incarnation get a stand-in sender address per (target, incarnation), so
/// a `trace_down` reaches the heartbeat detector as a down message would.
class detection_run {
public:
  /// Starts the clock at `start`; the first ticks are due one interval
  /// later. Expects `settings` that validate (a `check_interval` that is
  /// not positive counts as the default).
  detection_run(detector_set detectors, classifier_settings settings,
                caf::timespan start);

  ~detection_run();

  detection_run(const detection_run&) = delete;
  detection_run& operator=(const detection_run&) = delete;

  /// Runs the ticks due up to `time_of(x)`, then delivers `x`. An input
  /// older than the run's clock is delivered at the clock's time (its own
  /// timestamp is left as it is).
  void feed(const trace_input& x);

  /// Runs every tick due up to and including `until`.
  void advance(caf::timespan until);

  /// Feeds every input of `trace`, then advances to its end.
  void run(const fault_trace& trace);

  /// The virtual time of the last input or tick.
  caf::timespan now() const;

  /// Every fault raised so far, in the order raised.
  const std::vector<raised_fault>& raised() const;

  /// How many fault events (raised, updated, cleared) the classifier
  /// emitted.
  uint64_t fault_events() const;

  /// How many detections the detectors emitted (raises and clears).
  uint64_t detections() const;

  const detector_set& detectors() const;

  const classifier& core() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Runs `trace` through a fresh run of `detectors` and a classifier.
std::vector<raised_fault> run_trace(const fault_trace& trace,
                                    detector_set detectors,
                                    const classifier_settings& settings = {});

/// How raised faults are matched to labels.
struct evaluator_settings {
  /// A fault raised (`raised_at`) within [label.start, label.end + grace]
  /// matches the label (same class and target). Not `first_seen`: a
  /// precedence winner's is backdated to the fault it took over, e.g. an
  /// exhaustion's to its prediction's, before the exhaustion began.
  caf::timespan grace = std::chrono::seconds(30);
  /// A fault that matches no label of its class, but whose class loses to
  /// the class of a label on the same target (by `precedence`) in whose
  /// window it started, is "superseded" rather than a false positive: e.g.
  /// the crash raised at the first crash of a crash loop, which the
  /// classifier turns into the crash loop once it has seen enough.
  bool excuse_superseded = true;
  std::vector<fault_precedence> precedence
    = classifier_settings::default_precedence();
};

/// What became of one raised fault.
enum class match_kind : uint8_t {
  /// The first match of a label.
  true_positive,
  /// A later match of an already matched label (not counted against
  /// precision).
  repeat,
  /// See `evaluator_settings::excuse_superseded`.
  superseded,
  false_positive,
};

const char* to_string(match_kind x);

struct fault_match {
  raised_fault fault;
  match_kind kind = match_kind::false_positive;
  /// The label's index in the trace's labels (none for a false positive).
  std::optional<size_t> label;
};

struct label_result {
  fault_label label;
  bool detected = false;
  /// raised_at - label.start of the true positive.
  caf::timespan latency{0};
  /// For labels with `reached`: reached - raised_at of the true positive.
  std::optional<caf::timespan> lead;
};

/// The matches of one trace.
struct trace_result {
  std::string trace;
  std::vector<label_result> labels;
  std::vector<fault_match> faults;
};

/// Matches `raised` (in the order raised) against the labels of `trace`:
/// - a fault of class C on target T raised within [start, end + grace] of
///   a label of class C on T is the true positive
///   of the earliest such label not matched yet, or a repeat if all are;
/// - otherwise it is superseded (see `evaluator_settings`) or a false
///   positive of its class;
/// - a label no fault matched is a false negative.
trace_result match_faults(const fault_trace& trace,
                          const std::vector<raised_fault>& raised,
                          const evaluator_settings& settings = {});

/// The counts and timings of one fault class.
struct class_accuracy {
  fault_class cls = fault_class::crash;
  size_t labels = 0;
  size_t true_positives = 0;
  /// In labelled and healthy traces alike.
  size_t false_positives = 0;
  size_t false_negatives = 0;
  size_t superseded = 0;
  size_t repeats = 0;
  /// Detection latencies of the true positives, in seconds.
  std::vector<double> latencies;
  /// Lead times of the true positives of labels with `reached`, in seconds.
  std::vector<double> leads;

  /// TP / (TP + FP); 1 when nothing was raised.
  double precision() const;
  /// TP / labels; 1 without labels.
  double recall() const;
  /// The harmonic mean of precision and recall (0 if both are 0).
  double f1() const;
  /// Median and 95th percentile of `latencies` (linear interpolation), NaN
  /// without any.
  double latency_median() const;
  double latency_p95() const;
  /// Median of `leads`, NaN without any.
  double lead_median() const;
};


/// Accumulates the matches of many traces into per-class figures.
class accuracy_report {
public:
  explicit accuracy_report(evaluator_settings settings = {});

  /// Matches `raised` against `trace` (see `match_faults`) and counts the
  /// result. A trace without labels also counts as healthy signal.
  trace_result add(const fault_trace& trace,
                   const std::vector<raised_fault>& raised);

  /// Counts `duration` of healthy signal on `targets` targets in which
  /// `raised` were raised: every one is a false positive.
  void add_healthy(const std::string& name, caf::timespan duration,
                   size_t targets, const std::vector<raised_fault>& raised);

  const class_accuracy& of(fault_class x) const;

  /// The classes that had labels, in enum order.
  std::vector<fault_class> evaluated() const;

  /// Hours of healthy-only signal, and those hours times the targets.
  double healthy_hours() const;
  double healthy_target_hours() const;

  /// False positives raised in healthy-only signal.
  size_t healthy_false_positives() const;

  /// healthy_false_positives() / healthy_hours() (0 without healthy
  /// signal).
  double false_positives_per_hour() const;

  struct false_positive {
    std::string trace;
    raised_fault fault;
  };

  /// Every false positive, for diagnostics.
  const std::vector<false_positive>& false_positives() const;

  /// The labels nobody matched, for diagnostics: (trace, label).
  const std::vector<std::pair<std::string, fault_label>>& misses() const;

  /// A markdown table, one row per class with labels or false positives,
  /// and a line on the healthy signal.
  std::string markdown() const;

  const evaluator_settings& settings() const {
    return settings_;
  }

private:
  evaluator_settings settings_;
  std::vector<class_accuracy> classes_;
  double healthy_seconds_ = 0.0;
  double healthy_target_seconds_ = 0.0;
  size_t healthy_fps_ = 0;
  std::vector<false_positive> fps_;
  std::vector<std::pair<std::string, fault_label>> misses_;
};

} // namespace remedy
