#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

#include "remedy/classification/fault.hpp"

namespace remedy {

/// What the orchestrator learned about one strategy for one fault class:
/// one row of its table.
struct strategy_record {
  fault_class cls = fault_class::crash;
  std::string strategy;
  /// Healings verified: the fault cleared within the verification window.
  uint64_t successes = 0;
  /// Healings that acted and did not clear the fault, or could not act.
  uint64_t failures = 0;
  /// Successes whose fault came back within the relapse window (each is
  /// also counted in `successes`; the learner counts it as a failure).
  uint64_t relapses = 0;
  /// Sum of the times to recover (raise to clear) of the successes, in ms.
  double recover_ms_sum = 0.0;
  /// The same counts for the healings in which this strategy was the first
  /// tried on its fault: the learner's evidence for a first choice. A rung
  /// reached by escalation meets only the faults the rungs before it did
  /// not cure, so its outcomes there say little about a fresh fault; the
  /// learner keeps them apart (for choices after a failure).
  uint64_t first_successes = 0;
  uint64_t first_failures = 0;
  uint64_t first_relapses = 0;

  /// Successes that held.
  uint64_t held() const {
    return successes >= relapses ? successes - relapses : 0;
  }

  /// Mean time to recover in ms (0 without successes).
  double mean_recover_ms() const {
    return successes == 0 ? 0.0 : recover_ms_sum / static_cast<double>(successes);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, strategy_record& x) {
  return f(caf::meta::type_name("remedy.strategy_record"), x.cls, x.strategy,
           x.successes, x.failures, x.relapses, x.recover_ms_sum,
           x.first_successes, x.first_failures, x.first_relapses);
}

} // namespace remedy
