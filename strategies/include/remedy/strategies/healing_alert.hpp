#pragma once

#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"

namespace remedy {

/// What the strategy "escalate" publishes on the event bus under
/// "healing.alert" (`healing_alert_topic`): a fault that healing could not
/// cure and handed to people and to the parent scope.
struct healing_alert {
  /// The fault's target (`fault::target`).
  std::string target;
  /// The fault's class.
  fault_class cls = fault_class::crash;
  /// What happened, for people: which order, and what the strategy did
  /// (made the target's supervisor exit, or only alerted).
  std::string detail;
  /// When, on the strategy's actor clock.
  caf::timespan at{0};
};

/// The topic healing alerts are published under.
constexpr const char* healing_alert_topic = "healing.alert";

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, healing_alert& x) {
  return f(caf::meta::type_name("remedy.healing_alert"), x.target, x.cls,
           x.detail, x.at);
}

} // namespace remedy
