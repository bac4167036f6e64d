#pragma once

// What the built-in strategies share: applicability checks, error texts,
// settings checks, the clock. Private to the strategies part.

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <caf/abstract_actor.hpp>
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/actor_cast.hpp>
#include <caf/error.hpp>
#include <caf/local_actor.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/classification/health_view.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/term_fence.hpp"
#include "remedy/strategies/heal_target.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/strategies/strategy_offer.hpp"

namespace remedy::detail {

/// The name every built-in logs under.
constexpr const char* strategy_logger = "remedy.strategy";

/// "hang of 'root/db' (order 7)": how errors and logs name an order.
inline std::string describe(const healing_order& order) {
  return std::string{to_string(order.what.cls)} + " of '" + order.target.name
         + "' (order " + std::to_string(order.id) + ")";
}

/// Admits the term of `order` (its orchestrator's, `healing_settings::term`)
/// or returns `stale_term`: an orchestrator deposed by a newer one, which
/// this strategy has heard from, is refused.
inline caf::error fence(term_fence& f, const std::string& name,
                        const healing_order& order) {
  return f.admit(order.term, "strategy '" + name + "', " + describe(order));
}

/// Whether `cls` is one of `classes` (empty: every class).
inline bool covers(const std::vector<fault_class>& classes, fault_class cls) {
  return classes.empty()
         || std::find(classes.begin(), classes.end(), cls) != classes.end();
}

/// Why a strategy whose classes are `classes` does not take `order`'s
/// class, or nothing.
inline std::optional<std::string>
class_mismatch(const std::vector<fault_class>& classes,
               const healing_order& order) {
  if (covers(classes, order.what.cls))
    return std::nullopt;
  return std::string{"not configured for "} + to_string(order.what.cls);
}

/// The offer of strategy `name`: applies unless `why_not` says why.
inline strategy_offer
make_offer(const std::string& name, double cost, bool drastic,
           std::optional<std::string> why_not, std::string note = {}) {
  strategy_offer r;
  r.strategy = name;
  r.cost = cost;
  r.drastic = drastic;
  r.applies = !why_not;
  r.reason = why_not ? std::move(*why_not) : std::move(note);
  return r;
}

/// `not_supported`: strategy `name` does not apply to `order` because of
/// `why`, e.g. "strategy 'restart': does not apply to hang of 'api' (order
/// 3): target 'api' has no supervisor".
inline caf::error not_applicable(const std::string& name,
                                 const healing_order& order,
                                 const std::string& why) {
  return make_error(errc::not_supported, "strategy '" + name
                                           + "': does not apply to "
                                           + describe(order) + ": " + why);
}

/// `heal_failed`: strategy `name` tried to act on `target` and could not,
/// because of `why`.
inline caf::error heal_failed(const std::string& name,
                              const std::string& target,
                              const std::string& why) {
  return make_error(errc::heal_failed, "strategy '" + name
                                         + "': could not act on '" + target
                                         + "': " + why);
}

/// `not_supported` for an undo that finds nothing to take back.
inline caf::error nothing_to_undo(const std::string& name,
                                  const std::string& target, uint64_t order,
                                  const std::string& why) {
  return make_error(errc::not_supported,
                    "strategy '" + name + "': cannot undo order "
                      + std::to_string(order) + " on '" + target + "': " + why);
}

/// The actor clock's now, as the strategy protocol stamps actions.
inline caf::timespan now_of(caf::local_actor* self) {
  return self->clock().now().time_since_epoch();
}

/// The entry of `active` (by order id, with a `ready` flag) that an undo of
/// `done` acts on, or `nothing_to_undo`: `gone` when it has no entry (it
/// ended already), `busy` while its execution is still under way.
template <class Map>
caf::expected<typename Map::iterator>
undo_entry(Map& active, const healing_action& done, const std::string& name,
           const char* gone, const char* busy) {
  auto i = active.find(done.order);
  if (i == active.end() || !i->second.ready)
    return nothing_to_undo(name, done.target, done.order,
                           i == active.end() ? gone : busy);
  return i;
}

/// `done` after its undo: what the undo `did`, no longer undoable, now.
inline healing_action undone(caf::local_actor* self, healing_action done,
                             std::string did) {
  done.did = std::move(did);
  done.undoable = false;
  done.at = now_of(self);
  return done;
}

/// What strategy `name` did for `order`, stamped now.
inline healing_action
make_action(caf::local_actor* self, const std::string& name,
            const healing_order& order, std::string did, bool undoable) {
  return healing_action{order.id,       name,     order.target.name,
                        std::move(did), undoable, now_of(self)};
}

/// Whether `x` is a supervision endpoint (the actor's name), which stands
/// for a child but is not the child: an exit message sent to it would end
/// the endpoint, not the child.
inline bool is_endpoint(const caf::actor& x) {
  auto* ptr = dynamic_cast<caf::monitorable_actor*>(
    caf::actor_cast<caf::abstract_actor*>(x));
  return ptr != nullptr && std::strcmp(ptr->name(), "remedy.endpoint") == 0;
}

/// Whether a health view's answer shows no active fault for its target
/// (a quarantine alone is not a fault).
inline bool no_active_fault(const target_health& h) {
  return std::none_of(h.faults.begin(), h.faults.end(),
                      [](const fault& f) { return f.active; });
}

// -- settings checks ------------------------------------------------------

inline caf::error invalid(const std::string& name, const std::string& what) {
  return make_error(errc::invalid_argument, "strategy '" + name + "': " + what);
}

/// Every class in `classes` is a fault class.
inline caf::error check_classes(const std::string& name,
                                const std::vector<fault_class>& classes) {
  for (size_t i = 0; i < classes.size(); ++i)
    if (static_cast<size_t>(classes[i]) >= fault_class_count)
      return invalid(name, "classes[" + std::to_string(i)
                             + "] is not a fault class, got "
                             + std::to_string(static_cast<int>(classes[i])));
  return caf::none;
}

/// What every built-in's offer rests on: valid `classes`, and a `cost`
/// that is finite and not negative.
inline caf::error check_offer(const std::string& name,
                              const std::vector<fault_class>& classes,
                              double cost) {
  if (auto err = check_classes(name, classes))
    return err;
  if (!(cost >= 0.0 && cost <= 1e300))
    return invalid(name,
                   "cost must be finite and >= 0, got " + format_number(cost));
  return caf::none;
}

/// `x` (the field `field`) is positive.
inline caf::error check_positive(const std::string& name, const char* field,
                                 caf::timespan x) {
  if (x.count() <= 0)
    return invalid(name, std::string{field} + " must be positive, got "
                           + std::to_string(x.count()) + "ns");
  return caf::none;
}

/// Spawns the strategy actor `fun` with `settings` if they are valid, else
/// returns the validation error (nothing spawned).
template <class F, class Settings>
caf::expected<caf::actor> spawn_checked(caf::actor_system& sys, F fun,
                                        Settings settings) {
  if (auto err = settings.validate())
    return err;
  return sys.spawn(fun, std::move(settings));
}

/// The id of an order in `active` (orders by id, each with its `order`)
/// whose target has the same `member` as `t`, e.g. the same route: a
/// strategy acts once at a time on one route, pool or endpoint.
template <class Active, class T>
std::optional<uint64_t> held_by(const Active& active, T heal_target::*member,
                                const heal_target& t) {
  for (auto& [id, x] : active)
    if (x.order.target.*member == t.*member)
      return id;
  return std::nullopt;
}

} // namespace remedy::detail
