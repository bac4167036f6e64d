#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include "remedy/actors/breaker_state.hpp"

namespace remedy {

/// A breaker transition of a route, published on the event bus under
/// "route.breaker.<to>" (e.g. "route.breaker.open") and logged.
struct route_event {
  /// The route's name.
  std::string route;
  breaker_state from = breaker_state::closed;
  breaker_state to = breaker_state::closed;
  /// Why, e.g. "failure rate 0.5 >= 0.5 over 100 calls".
  std::string reason;
  /// When, on CAF's actor clock.
  caf::timespan at{0};
};

/// Returns "route.breaker.<to>".
std::string topic(const route_event& x);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_event& x) {
  return f(caf::meta::type_name("remedy.route_event"), x.route, x.from, x.to,
           x.reason, x.at);
}

} // namespace remedy
