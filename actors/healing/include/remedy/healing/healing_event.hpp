#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"

namespace remedy {

/// What happened in a healing.
enum class healing_event_kind : uint8_t {
  /// A strategy was chosen for a fault (in a dry run: would have been).
  decided,
  /// The strategy acted; verification starts.
  acted,
  /// The fault cleared within the verification window after the action.
  succeeded,
  /// The strategy could not act, or the fault outlived the verification
  /// window; the next rung of the ladder follows if there is one.
  failed,
  /// A verified healing's fault came back within the relapse window.
  relapsed,
  /// The healing waits: the target cools down, or a cap or the disruption
  /// budget is taken.
  deferred,
  /// Nothing done: an unknown target, no applicable strategy left, or the
  /// fault cleared before anything was done.
  skipped,
  /// A healing cut short (its strategy or the orchestrator died mid-way)
  /// and not undone; says what may be left applied.
  abandoned,
  /// A healing cut short whose action was taken back.
  undone,
};

/// The kind's name, e.g. "succeeded".
const char* to_string(healing_event_kind x);

/// One healing event, published on the bus under "healing.<kind>" and
/// logged by the orchestrator's logger ("remedy.healing").
struct healing_event {
  healing_event_kind kind = healing_event_kind::decided;
  /// The healing (0 for events about a fault no healing took up).
  uint64_t healing = 0;
  /// The fault's id.
  uint64_t fault = 0;
  fault_class cls = fault_class::crash;
  std::string target;
  /// The strategy chosen or acting (empty if none).
  std::string strategy;
  /// 0 for the first strategy tried on the fault, 1 for the next, ...
  uint32_t attempt = 0;
  /// What was done, or why.
  std::string detail;
  /// Decided in a dry run: nothing was done.
  bool dry_run = false;
  /// On the orchestrator's actor clock.
  caf::timespan at{0};
  /// `succeeded`: from the fault's raise to its clear.
  caf::timespan time_to_recover{0};
};

/// "healing.<kind>".
std::string topic(const healing_event& x);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, healing_event& x) {
  return f(caf::meta::type_name("remedy.healing_event"), x.kind, x.healing,
           x.fault, x.cls, x.target, x.strategy, x.attempt, x.detail,
           x.dry_run, x.at, x.time_to_recover);
}

} // namespace remedy
