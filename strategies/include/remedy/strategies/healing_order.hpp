#pragma once

#include <cstdint>

#include <caf/meta/type_name.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/strategies/heal_target.hpp"

namespace remedy {

/// What the orchestrator asks a strategy to assess or execute: one fault of
/// one target.
struct healing_order {
  /// The healing's id, unique in the orchestrator.
  uint64_t id = 0;
  /// The fault (class, target, evidence).
  fault what;
  /// The actors behind the fault's target.
  heal_target target;
  /// 0 for the first strategy tried on this fault, 1 after one failed, ...
  uint32_t attempt = 0;
  /// The issuing orchestrator's term, a fencing token (`healing_settings::
  /// term`; 0 on a single node). A strategy refuses an order whose term is
  /// older than the newest it has executed, with `errc::stale_term`: a
  /// deposed leader's orchestrator cannot act once its successor's has.
  uint64_t term = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, healing_order& x) {
  return f(caf::meta::type_name("remedy.healing_order"), x.id, x.what,
           x.target, x.attempt, x.term);
}

} // namespace remedy
