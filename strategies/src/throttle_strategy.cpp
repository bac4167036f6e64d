#include "remedy/strategies/throttle_strategy.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/routing/route_actor.hpp"
#include "remedy/routing/type_ids.hpp"
#include "remedy/strategies/atoms.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/strategies/strategy_offer.hpp"
#include "remedy/strategies/type_ids.hpp"
#include "remedy/supervision/start.hpp"
#include "strategy_support.hpp"

namespace remedy {

namespace {

constexpr const char* strategy_name = "throttle";

using action_promise = caf::typed_response_promise<healing_action>;

/// One route's bulkhead on its way back to its original size.
struct throttling {
  healing_order order;
  uint32_t original = 0;
  uint32_t current = 0;
  /// The queue bound, kept as it was.
  uint32_t queue = 0;
  /// False while the execution is still shrinking the bulkhead.
  bool ready = false;
};

struct throttle_state {
  throttle_strategy_settings settings;
  std::shared_ptr<spdlog::logger> log;
  /// The newest orchestrator term admitted (see healing_order::term).
  term_fence fence;
  /// By order id, from the start of an execution (so that a second order
  /// for the same route is refused while the first one is shrinking it).
  std::map<uint64_t, throttling> active;
  static inline const char* name = "remedy.strategy.throttle";
};

using throttle_actor = caf::stateful_actor<throttle_state>;

std::optional<std::string> why_not(const throttle_state& st,
                                   const healing_order& order) {
  if (auto x = detail::class_mismatch(st.settings.classes, order))
    return x;
  if (!order.target.route)
    return "target '" + order.target.name + "' has no route";
  if (auto id = detail::held_by(st.active, &heal_target::route, order.target))
    return "the route of '" + order.target.name
           + "' is throttled already (order " + std::to_string(*id) + ")";
  return std::nullopt;
}

std::string permits(uint32_t n) {
  return std::to_string(n) + (n == 1 ? " permit" : " permits");
}

void schedule_step(throttle_actor* self, uint64_t id) {
  self->delayed_send(self, self->state.settings.step_interval,
                     throttle_step_atom::value, id);
}

/// Doubles the bulkhead of order `id`, up to its original size.
void step(throttle_actor* self, uint64_t id) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end() || !i->second.ready)
    return;
  auto& x = i->second;
  auto next = static_cast<uint32_t>(
    std::min<uint64_t>(x.original, uint64_t{x.current} * 2));
  resize_bulkhead(self, x.order.target.route, next, x.queue,
                  st.settings.request_timeout)
    .then(
      [self, id, next] {
        auto& st = self->state;
        auto i = st.active.find(id);
        if (i == st.active.end())
          return; // undone meanwhile
        auto& x = i->second;
        x.current = next;
        if (next >= x.original) {
          st.log->info("strategy 'throttle': the bulkhead of '{}' is back at "
                       "{}",
                       x.order.target.name, permits(x.original));
          st.active.erase(i);
          return;
        }
        st.log->info("strategy 'throttle': the bulkhead of '{}' grew to {}",
                     x.order.target.name, permits(next));
        schedule_step(self, id);
      },
      [self, id](caf::error& err) {
        auto& st = self->state;
        auto i = st.active.find(id);
        if (i == st.active.end())
          return;
        if (err == caf::sec::request_receiver_down) {
          st.log->warn("strategy 'throttle': the route of '{}' is gone: "
                       "nothing left to restore",
                       i->second.order.target.name);
          st.active.erase(i);
          return;
        }
        st.log->warn("strategy 'throttle': growing the bulkhead of '{}' "
                     "failed ({}); trying again in {}",
                     i->second.order.target.name, render(err),
                     format_ms(st.settings.step_interval));
        schedule_step(self, id);
      });
}

void shrink(throttle_actor* self, action_promise rp, healing_order order,
            uint32_t original, uint32_t queue) {
  auto& s = self->state.settings;
  auto target = static_cast<uint32_t>(
    std::max(1.0, std::floor(static_cast<double>(original) * s.factor)));
  auto route = order.target.route;
  resize_bulkhead(self, route, target, queue, s.request_timeout)
    .then(
      [self, rp, order, original, queue, target]() mutable {
        auto& st = self->state;
        auto did = "shrank the bulkhead of the route of '" + order.target.name
                   + "' from " + permits(original) + " to " + permits(target)
                   + "; it doubles every "
                   + format_ms(st.settings.step_interval) + " back to "
                   + permits(original);
        st.log->info("strategy 'throttle': {} ({})", did,
                     detail::describe(order));
        auto id = order.id;
        rp.deliver(detail::make_action(self, strategy_name, order, did, true));
        st.active[id] = throttling{std::move(order), original, target, queue,
                                   true};
        schedule_step(self, id);
      },
      [self, rp, order](caf::error& err) mutable {
        self->state.active.erase(order.id);
        rp.deliver(
          detail::heal_failed(strategy_name, order.target.name,
                              "resize_bulkhead failed: " + render(err)));
      });
}

caf::behavior throttle_fun(throttle_actor* self,
                           throttle_strategy_settings settings) {
  install_exception_handler(self);
  self->state.settings = std::move(settings);
  self->state.log = logger(detail::strategy_logger);
  return {
    [self](strategy_assess_atom, const healing_order& order) {
      auto& st = self->state;
      return detail::make_offer(
        strategy_name, st.settings.cost, false, why_not(st, order),
        "shrinks the route's bulkhead to " + format_number(st.settings.factor)
          + " of its permits, then restores it");
    },
    [self](strategy_execute_atom,
           healing_order& order) -> caf::result<healing_action> {
      if (auto err = detail::fence(self->state.fence, strategy_name, order))
        return err;
      auto& st = self->state;
      if (auto why = why_not(st, order))
        return detail::not_applicable(strategy_name, order, *why);
      auto rp = self->make_response_promise<healing_action>();
      auto route = order.target.route;
      st.active[order.id] = throttling{order, 0, 0, 0, false};
      route_stats_of(self, route, st.settings.request_timeout)
        .then(
          [self, rp, order](route_stats& rs) mutable {
            std::optional<std::string> why;
            if (rs.bulkhead_max_concurrent == 0)
              why = "its route has no bulkhead";
            else if (rs.bulkhead_max_concurrent == 1)
              why = "its route's bulkhead has 1 permit: nothing to shrink";
            if (why) {
              self->state.active.erase(order.id);
              rp.deliver(detail::not_applicable(strategy_name, order, *why));
              return;
            }
            shrink(self, rp, std::move(order), rs.bulkhead_max_concurrent,
                   rs.bulkhead_max_queue);
          },
          [self, rp, order](caf::error& err) mutable {
            self->state.active.erase(order.id);
            rp.deliver(
              detail::heal_failed(strategy_name, order.target.name,
                                  "its route did not answer: " + render(err)));
          });
      return rp;
    },
    [self](throttle_step_atom, uint64_t id) { step(self, id); },
    [self](strategy_undo_atom,
           healing_action& done) -> caf::result<healing_action> {
      auto& st = self->state;
      auto i = detail::undo_entry(st.active, done, strategy_name,
                                  "its bulkhead is back at its original size "
                                  "already",
                                  "it is still shrinking it");
      if (!i)
        return std::move(i.error());
      auto x = std::move((*i)->second);
      st.active.erase(*i);
      auto rp = self->make_response_promise<healing_action>();
      resize_bulkhead(self, x.order.target.route, x.original, x.queue,
                      st.settings.request_timeout)
        .then(
          [self, rp, done, x]() mutable {
            auto did = "restored the bulkhead of the route of '" + done.target
                       + "' to " + permits(x.original) + " (undo)";
            self->state.log->info("strategy 'throttle': {}", did);
            rp.deliver(detail::undone(self, std::move(done), std::move(did)));
          },
          [rp, done](caf::error& err) mutable {
            rp.deliver(detail::heal_failed(strategy_name, done.target,
                                           "undo: resize_bulkhead failed: "
                                             + render(err)));
          });
      return rp;
    },
  };
}

} // namespace

caf::error throttle_strategy_settings::validate() const {
  if (auto err = detail::check_offer(strategy_name, classes, cost))
    return err;
  if (!(factor > 0.0 && factor < 1.0))
    return detail::invalid(strategy_name, "factor must be in (0, 1), got "
                                            + format_number(factor));
  if (auto err = detail::check_positive(strategy_name, "step_interval",
                                        step_interval))
    return err;
  return detail::check_positive(strategy_name, "request_timeout",
                                request_timeout);
}

caf::expected<caf::actor>
spawn_throttle_strategy(caf::actor_system& sys,
                        throttle_strategy_settings settings) {
  return detail::spawn_checked(sys, throttle_fun, std::move(settings));
}

start_fn throttle_strategy_start(throttle_strategy_settings settings) {
  return start_spawn(spawn_throttle_strategy, std::move(settings));
}

} // namespace remedy
