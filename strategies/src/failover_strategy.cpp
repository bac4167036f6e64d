#include "remedy/strategies/failover_strategy.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include "remedy/classification/health_view_actor.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/strategies/atoms.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/strategies/strategy_offer.hpp"
#include "remedy/strategies/type_ids.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/endpoint_actor.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_actor.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "strategy_support.hpp"

namespace remedy {

namespace {

constexpr const char* strategy_name = "failover";

using action_promise = caf::typed_response_promise<healing_action>;
using done_fn = std::function<void(std::string)>;

/// One endpoint pointed at its standby.
struct failover {
  healing_order order;
  /// False while the execution is still repointing.
  bool ready = false;
};

struct failover_state {
  failover_strategy_settings settings;
  std::shared_ptr<spdlog::logger> log;
  /// The newest orchestrator term admitted (see healing_order::term).
  term_fence fence;
  /// By order id, from the start of an execution (so that a second order
  /// for the same endpoint is refused while the first one is repointing).
  std::map<uint64_t, failover> active;
  static inline const char* name = "remedy.strategy.failover";
};

using failover_actor = caf::stateful_actor<failover_state>;

std::optional<std::string> why_not(const failover_state& st,
                                   const healing_order& order) {
  auto& t = order.target;
  if (auto x = detail::class_mismatch(st.settings.classes, order))
    return x;
  if (!t.endpoint)
    return "target '" + t.name + "' has no endpoint";
  if (!t.standby)
    return "target '" + t.name + "' has no standby";
  if (!t.supervisor || t.child.empty())
    return "target '" + t.name
           + "' has no supervisor and child id to find its primary again";
  if (auto id = detail::held_by(st.active, &heal_target::endpoint, t))
    return "the endpoint of '" + t.name + "' is failed over already (order "
           + std::to_string(*id) + ")";
  return std::nullopt;
}

/// Points `ep` at `to` (as a supervisor does for a new incarnation: the
/// endpoint has no typed request for it) and asks the endpoint for its
/// stats, whose answer comes after the update took effect (messages from
/// one sender arrive in order). Calls `done` with the errors met.
void repoint(failover_actor* self, const caf::actor& ep, const caf::actor& to,
             done_fn done) {
  self->send(ep, endpoint_update_atom::value, to);
  endpoint_stats_of(self, ep, self->state.settings.request_timeout)
    .then(
      [done](endpoint_stats& st) {
        if (st.state != endpoint_state::up)
          done(std::string{"the endpoint is "} + to_string(st.state)
               + " after the update");
        else
          done({});
      },
      [done](caf::error& err) {
        done("the endpoint did not answer: " + render(err));
      });
}

/// Points the endpoint of order `id` at the current incarnation of its
/// primary child and ends the failover; `done` gets the errors met (then the
/// failover stays).
void fail_back(failover_actor* self, uint64_t id, std::string why,
               done_fn done) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end() || !i->second.ready)
    return done("it is not failed over");
  auto t = i->second.order.target;
  which_children(self, t.supervisor, st.settings.request_timeout)
    .then(
      [self, id, t, why, done](std::vector<child_info>& xs) {
        caf::actor primary;
        for (auto& x : xs)
          if (x.id == t.child && x.status == child_status::running)
            primary = x.current;
        if (!primary)
          return done("its primary child '" + t.child
                      + "' has no running incarnation");
        repoint(self, t.endpoint, primary,
                [self, id, t, why, done, primary](std::string errors) {
                  if (!errors.empty())
                    return done(errors);
                  auto& st = self->state;
                  st.active.erase(id);
                  st.log->info("strategy 'failover': the endpoint of '{}' "
                               "points at its primary '{}' (actor {}) again "
                               "({})",
                               t.name, t.child, primary.id(), why);
                  done({});
                });
      },
      [done](caf::error& err) {
        done("its supervisor did not answer: " + render(err));
      });
}

void schedule_failback(failover_actor* self, uint64_t id) {
  self->delayed_send(self, self->state.settings.stable_period,
                     failback_atom::value, id);
}

/// A stable period ended, or the attempt to fail back failed: try again
/// after another period.
void wait_again(failover_actor* self, uint64_t id, const std::string& why) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end())
    return;
  st.log->info("strategy 'failover': '{}' stays on its standby another {}: "
               "{}",
               i->second.order.target.name,
               format_ms(st.settings.stable_period), why);
  schedule_failback(self, id);
}

void period_over(failover_actor* self, uint64_t id) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end() || !i->second.ready)
    return;
  auto try_back = [self, id](std::string why) {
    fail_back(self, id, why, [self, id](std::string errors) {
      if (!errors.empty())
        wait_again(self, id, errors);
    });
  };
  if (!st.settings.health_view)
    return try_back("stable period over; no health view to ask");
  health_of(self, st.settings.health_view, i->second.order.target.name,
            st.settings.request_timeout)
    .then(
      [self, id, try_back](target_health& h) {
        if (h.state == health_state::healthy)
          try_back("stable period over, target healthy");
        else
          wait_again(self, id,
                     std::string{"the target is "} + to_string(h.state));
      },
      [self, id](caf::error& err) {
        wait_again(self, id,
                   "the health view did not answer (" + render(err) + ")");
      });
}

void on_standby_down(failover_actor* self, const caf::down_msg& msg) {
  std::vector<uint64_t> ids;
  for (auto& [id, x] : self->state.active)
    if (x.ready && x.order.target.standby.address() == msg.source)
      ids.push_back(id);
  for (auto id : ids) {
    self->state.log->warn("strategy 'failover': the standby of '{}' exited "
                          "({}): failing back now",
                          self->state.active[id].order.target.name,
                          render(msg.reason));
    fail_back(self, id, "the standby exited", [self, id](std::string errors) {
      if (!errors.empty())
        self->state.log->warn("strategy 'failover': failing back "
                              "(order {}): {}",
                              id, errors);
    });
  }
}

caf::behavior failover_fun(failover_actor* self,
                           failover_strategy_settings settings) {
  install_exception_handler(self);
  self->state.settings = std::move(settings);
  self->state.log = logger(detail::strategy_logger);
  self->set_down_handler([self](caf::scheduled_actor*, caf::down_msg& msg) {
    on_standby_down(self, msg);
  });
  return {
    [self](strategy_assess_atom, const healing_order& order) {
      auto& st = self->state;
      return detail::make_offer(strategy_name, st.settings.cost, false,
                                why_not(st, order),
                                "points the endpoint at the standby for "
                                  + format_ms(st.settings.stable_period));
    },
    [self](strategy_execute_atom,
           healing_order& order) -> caf::result<healing_action> {
      if (auto err = detail::fence(self->state.fence, strategy_name, order))
        return err;
      auto& st = self->state;
      if (auto why = why_not(st, order))
        return detail::not_applicable(strategy_name, order, *why);
      auto rp = self->make_response_promise<healing_action>();
      st.active[order.id] = failover{order, false};
      auto t = order.target;
      repoint(self, t.endpoint, t.standby,
              [self, rp, order](std::string errors) mutable {
                auto& st = self->state;
                if (!errors.empty()) {
                  st.active.erase(order.id);
                  rp.deliver(detail::heal_failed(
                    strategy_name, order.target.name,
                    "pointing its endpoint at the standby: " + errors));
                  return;
                }
                st.active[order.id].ready = true;
                self->monitor(order.target.standby);
                auto did = "pointed the endpoint of '" + order.target.name
                           + "' at its standby (actor "
                           + std::to_string(order.target.standby.id())
                           + "); fails back to '" + order.target.child
                           + "' after " + format_ms(st.settings.stable_period)
                           + " once the target is healthy";
                st.log->info("strategy 'failover': {} ({})", did,
                             detail::describe(order));
                schedule_failback(self, order.id);
                rp.deliver(detail::make_action(self, strategy_name, order,
                                               std::move(did), true));
              });
      return rp;
    },
    [self](failback_atom, uint64_t id) { period_over(self, id); },
    [self](strategy_undo_atom,
           healing_action& done) -> caf::result<healing_action> {
      auto i = detail::undo_entry(self->state.active, done, strategy_name,
                                  "its endpoint is back on the primary "
                                  "already",
                                  "it is still failing over");
      if (!i)
        return std::move(i.error());
      auto rp = self->make_response_promise<healing_action>();
      fail_back(
        self, done.order, "undo", [self, rp, done](std::string errors) mutable {
          if (!errors.empty()) {
            rp.deliver(detail::heal_failed(strategy_name, done.target,
                                           "undo (fail back): " + errors));
            return;
          }
          auto did = "pointed the endpoint of '" + done.target
                     + "' at its primary again (undo)";
          rp.deliver(detail::undone(self, std::move(done), std::move(did)));
        });
      return rp;
    },
  };
}

} // namespace

caf::error failover_strategy_settings::validate() const {
  if (auto err = detail::check_offer(strategy_name, classes, cost))
    return err;
  if (auto err = detail::check_positive(strategy_name, "stable_period",
                                        stable_period))
    return err;
  return detail::check_positive(strategy_name, "request_timeout",
                                request_timeout);
}

caf::expected<caf::actor>
spawn_failover_strategy(caf::actor_system& sys,
                        failover_strategy_settings settings) {
  return detail::spawn_checked(sys, failover_fun, std::move(settings));
}

start_fn failover_strategy_start(failover_strategy_settings settings) {
  return start_spawn(spawn_failover_strategy, std::move(settings));
}

} // namespace remedy
