#pragma once

#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/core/client.hpp"
#include "remedy/healing/atoms.hpp"
#include "remedy/healing/healing_stats.hpp"
#include "remedy/healing/strategy_record.hpp"
#include "remedy/strategies/heal_target.hpp"

/// The typed face of a healing orchestrator. See remedy/core/client.hpp for
/// the two call forms.
///
/// | function | reply | Remedy errors |
/// | --- | --- | --- |
/// | `learned_table(self, o)` | `std::vector<strategy_record>` | |
/// | `healing_stats_of(self, o)` | `healing_stats` | |
/// | `add_heal_target(self, o, target)` | none | `invalid_argument` (no name) |
namespace remedy {

/// The requests an orchestrator answers.
using orchestrator_actor = caf::typed_actor<
  caf::replies_to<healing_table_atom>::with<std::vector<strategy_record>>,
  caf::replies_to<healing_status_atom>::with<healing_stats>,
  caf::reacts_to<heal_target_atom, heal_target>,
  caf::reacts_to<healing_forget_atom, std::string, std::string>>;

/// What the orchestrator learned: one row per (fault class, strategy).
template <class Self>
auto learned_table(Self* self, const caf::actor& o,
                   caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<orchestrator_actor>(o), timeout,
                       healing_table_atom::value);
}

/// The orchestrator's counters and what runs now.
template <class Self>
auto healing_stats_of(Self* self, const caf::actor& o,
                      caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<orchestrator_actor>(o), timeout,
                       healing_status_atom::value);
}

/// Adds `target` (or replaces the one of that name).
template <class Self>
auto add_heal_target(Self* self, const caf::actor& o, heal_target target,
                     caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<orchestrator_actor>(o), timeout,
                       heal_target_atom::value, std::move(target));
}

inline caf::expected<std::vector<strategy_record>>
learned_table(caf::scoped_actor& self, const caf::actor& o,
              caf::timespan timeout = default_timeout) {
  return detail::ask<std::vector<strategy_record>, orchestrator_actor>(
    self, o, timeout, healing_table_atom::value);
}

inline caf::expected<healing_stats>
healing_stats_of(caf::scoped_actor& self, const caf::actor& o,
                 caf::timespan timeout = default_timeout) {
  return detail::ask<healing_stats, orchestrator_actor>(
    self, o, timeout, healing_status_atom::value);
}

inline caf::expected<void>
add_heal_target(caf::scoped_actor& self, const caf::actor& o,
                heal_target target, caf::timespan timeout = default_timeout) {
  return detail::ask<void, orchestrator_actor>(self, o, timeout,
                                               heal_target_atom::value,
                                               std::move(target));
}

} // namespace remedy
