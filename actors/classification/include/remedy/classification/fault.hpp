#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include "remedy/detection/detection.hpp"

namespace remedy {

/// The name the classifier gives a fault.
enum class fault_class : uint8_t {
  crash,
  crash_loop,
  hang,
  slow,
  error_spike,
  resource_exhaustion_predicted,
  resource_exhaustion,
  node_down,
  unreachable,
};

/// How many fault classes there are (`unreachable` is the last).
constexpr size_t fault_class_count
  = static_cast<size_t>(fault_class::unreachable) + 1;

/// Returns the class's name, e.g. "error_spike".
const char* to_string(fault_class x);

/// Parses a class name; false if `str` names none.
bool from_string(const std::string& str, fault_class& x);

/// A named fault of one target, with the detections behind it.
struct fault {
  /// Unique in the process, across classifier restarts: a classifier
  /// actor numbers its faults from `(incarnation << 32) + 1`, where each
  /// classifier actor started in the process gets the next incarnation.
  uint64_t id = 0;
  fault_class cls = fault_class::crash;
  std::string target;
  /// 0 (harmless) to 1 (target unusable): the highest of its rules'.
  double severity = 0.0;
  /// 0 to 1: 1 - prod(1 - c) over the confidences of its evidence's rules,
  /// so corroborating detections raise it.
  double confidence = 0.0;
  /// The detections behind it, the latest of each condition.
  std::vector<detection> evidence;
  /// When its first detection came, on CAF's actor clock.
  caf::timespan first_seen{0};
  /// When its latest detection came.
  caf::timespan last_seen{0};
  /// When it cleared (0 while active).
  caf::timespan cleared_at{0};
  bool active = true;
};

/// What happened to a fault.
enum class fault_event_kind : uint8_t {
  /// A new fault.
  raised,
  /// New or changed evidence; severity or confidence may have changed.
  updated,
  /// Its signals recovered (for the classifier's clear time), or a fault
  /// of a class that supersedes it took over its evidence.
  cleared,
};

const char* to_string(fault_event_kind x);

/// Published by the classifier on the bus under "fault.<kind>".
struct fault_event {
  fault_event_kind kind = fault_event_kind::raised;
  fault what;
};

/// "fault.<kind>".
std::string topic(const fault_event& x);

/// Every fault a classifier holds active, published on the bus under
/// "classifier.snapshot" when the classifier starts (so a restart replaces
/// what listeners knew from its previous incarnation) and when anyone
/// publishes `fault_sync_atom` under "classifier.sync" (so a restarted
/// listener catches up).
struct fault_snapshot {
  /// The classifier's name.
  std::string classifier;
  std::vector<fault> faults;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fault_snapshot& x) {
  return f(caf::meta::type_name("remedy.fault_snapshot"), x.classifier,
           x.faults);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fault& x) {
  return f(caf::meta::type_name("remedy.fault"), x.id, x.cls, x.target,
           x.severity, x.confidence, x.evidence, x.first_seen, x.last_seen,
           x.cleared_at, x.active);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fault_event& x) {
  return f(caf::meta::type_name("remedy.fault_event"), x.kind, x.what);
}

} // namespace remedy
