#include "remedy/strategies/scale_out_strategy.hpp"

#include <algorithm>
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
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_actor.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "strategy_support.hpp"

namespace remedy {

namespace {

constexpr const char* strategy_name = "scale_out";

using action_promise = caf::typed_response_promise<healing_action>;

/// The children one order added to a pool.
struct scaling {
  healing_order order;
  /// Their ids in the pool ("conn#7").
  std::vector<std::string> added;
  /// The pool's size before.
  uint64_t before = 0;
  /// False while the execution is still starting children.
  bool ready = false;
};

struct scale_out_state {
  scale_out_strategy_settings settings;
  std::shared_ptr<spdlog::logger> log;
  /// The newest orchestrator term admitted (see healing_order::term).
  term_fence fence;
  /// By order id, from the start of an execution (so that a second order
  /// for the same pool is refused while the first one is starting).
  std::map<uint64_t, scaling> active;
  static inline const char* name = "remedy.strategy.scale_out";
};

using scale_out_actor = caf::stateful_actor<scale_out_state>;

std::optional<std::string> why_not(const scale_out_state& st,
                                   const healing_order& order) {
  if (auto x = detail::class_mismatch(st.settings.classes, order))
    return x;
  if (!order.target.supervisor)
    return "target '" + order.target.name + "' has no supervisor";
  if (auto id = detail::held_by(st.active, &heal_target::supervisor,
                                order.target))
    return "the pool of '" + order.target.name
           + "' is scaled out already (order " + std::to_string(*id) + ")";
  return std::nullopt;
}

std::string list(const std::vector<std::string>& xs) {
  std::string r;
  for (auto& x : xs)
    r += (r.empty() ? "" : ", ") + x;
  return r;
}

std::string children(size_t n) {
  return std::to_string(n) + (n == 1 ? " child" : " children");
}

/// Terminates the children in `x.added`, then calls `done` with the errors
/// met ("" if none; a child that is gone already is no error).
void remove_added(scale_out_actor* self, const scaling& x,
                  std::function<void(std::string)> done) {
  struct join {
    size_t left = 0;
    std::string errors;
    std::function<void(std::string)> done;
    void one(std::string err = {}) {
      if (!err.empty())
        errors += (errors.empty() ? "" : "; ") + err;
      if (--left == 0)
        done(errors);
    }
  };
  auto j = std::make_shared<join>();
  j->done = std::move(done);
  j->left = x.added.size() + 1;
  for (auto& id : x.added)
    terminate_child(self, x.order.target.supervisor, id,
                    self->state.settings.request_timeout)
      .then([j] { j->one(); },
            [j, id](caf::error& err) {
              if (is(err, errc::unknown_child))
                j->one(); // gone already
              else
                j->one("terminate_child '" + id + "' failed: " + render(err));
            });
  j->one();
}

/// Ends the scaling of order `id` (hold over, or undo).
void scale_in(scale_out_actor* self, uint64_t id, const char* why,
              std::function<void(std::string)> done) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end() || !i->second.ready)
    return;
  auto x = std::move(i->second);
  st.active.erase(i);
  remove_added(self, x,
               [self, x, why, done{std::move(done)}](std::string errors) {
                 auto& log = self->state.log;
                 if (errors.empty())
                   log->info("strategy 'scale_out': removed {} from the pool "
                             "of '{}' ({}): {}",
                             children(x.added.size()), x.order.target.name, why,
                             list(x.added));
                 else
                   log->warn("strategy 'scale_out': removing {} from the "
                             "pool of '{}' ({}): {}",
                             list(x.added), x.order.target.name, why, errors);
                 if (done)
                   done(errors);
               });
}

void schedule_hold(scale_out_actor* self, uint64_t id) {
  self->delayed_send(self, self->state.settings.hold, scale_in_atom::value, id);
}

void hold_over(scale_out_actor* self, uint64_t id) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end() || !i->second.ready)
    return;
  if (!st.settings.health_view) {
    scale_in(self, id, "hold over; no health view to ask", nullptr);
    return;
  }
  health_of(self, st.settings.health_view, i->second.order.target.name,
            st.settings.request_timeout)
    .then(
      [self, id](target_health& h) {
        if (detail::no_active_fault(h)) {
          scale_in(self, id, "hold over, no active fault", nullptr);
          return;
        }
        auto& st = self->state;
        auto i = st.active.find(id);
        if (i == st.active.end())
          return;
        st.log->info("strategy 'scale_out': '{}' still has {} active "
                     "fault(s): holding its added children another {}",
                     h.target, h.faults.size(), format_ms(st.settings.hold));
        schedule_hold(self, id);
      },
      [self, id](caf::error& err) {
        auto& st = self->state;
        st.log->warn("strategy 'scale_out': the health view did not answer "
                     "({}): holding another {}",
                     render(err), format_ms(st.settings.hold));
        schedule_hold(self, id);
      });
}

/// Starts the next of `left` children; the last one delivers.
void start_next(scale_out_actor* self, action_promise rp, scaling x,
                uint32_t left) {
  auto& st = self->state;
  if (left == 0) {
    auto id = x.order.id;
    auto did = "added " + children(x.added.size()) + " to the pool of '"
               + x.order.target.name + "' (" + list(x.added)
               + "): " + std::to_string(x.before) + " -> "
               + std::to_string(x.before + x.added.size())
               + "; removes them after " + format_ms(st.settings.hold)
               + " once no fault is active";
    st.log->info("strategy 'scale_out': {} ({})", did,
                 detail::describe(x.order));
    rp.deliver(
      detail::make_action(self, strategy_name, x.order, std::move(did), true));
    x.ready = true;
    st.active[id] = std::move(x);
    schedule_hold(self, id);
    return;
  }
  auto sup = x.order.target.supervisor;
  start_pool_child(self, sup, st.settings.args, st.settings.request_timeout)
    .then(
      [self, rp, x, left](child_info& info) mutable {
        if (!info.current) {
          auto why = std::string{"the pool's start function ignored a "
                                 "start (no child added)"};
          remove_added(self, x, [self, rp, x, why](std::string) mutable {
            self->state.active.erase(x.order.id);
            rp.deliver(
              detail::heal_failed(strategy_name, x.order.target.name, why));
          });
          return;
        }
        x.added.push_back(info.id);
        start_next(self, rp, std::move(x), left - 1);
      },
      [self, rp, x](caf::error& err) mutable {
        auto not_pool = is(err, errc::not_supported);
        auto why = "start_pool_child failed: " + render(err);
        if (!x.added.empty())
          why += " (terminating the " + children(x.added.size())
                 + " added so far: " + list(x.added) + ")";
        remove_added(
          self, x, [self, rp, x, why, not_pool](std::string errors) mutable {
            if (!errors.empty())
              why += "; " + errors;
            self->state.active.erase(x.order.id);
            if (not_pool)
              rp.deliver(detail::not_applicable(
                strategy_name, x.order,
                "its supervisor is not a simple_one_for_one "
                "pool: "
                  + why));
            else
              rp.deliver(
                detail::heal_failed(strategy_name, x.order.target.name, why));
          });
      });
}

caf::behavior scale_out_fun(scale_out_actor* self,
                            scale_out_strategy_settings settings) {
  install_exception_handler(self);
  self->state.settings = std::move(settings);
  self->state.log = logger(detail::strategy_logger);
  return {
    [self](strategy_assess_atom, const healing_order& order) {
      auto& st = self->state;
      return detail::make_offer(
        strategy_name, st.settings.cost, false, why_not(st, order),
        "adds " + children(st.settings.add) + " to the pool for "
          + format_ms(st.settings.hold));
    },
    [self](strategy_execute_atom,
           healing_order& order) -> caf::result<healing_action> {
      if (auto err = detail::fence(self->state.fence, strategy_name, order))
        return err;
      auto& st = self->state;
      if (auto why = why_not(st, order))
        return detail::not_applicable(strategy_name, order, *why);
      auto rp = self->make_response_promise<healing_action>();
      auto sup = order.target.supervisor;
      st.active[order.id] = scaling{order, {}, 0, false};
      count_children(self, sup, st.settings.request_timeout)
        .then(
          [self, rp, order](child_counts& counts) mutable {
            auto& s = self->state.settings;
            auto size = counts.workers + counts.supervisors;
            if (size >= s.max_children) {
              self->state.active.erase(order.id);
              rp.deliver(detail::heal_failed(
                strategy_name, order.target.name,
                "its pool has " + children(size) + ", max_children is "
                  + std::to_string(s.max_children)));
              return;
            }
            auto n = static_cast<uint32_t>(
              std::min<uint64_t>(s.add, s.max_children - size));
            scaling x;
            x.order = std::move(order);
            x.before = size;
            start_next(self, rp, std::move(x), n);
          },
          [self, rp, order](caf::error& err) mutable {
            self->state.active.erase(order.id);
            rp.deliver(detail::heal_failed(strategy_name, order.target.name,
                                           "its supervisor did not answer: "
                                             + render(err)));
          });
      return rp;
    },
    [self](scale_in_atom, uint64_t id) { hold_over(self, id); },
    [self](strategy_undo_atom,
           healing_action& done) -> caf::result<healing_action> {
      auto i = detail::undo_entry(self->state.active, done, strategy_name,
                                  "the children it added are gone already",
                                  "it is still adding children");
      if (!i)
        return std::move(i.error());
      auto added = (*i)->second.added;
      auto rp = self->make_response_promise<healing_action>();
      scale_in(self, done.order, "undo",
               [self, rp, done, added](std::string errors) mutable {
                 if (!errors.empty()) {
                   rp.deliver(detail::heal_failed(strategy_name, done.target,
                                                  "undo: " + errors));
                   return;
                 }
                 auto did = "removed the " + children(added.size())
                            + " it added to the pool of '" + done.target + "' ("
                            + list(added) + ") (undo)";
                 rp.deliver(
                   detail::undone(self, std::move(done), std::move(did)));
               });
      return rp;
    },
  };
}

} // namespace

caf::error scale_out_strategy_settings::validate() const {
  if (auto err = detail::check_offer(strategy_name, classes, cost))
    return err;
  if (add == 0)
    return detail::invalid(strategy_name, "add must be at least 1, got 0");
  if (max_children == 0)
    return detail::invalid(strategy_name,
                           "max_children must be at least 1, got 0");
  if (auto err = detail::check_positive(strategy_name, "hold", hold))
    return err;
  return detail::check_positive(strategy_name, "request_timeout",
                                request_timeout);
}

caf::expected<caf::actor>
spawn_scale_out_strategy(caf::actor_system& sys,
                         scale_out_strategy_settings settings) {
  return detail::spawn_checked(sys, scale_out_fun, std::move(settings));
}

start_fn scale_out_strategy_start(scale_out_strategy_settings settings) {
  return start_spawn(spawn_scale_out_strategy, std::move(settings));
}

} // namespace remedy
