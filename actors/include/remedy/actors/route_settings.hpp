#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/actors/circuit_breaker_settings.hpp"

namespace remedy {

/// A route's stages, all optional. The route applies them in this order to
/// every request: timeout (a deadline over the whole request), circuit
/// breaker, then the target.
struct route_settings {
  /// Names the route in events, logs and errors.
  std::string name = "route";
  /// Deadline of a request, from its arrival to its answer (0: none). A
  /// request past it is answered with `errc::timeout` and counts as a
  /// breaker failure; a late reply is dropped, not counted twice.
  caf::timespan timeout{0};
  /// How often the route looks for requests past their deadline: the
  /// timeout's resolution. One timer per route, not one per request
  /// (CAF 0.17's per-request timers cost 3-4x throughput).
  caf::timespan sweep_interval = std::chrono::milliseconds(10);
  /// The circuit breaker, if any.
  std::optional<circuit_breaker_settings> breaker;
  /// Which error replies count as breaker failures (default: every error).
  /// Errors it rejects are recorded as `call_outcome::ignored`.
  std::function<bool(const caf::error&)> is_failure;
  /// Seeds the breaker's jitter.
  uint64_t seed = 1;

  /// Returns an error naming the route and the bad field, or none.
  caf::error validate() const;
};

} // namespace remedy
