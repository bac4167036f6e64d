#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/detection/detection.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/routing/breaker_state.hpp"
#include "remedy/routing/route_event.hpp"
#include "remedy/runtime/cluster_event.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/metrics_registry.hpp"
#include "remedy/runtime/metrics_settings.hpp"
#include "remedy/runtime/node_event.hpp"
#include "remedy/scheduling/scheduler_event.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy {

/// The metrics actor's state as a value: turns Remedy's bus events into
/// Prometheus metrics (see docs/metrics.md for every metric) and keeps what
/// the health answer needs (breaker states, open faults, healings in
/// progress). `spawn_metrics` wraps it in an actor; tests can drive it
/// directly.
class metrics_book {
public:
  /// Declares every metric family; `settings` must be valid.
  explicit metrics_book(const metrics_settings& settings);

  void apply(const supervision_event& x);

  void apply(const route_event& x);

  /// Route samples: `calls`, `latency_ms`, `error_rate`, `in_flight`; other
  /// metrics are ignored.
  void apply(const sample& x);

  void apply(const detection& x);

  void apply(const fault_event& x);

  /// Replaces every open fault with the snapshot's (a classifier's state
  /// when it starts or syncs; one classifier per node is assumed, as the
  /// health view does).
  void apply(const fault_snapshot& x);

  void apply(const healing_event& x);

  void apply(const scheduler_event& x);

  void apply(const node_event& x);

  void apply(const cluster_event& x);

  /// Why the node is unhealthy (empty: healthy), given what the caller
  /// found about the root supervisor (`root_problem`: empty if fine or if
  /// there is no root). The rule: unhealthy while any fault is open (a
  /// predicted exhaustion only if the settings say so), any breaker is open
  /// or forced open, or the root is down or does not answer.
  std::vector<std::string> problems(const std::string& root_problem) const;

  /// The health answer: `{"status", "reasons", "tree", "breakers",
  /// "open_faults", "healings"}` with `tree` as given (null without a root).
  health_report health(boost::json::value tree,
                       const std::string& root_problem) const;

  /// The metrics in the text format 0.0.4.
  std::string render() const {
    return registry_.render();
  }

  const metrics_registry& registry() const {
    return registry_;
  }

  /// The breakers seen, by route, in their last known state.
  const std::map<std::string, breaker_state>& breakers() const {
    return breakers_;
  }

  /// The open faults by id.
  const std::map<uint64_t, fault>& open_faults() const {
    return open_;
  }

  /// The healings in progress by id: their latest event.
  const std::map<uint64_t, healing_event>& healings() const {
    return healing_;
  }

private:
  void set_breaker(const std::string& route, breaker_state state);

  void count_open_faults();

  metrics_settings settings_;
  metrics_registry registry_;
  std::map<std::string, breaker_state> breakers_;
  std::map<uint64_t, fault> open_;
  /// Classes that ever had an open fault (their gauge stays, at 0).
  std::set<fault_class> fault_classes_;
  std::map<uint64_t, healing_event> healing_;
  /// Per target: the calls of the interval whose latency comes next.
  std::map<std::string, double> interval_calls_;
  /// Per scheduler: the workers ejected now.
  std::map<std::string, std::set<std::string>> ejected_;
};

} // namespace remedy
