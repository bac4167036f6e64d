#pragma once

#include <cstdint>

namespace remedy {

/// The states of a circuit breaker (Resilience4j's vocabulary).
enum class breaker_state : uint8_t {
  /// Calls pass; outcomes fill the sliding window; trip rules apply.
  closed,
  /// Calls fail fast with `breaker_open` until the open duration ends.
  open,
  /// A few probe calls pass; their outcomes decide closed or open.
  half_open,
  /// Operator override: every call fails fast.
  forced_open,
  /// Operator override: every call passes, nothing is recorded.
  disabled,
  /// Operator override: every call passes, outcomes are recorded and trip
  /// rules evaluated, but the breaker only reports, never opens.
  metrics_only,
};

/// Returns the state's name, e.g. "half_open".
const char* to_string(breaker_state x);

} // namespace remedy
