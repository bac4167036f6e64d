#pragma once

#include <cstdint>

#include <caf/meta/type_name.hpp>

namespace remedy {

/// An orchestrator's counters (one per event kind) and what runs now.
struct healing_stats {
  uint64_t decided = 0;
  uint64_t acted = 0;
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  uint64_t relapsed = 0;
  uint64_t deferred = 0;
  uint64_t skipped = 0;
  uint64_t abandoned = 0;
  uint64_t undone = 0;
  /// Targets being healed now.
  uint64_t active = 0;
  /// Most targets healed at once so far.
  uint64_t peak_active = 0;
  /// Faults waiting for a cooldown, a cap or the disruption budget.
  uint64_t waiting = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, healing_stats& x) {
  return f(caf::meta::type_name("remedy.healing_stats"), x.decided, x.acted,
           x.succeeded, x.failed, x.relapsed, x.deferred, x.skipped,
           x.abandoned, x.undone, x.active, x.peak_active, x.waiting);
}

} // namespace remedy
