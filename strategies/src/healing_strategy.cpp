#include "remedy/strategies/healing_strategy.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/strategies/strategy_actor.hpp"
#include "remedy/supervision/start.hpp"

#include "strategy_support.hpp"

namespace remedy {

healing_strategy::healing_strategy(std::string name, strategy_traits traits)
  : name_(std::move(name)), traits_(std::move(traits)) {
}

healing_strategy::~healing_strategy() = default;

bool healing_strategy::applies(const healing_order& order) const {
  auto& xs = traits_.classes;
  return xs.empty() || std::find(xs.begin(), xs.end(), order.what.cls) != xs.end();
}

caf::expected<std::string> healing_strategy::undo(const healing_action&,
                                          caf::event_based_actor*) {
  return make_error(errc::not_supported,
                    "strategy '" + name_ + "': cannot be undone");
}

namespace {

caf::behavior run_strategy(caf::event_based_actor* self,
                           std::shared_ptr<healing_strategy> x) {
  install_exception_handler(self);
  auto now = [self] { return self->clock().now().time_since_epoch(); };
  // Orders of a deposed orchestrator are refused here, so a user's
  // strategy is fenced without doing anything.
  auto fence = std::make_shared<term_fence>();
  return {
    [x](strategy_assess_atom, const healing_order& order) {
      strategy_offer r;
      r.strategy = x->name();
      r.applies = x->applies(order);
      r.cost = x->traits().cost;
      r.drastic = x->traits().drastic;
      if (!r.applies)
        r.reason = "not for " + std::string{to_string(order.what.cls)};
      return r;
    },
    [self, x, now, fence](strategy_execute_atom, const healing_order& order)
      -> caf::result<healing_action> {
      if (auto err = detail::fence(*fence, x->name(), order))
        return err;
      if (!x->applies(order))
        return make_error(errc::not_supported,
                          "strategy '" + x->name() + "': does not apply to "
                            + to_string(order.what.cls) + " of '"
                            + order.target.name + "'");
      auto did = x->act(order, self);
      if (!did)
        return std::move(did.error());
      return healing_action{order.id,         x->name(),
                            order.target.name, std::move(*did),
                            x->traits().undoable, now()};
    },
    [self, x, now](strategy_undo_atom,
                   healing_action done) -> caf::result<healing_action> {
      auto did = x->undo(done, self);
      if (!did)
        return std::move(did.error());
      done.did = std::move(*did);
      done.undoable = false;
      done.at = now();
      return done;
    },
  };
}

} // namespace

caf::actor spawn_strategy(caf::actor_system& sys,
                          std::shared_ptr<healing_strategy> x) {
  return sys.spawn(run_strategy, std::move(x));
}

start_fn strategy_start(std::function<std::unique_ptr<healing_strategy>()> make) {
  return [make{std::move(make)}](caf::actor_system& sys,
                                 const caf::message&) -> caf::expected<caf::actor> {
    auto x = make();
    if (!x)
      return make_error(errc::invalid_argument,
                        "strategy_start: the factory returned no strategy");
    return spawn_strategy(sys, std::shared_ptr<healing_strategy>{std::move(x)});
  };
}

} // namespace remedy
