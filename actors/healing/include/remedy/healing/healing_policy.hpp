#pragma once

#include <cstdint>

namespace remedy {

/// How the orchestrator picks a strategy among those that apply.
enum class healing_policy : uint8_t {
  /// Thompson sampling over each (fault class, strategy)'s verified outcomes,
  /// with priors from the ladder's order; drastic strategies only by
  /// escalation.
  learned,
  /// The first applicable strategy of the ladder not yet tried on the fault
  /// (Autopilot's fixed escalation ladder).
  first_applicable,
};

/// "learned" or "first_applicable".
const char* to_string(healing_policy x);

} // namespace remedy
