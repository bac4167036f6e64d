#pragma once

#include <string>

#include <caf/meta/type_name.hpp>

namespace remedy {

/// A strategy's answer to an assessment: whether it applies to the order
/// and at what cost.
struct strategy_offer {
  /// The strategy's name.
  std::string strategy;
  bool applies = false;
  /// Relative cost (cheap: below 1, drastic: well above); the orchestrator
  /// tries cheaper strategies first when it knows nothing else.
  double cost = 1.0;
  /// A drastic strategy is never explored by the learner, only reached by
  /// escalation when the cheaper ones failed.
  bool drastic = false;
  /// Why it does not apply (or a note on how it would act).
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, strategy_offer& x) {
  return f(caf::meta::type_name("remedy.strategy_offer"), x.strategy,
           x.applies, x.cost, x.drastic, x.reason);
}

} // namespace remedy
