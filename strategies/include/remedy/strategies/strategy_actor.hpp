#pragma once

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/core/client.hpp"
#include "remedy/strategies/atoms.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/strategies/strategy_offer.hpp"

/// The strategy protocol: the typed face every healing strategy has, whether
/// it is a plain CAF actor that implements it or a `remedy::healing_strategy` value
/// that `spawn_strategy` wraps. See remedy/core/client.hpp for the two call
/// forms.
///
/// | function | reply | Remedy errors |
/// | --- | --- | --- |
/// | `assess(self, s, order)` | `strategy_offer` | |
/// | `execute(self, s, order)` | `healing_action` | `not_supported` (does not apply), `heal_failed` (tried and could not act) |
/// | `undo(self, s, action)` | `healing_action` | `not_supported` (cannot be undone), `heal_failed` |
namespace remedy {

/// The requests a healing strategy answers.
using strategy_actor = caf::typed_actor<
  caf::replies_to<strategy_assess_atom, healing_order>::with<strategy_offer>,
  caf::replies_to<strategy_execute_atom, healing_order>::with<healing_action>,
  caf::replies_to<strategy_undo_atom, healing_action>::with<healing_action>>;

/// Asks strategy `s` whether it applies to `order`, and at what cost.
template <class Self>
auto assess(Self* self, const caf::actor& s, healing_order order,
            caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<strategy_actor>(s), timeout,
                       strategy_assess_atom::value, std::move(order));
}

/// Asks strategy `s` to act on `order`; the reply says what it did.
template <class Self>
auto execute(Self* self, const caf::actor& s, healing_order order,
             caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<strategy_actor>(s), timeout,
                       strategy_execute_atom::value, std::move(order));
}

/// Asks strategy `s` to take back `action`.
template <class Self>
auto undo(Self* self, const caf::actor& s, healing_action action,
          caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<strategy_actor>(s), timeout,
                       strategy_undo_atom::value, std::move(action));
}

inline caf::expected<strategy_offer>
assess(caf::scoped_actor& self, const caf::actor& s, healing_order order,
       caf::timespan timeout = default_timeout) {
  return detail::ask<strategy_offer, strategy_actor>(
    self, s, timeout, strategy_assess_atom::value, std::move(order));
}

inline caf::expected<healing_action>
execute(caf::scoped_actor& self, const caf::actor& s, healing_order order,
        caf::timespan timeout = default_timeout) {
  return detail::ask<healing_action, strategy_actor>(
    self, s, timeout, strategy_execute_atom::value, std::move(order));
}

inline caf::expected<healing_action>
undo(caf::scoped_actor& self, const caf::actor& s, healing_action action,
     caf::timespan timeout = default_timeout) {
  return detail::ask<healing_action, strategy_actor>(
    self, s, timeout, strategy_undo_atom::value, std::move(action));
}

} // namespace remedy
