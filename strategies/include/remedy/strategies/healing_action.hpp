#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// What a strategy did (the reply to an execute or an undo).
struct healing_action {
  /// The order it executed (`healing_order::id`).
  uint64_t order = 0;
  std::string strategy;
  std::string target;
  /// What it did, for people: "restarted root/db", "quarantined api-2".
  std::string did;
  /// Whether `undo` can take it back.
  bool undoable = false;
  /// When it acted, on the strategy's actor clock.
  caf::timespan at{0};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, healing_action& x) {
  return f(caf::meta::type_name("remedy.healing_action"), x.order, x.strategy,
           x.target, x.did, x.undoable, x.at);
}

} // namespace remedy
