#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include "remedy/routing/breaker_state.hpp"

namespace remedy {

/// What a route reports.
enum class route_event_kind : uint8_t {
  /// The breaker changed state (`from`, `to`).
  breaker_transition,
  /// A request attempt was rejected by the open breaker.
  breaker_rejected,
  /// A request attempt was rejected by the full bulkhead.
  bulkhead_rejected,
  /// A request waited in the bulkhead's queue past its max wait.
  bulkhead_timeout,
  /// A request got no reply by its deadline.
  timeout,
  // Per-call events, only with `route_settings::call_events` (and a
  // breaker); `reason` says how long the call took or which rate.
  /// An attempt's outcome was recorded as a success.
  call_succeeded,
  /// An attempt's outcome was recorded as a failure (error, failed result,
  /// timeout, target down).
  call_failed,
  /// An attempt's error was ignored (classified so, or a bulkhead rejection).
  call_ignored,
  /// The failure rate reached its threshold (the breaker opens, or would in
  /// metrics-only; also a failed probe round).
  failure_rate_exceeded,
  /// The slow-call rate reached its threshold.
  slow_call_rate_exceeded,
};

/// Returns the kind's name, e.g. "bulkhead_rejected".
const char* to_string(route_event_kind x);

/// A route's state change or rejection, published on the event bus under
/// "route.breaker.<to>" for transitions (e.g. "route.breaker.open") and
/// "route.<kind>" otherwise (e.g. "route.bulkhead_rejected"), and logged
/// (transitions at info/warn, rejections at debug).
struct route_event {
  route_event_kind kind = route_event_kind::breaker_transition;
  /// The route's name.
  std::string route;
  breaker_state from = breaker_state::closed;
  breaker_state to = breaker_state::closed;
  /// Why, e.g. "failure rate 0.5 >= 0.5 over 100 calls".
  std::string reason;
  /// When, on CAF's actor clock.
  caf::timespan at{0};
};

/// Returns the event's bus topic.
std::string topic(const route_event& x);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_event& x) {
  return f(caf::meta::type_name("remedy.route_event"), x.kind, x.route, x.from,
           x.to, x.reason, x.at);
}

} // namespace remedy
