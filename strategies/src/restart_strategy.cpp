#include "remedy/strategies/restart_strategy.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/strategies/atoms.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/strategies/strategy_offer.hpp"
#include "remedy/strategies/type_ids.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_actor.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "strategy_support.hpp"

namespace remedy {

namespace {

constexpr const char* strategy_name = "restart";

struct restart_state {
  restart_strategy_settings settings;
  std::shared_ptr<spdlog::logger> log;
  /// The newest orchestrator term admitted (see healing_order::term).
  term_fence fence;
  static inline const char* name = "remedy.strategy.restart";
};

using restart_actor = caf::stateful_actor<restart_state>;
using action_promise = caf::typed_response_promise<healing_action>;

std::optional<std::string> why_not(const restart_strategy_settings& s,
                                   const healing_order& order) {
  if (auto x = detail::class_mismatch(s.classes, order))
    return x;
  if (!order.target.supervisor)
    return "target '" + order.target.name + "' has no supervisor";
  if (order.target.child.empty())
    return "target '" + order.target.name + "' has no child id";
  return std::nullopt;
}

void fail(restart_actor* self, action_promise& rp, const healing_order& order,
          const std::string& why) {
  auto err = detail::heal_failed(strategy_name, order.target.name, why);
  self->state.log->warn("{}", render(err));
  rp.deliver(std::move(err));
}

void succeed(restart_actor* self, action_promise& rp,
             const healing_order& order, std::string did) {
  self->state.log->info("strategy 'restart': {} for {}", did,
                        detail::describe(order));
  rp.deliver(
    detail::make_action(self, strategy_name, order, std::move(did), false));
}

/// A pool cannot restart a child by id, and `terminate_child` deleted it:
/// start a replacement.
void replace_pool_child(restart_actor* self, action_promise rp,
                        healing_order order) {
  auto& s = self->state.settings;
  auto sup = order.target.supervisor;
  start_pool_child(self, sup, s.pool_args, s.request_timeout)
    .then(
      [self, rp, order](child_info& info) mutable {
        if (!info.current)
          return fail(self, rp, order,
                      "terminated pool child '" + order.target.child
                        + "', but the pool's start function ignored the "
                          "replacement (no process now)");
        succeed(self, rp, order,
                "replaced pool child '" + order.target.child
                  + "' (terminated; a simple_one_for_one pool cannot restart "
                    "a child by id) by '"
                  + info.id + "' (actor " + std::to_string(info.current.id())
                  + ")");
      },
      [self, rp, order](caf::error& err) mutable {
        fail(self, rp, order,
             "terminated pool child '" + order.target.child
               + "', but could not start a replacement: " + render(err));
      });
}

void restart(restart_actor* self, action_promise rp, healing_order order) {
  auto& s = self->state.settings;
  auto sup = order.target.supervisor;
  auto child = order.target.child;
  auto timeout = s.request_timeout;
  terminate_child(self, sup, child, timeout)
    .then(
      [self, rp, order, sup, child, timeout]() mutable {
        restart_child(self, sup, child, timeout)
          .then(
            [self, rp, order](child_info& info) mutable {
              if (!info.current)
                return fail(self, rp, order,
                            "terminated child '" + order.target.child
                              + "', but its start function ignored the "
                                "restart (no process now)");
              succeed(self, rp, order,
                      "restarted child '" + info.id + "' (new actor "
                        + std::to_string(info.current.id()) + ", restarts "
                        + std::to_string(info.restarts) + ")");
            },
            [self, rp, order](caf::error& err) mutable {
              if (is(err, errc::not_supported))
                return replace_pool_child(self, rp, order);
              fail(self, rp, order,
                   "terminated child '" + order.target.child
                     + "', but restart_child failed: " + render(err));
            });
      },
      [self, rp, order](caf::error& err) mutable {
        fail(self, rp, order,
             "terminate_child '" + order.target.child
               + "' failed: " + render(err));
      });
}

caf::behavior restart_fun(restart_actor* self,
                          restart_strategy_settings settings) {
  install_exception_handler(self);
  self->state.settings = std::move(settings);
  self->state.log = logger(detail::strategy_logger);
  return {
    [self](strategy_assess_atom, const healing_order& order) {
      auto& s = self->state.settings;
      return detail::make_offer(strategy_name, s.cost, false, why_not(s, order),
                                "terminate_child then restart_child '"
                                  + order.target.child + "'");
    },
    [self](strategy_execute_atom,
           healing_order& order) -> caf::result<healing_action> {
      if (auto err = detail::fence(self->state.fence, strategy_name, order))
        return err;
      if (auto why = why_not(self->state.settings, order))
        return detail::not_applicable(strategy_name, order, *why);
      auto rp = self->make_response_promise<healing_action>();
      restart(self, rp, std::move(order));
      return rp;
    },
    [](strategy_undo_atom,
       const healing_action& done) -> caf::result<healing_action> {
      return detail::nothing_to_undo(strategy_name, done.target, done.order,
                                     "a restart cannot be undone");
    },
  };
}

} // namespace

caf::error restart_strategy_settings::validate() const {
  if (auto err = detail::check_offer(strategy_name, classes, cost))
    return err;
  return detail::check_positive(strategy_name, "request_timeout",
                                request_timeout);
}

caf::expected<caf::actor>
spawn_restart_strategy(caf::actor_system& sys,
                       restart_strategy_settings settings) {
  return detail::spawn_checked(sys, restart_fun, std::move(settings));
}

start_fn restart_strategy_start(restart_strategy_settings settings) {
  return start_spawn(spawn_restart_strategy, std::move(settings));
}

} // namespace remedy
