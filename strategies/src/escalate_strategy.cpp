#include "remedy/strategies/escalate_strategy.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
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

constexpr const char* strategy_name = "escalate";
constexpr const char* exit_prefix = "escalated by healing: ";

using action_promise = caf::typed_response_promise<healing_action>;

/// An escalation waiting for its supervisor's exit.
struct pending_exit {
  caf::actor_addr supervisor;
  healing_order order;
  action_promise rp;
};

struct escalate_state {
  escalate_strategy_settings settings;
  std::shared_ptr<spdlog::logger> log;
  /// The newest orchestrator term admitted (see healing_order::term).
  term_fence fence;
  std::vector<pending_exit> waiting;
  static inline const char* name = "remedy.strategy.escalate";
};

using escalate_actor = caf::stateful_actor<escalate_state>;

void alert(escalate_actor* self, const healing_order& order, std::string text) {
  self->state.log->error("strategy 'escalate': {}", text);
  publish(self, healing_alert_topic,
          caf::make_message(healing_alert{order.target.name, order.what.cls,
                                          std::move(text),
                                          detail::now_of(self)}));
}

void fail(escalate_actor* self, action_promise& rp, const healing_order& order,
          const std::string& why) {
  auto err = detail::heal_failed(strategy_name, order.target.name, why);
  self->state.log->warn("{}", render(err));
  rp.deliver(std::move(err));
}

/// Makes the supervisor that answered (`who`: the supervisor itself, also
/// when the target names it through a subtree's endpoint) exit.
void make_exit(escalate_actor* self, action_promise rp, healing_order order,
               caf::actor who) {
  auto& st = self->state;
  auto reason = make_error(errc::heal_failed,
                           exit_prefix + detail::describe(order));
  alert(self, order,
        "escalated " + detail::describe(order) + ": making its supervisor "
          + "(actor " + std::to_string(who.id())
          + ") exit so that its parent's restart strategy applies");
  self->monitor(who);
  st.waiting.push_back(pending_exit{who.address(), order, rp});
  self->send<caf::message_priority::high>(
    who, caf::exit_msg{self->address(), std::move(reason)});
  self->delayed_send(self, st.settings.exit_timeout, escalate_wait_atom::value,
                     order.id);
}

void on_down(escalate_actor* self, const caf::down_msg& msg) {
  auto& xs = self->state.waiting;
  auto gone = std::stable_partition(xs.begin(), xs.end(),
                                    [&](const pending_exit& x) {
                                      return x.supervisor != msg.source;
                                    });
  for (auto i = gone; i != xs.end(); ++i) {
    auto ours = is(msg.reason, errc::heal_failed)
                && context_of(msg.reason).rfind(exit_prefix, 0) == 0;
    auto did = std::string{"made the supervisor of '"} + i->order.target.name
               + "' exit (" + render(msg.reason)
               + "); its parent's restart strategy applies";
    if (!ours)
      did = std::string{"the supervisor of '"} + i->order.target.name
            + "' exited for another reason (" + render(msg.reason)
            + "); its parent's restart strategy applies";
    self->state.log->warn("strategy 'escalate': {} for {}", did,
                          detail::describe(i->order));
    i->rp.deliver(detail::make_action(self, strategy_name, i->order,
                                      std::move(did), false));
  }
  xs.erase(gone, xs.end());
}

caf::behavior escalate_fun(escalate_actor* self,
                           escalate_strategy_settings settings) {
  install_exception_handler(self);
  self->state.settings = std::move(settings);
  self->state.log = logger(detail::strategy_logger);
  self->set_down_handler(
    [self](caf::scheduled_actor*, caf::down_msg& msg) { on_down(self, msg); });
  return {
    [self](strategy_assess_atom, const healing_order& order) {
      auto& s = self->state.settings;
      auto note = order.target.supervisor
                    ? "makes the target's supervisor exit, so its parent "
                      "restarts it; publishes an alert"
                    : "the target has no supervisor: publishes an alert only";
      return detail::make_offer(strategy_name, s.cost, true,
                                detail::class_mismatch(s.classes, order), note);
    },
    [self](strategy_execute_atom,
           healing_order& order) -> caf::result<healing_action> {
      if (auto err = detail::fence(self->state.fence, strategy_name, order))
        return err;
      auto& s = self->state.settings;
      if (auto why = detail::class_mismatch(s.classes, order))
        return detail::not_applicable(strategy_name, order, *why);
      if (!order.target.supervisor) {
        alert(self, order,
              "escalated " + detail::describe(order)
                + ": it has no supervisor, alert only");
        return detail::make_action(self, strategy_name, order,
                                   "published a healing alert (no "
                                   "supervisor to escalate to)",
                                   false);
      }
      auto rp = self->make_response_promise<healing_action>();
      // Ask first: the answer comes from the supervisor itself, also when
      // the target names it by a subtree's endpoint (which forwards), and
      // an exit message must reach the supervisor, not the endpoint.
      auto sup = order.target.supervisor;
      count_children(self, sup, s.exit_timeout)
        .then(
          [self, rp, order](child_counts&) mutable {
            auto who = caf::actor_cast<caf::actor>(self->current_sender());
            if (!who) {
              alert(self, order,
                    "could not escalate " + detail::describe(order)
                      + ": its supervisor's answer came without a sender");
              return fail(self, rp, order,
                          "the supervisor's answer came without a sender");
            }
            make_exit(self, rp, std::move(order), std::move(who));
          },
          [self, rp, order](caf::error& err) mutable {
            alert(self, order,
                  "could not escalate " + detail::describe(order)
                    + ": its supervisor did not answer (" + render(err) + ")");
            fail(self, rp, order,
                 "its supervisor did not answer: " + render(err));
          });
      return rp;
    },
    [self](escalate_wait_atom, uint64_t id) {
      auto& xs = self->state.waiting;
      auto i = std::find_if(xs.begin(), xs.end(), [id](const pending_exit& x) {
        return x.order.id == id;
      });
      if (i == xs.end())
        return;
      fail(self, i->rp, i->order,
           "its supervisor did not exit within "
             + format_ms(self->state.settings.exit_timeout));
      xs.erase(i);
    },
    [](strategy_undo_atom,
       const healing_action& done) -> caf::result<healing_action> {
      return detail::nothing_to_undo(strategy_name, done.target, done.order,
                                     "an escalation cannot be undone");
    },
  };
}

} // namespace

caf::error escalate_strategy_settings::validate() const {
  if (auto err = detail::check_offer(strategy_name, classes, cost))
    return err;
  return detail::check_positive(strategy_name, "exit_timeout", exit_timeout);
}

caf::expected<caf::actor>
spawn_escalate_strategy(caf::actor_system& sys,
                        escalate_strategy_settings settings) {
  return detail::spawn_checked(sys, escalate_fun, std::move(settings));
}

start_fn escalate_strategy_start(escalate_strategy_settings settings) {
  return start_spawn(spawn_escalate_strategy, std::move(settings));
}

} // namespace remedy
