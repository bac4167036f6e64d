#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "remedy/detection/detection.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// One classification rule: a detection of `kind` (about `metric`, if set)
/// is evidence of a fault of class `cls`. Rules are tried in order; the
/// first that matches wins, and a detection no rule matches is counted and
/// otherwise ignored.
struct classification_rule {
  detection_kind kind = detection_kind::threshold;
  /// Empty: any metric.
  std::string metric;
  fault_class cls = fault_class::crash;
  /// How bad the fault is, 0 to 1.
  double severity = 0.5;
  /// How sure one such detection alone makes the classifier, 0 to 1.
  double confidence = 0.8;
};

/// `winner` takes over `loser` on the same target: a crash loop is not
/// also a crash, an actual exhaustion not also a predicted one. Precedence
/// is transitive: with crash_loop over crash and crash over hang, a crash
/// loop also wins over a hang (the silence between its restarts).
struct fault_precedence {
  fault_class winner;
  fault_class loser;
};

/// The classifier's rules, as data.
struct classifier_settings {
  std::string name = "classifier";
  std::vector<classification_rule> rules = default_rules();
  std::vector<fault_precedence> precedence = default_precedence();
  /// A fault clears once every detection behind it has been clear this
  /// long (not negative).
  caf::timespan clear_after = std::chrono::seconds(5);
  /// How often clears are checked (positive).
  caf::timespan check_interval = std::chrono::milliseconds(100);

  /// crash and target_down -> crash; crash_loop -> crash_loop; hang and
  /// heartbeat_missed -> hang; threshold or anomaly on latency_ms or
  /// latency_max_ms -> slow; error_burst, and threshold or anomaly on
  /// error_rate -> error_spike; predicted_limit -> resource_exhaustion_
  /// predicted; any other threshold -> resource_exhaustion; peer_down ->
  /// node_down; peer_unreachable -> unreachable.
  static std::vector<classification_rule> default_rules();

  /// crash_loop over crash, crash over hang, resource_exhaustion over
  /// resource_exhaustion_predicted, node_down over unreachable (and so,
  /// transitively, crash_loop over hang). `validate` rejects cycles.
  static std::vector<fault_precedence> default_precedence();

  caf::error validate() const;
};

/// The classifier's counters.
struct classifier_stats {
  uint64_t detections = 0;
  uint64_t unclassified = 0;
  /// Raises of a condition that was already raised (deduplicated).
  uint64_t duplicates = 0;
  uint64_t raised = 0;
  uint64_t cleared = 0;
};

/// Turns detections into faults, as a value (the classifier actor owns
/// one; the accuracy harness drives it directly):
/// - each detection is matched against the rules to a fault class;
/// - all detections of one class on one target correlate into one fault,
///   whose evidence is the latest detection of each condition, whose
///   severity is the highest of their rules' and whose confidence is
///   1 - prod(1 - c) over their rules' confidences;
/// - a raise of a condition already raised is deduplicated (the evidence is
///   refreshed, no event unless severity or confidence changed);
/// - precedence: a fault whose class wins over another on the same target
///   takes its evidence and clears it, and a detection for a losing class
///   goes to the winner while that is active;
/// - a fault clears when all its evidence has been clear for
///   `clear_after`; a new raise before that keeps it.
class classifier {
public:
  using time_point = caf::actor_clock::time_point;

  /// A classifier that numbers its faults from `first_id` on.
  explicit classifier(classifier_settings settings, uint64_t first_id = 1);

  void on_detection(const detection& x, time_point now,
                    std::vector<fault_event>& out);

  void tick(time_point now, std::vector<fault_event>& out);

  /// The active faults, by id.
  std::vector<fault> active() const;

  const classifier_stats& stats() const {
    return stats_;
  }

  const classifier_settings& settings() const {
    return settings_;
  }

  /// Per class (by enum value), the bits (1 << class) of every class it
  /// wins over, directly or transitively.
  using precedence_table = std::array<uint32_t, fault_class_count>;

  /// The transitive closure of `ps`; a class that wins over itself is in
  /// a cycle.
  static precedence_table closure(const std::vector<fault_precedence>& ps);

private:
  struct entry {
    fault f;
    /// Rule confidence and severity per evidence item (same order).
    std::vector<std::pair<double, double>> weights;
    /// Since when all evidence is clear.
    std::optional<time_point> quiet_since;
  };

  using key = std::pair<std::string, fault_class>;

  const classification_rule* match(const detection& x) const;
  bool wins(fault_class winner, fault_class loser) const;
  /// The first fault of `target` (faults are sorted by target, then class).
  std::map<key, entry>::iterator first_of(const std::string& target);
  /// Recomputes severity and confidence; true if either changed.
  static bool reweigh(entry& e);
  void add_evidence(entry& e, const detection& x, double severity,
                    double confidence);

  classifier_settings settings_;
  precedence_table beats_;
  std::map<key, entry> faults_;
  uint64_t next_id_ = 1;
  classifier_stats stats_;
};

/// Spawns the classifier actor: subscribes to "detection." on the bus (and
/// takes detections sent to it directly), publishes `fault_event`s under
/// "fault.<kind>" (logged at warn on raise, info on clear), and answers
/// `active_faults_atom` with the active faults (`std::vector<fault>`).
///
/// Any actor that reads detections and publishes fault events in the same
/// way can replace it.
caf::expected<caf::actor> spawn_classifier(caf::actor_system& sys,
                                           classifier_settings settings = {});

/// A start function for a child spec.
start_fn classifier_start(classifier_settings settings = {});

} // namespace remedy
