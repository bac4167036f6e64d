#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// How a strategy presents itself to the orchestrator, refined fluently:
/// `strategy_traits{}.with_cost(0.1).only_for({fault_class::slow})`.
struct strategy_traits {
  /// Relative cost: cheap below 1, drastic well above.
  double cost = 1.0;
  /// Never explored by the learner, only reached by escalation.
  bool drastic = false;
  /// Whether `healing_strategy::undo` can take its action back.
  bool undoable = false;
  /// The fault classes it applies to (empty: all).
  std::vector<fault_class> classes;

  strategy_traits with_cost(double x) const {
    auto r = *this;
    r.cost = x;
    return r;
  }
  strategy_traits as_drastic() const {
    auto r = *this;
    r.drastic = true;
    return r;
  }
  strategy_traits as_undoable() const {
    auto r = *this;
    r.undoable = true;
    return r;
  }
  strategy_traits only_for(std::vector<fault_class> xs) const {
    auto r = *this;
    r.classes = std::move(xs);
    return r;
  }
};

/// A healing strategy written the short way: a small class that
/// `spawn_strategy` runs as an actor speaking the strategy protocol
/// (remedy/strategies/strategy_actor.hpp). Override `act`, and `applies`
/// or `undo` if the defaults do not fit. `act` runs inside the actor: send
/// what the repair needs and say what you did; the orchestrator verifies
/// the repair by watching the fault clear. A strategy that must wait for
/// other actors' answers is written as a plain actor instead (see
/// docs/writing-a-strategy.md).
class healing_strategy {
public:
  healing_strategy(std::string name, strategy_traits traits = {});

  virtual ~healing_strategy();

  const std::string& name() const {
    return name_;
  }

  const strategy_traits& traits() const {
    return traits_;
  }

  /// Whether it applies to `order`. Default: the fault's class is one of
  /// `traits().classes` (or those are empty).
  virtual bool applies(const healing_order& order) const;

  /// Acts on `order`: returns what it did, or an error (e.g.
  /// `make_error(errc::heal_failed, "...")`) if it could not.
  virtual caf::expected<std::string> act(const healing_order& order,
                                         caf::event_based_actor* self)
    = 0;

  /// Takes `done` back. Default: `not_supported`.
  virtual caf::expected<std::string> undo(const healing_action& done,
                                          caf::event_based_actor* self);

private:
  std::string name_;
  strategy_traits traits_;
};

/// Runs `x` as a strategy actor.
caf::actor spawn_strategy(caf::actor_system& sys,
                          std::shared_ptr<healing_strategy> x);

/// A start function that runs a new strategy from `make` at every
/// (re)start, for a strategy supervised in a tree.
start_fn strategy_start(std::function<std::unique_ptr<healing_strategy>()> make);

} // namespace remedy
