#include "remedy/strategies/isolate_strategy.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include "remedy/classification/health_view_actor.hpp"
#include "remedy/classification/type_ids.hpp"
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

constexpr const char* strategy_name = "isolate";

using action_promise = caf::typed_response_promise<healing_action>;

/// One target taken out of service, and what the strategy did to it (only
/// that is taken back).
struct isolation {
  healing_order order;
  /// The strategy forced the route's breaker open.
  bool breaker = false;
  /// The strategy quarantined the target in the health view.
  bool quarantined = false;
  /// Probations extended so far.
  uint32_t extensions = 0;
  /// Out of probations: stays isolated until undo.
  bool held = false;
  /// False while the execution is still isolating.
  bool ready = false;
};

struct isolate_state {
  isolate_strategy_settings settings;
  std::shared_ptr<spdlog::logger> log;
  /// The newest orchestrator term admitted (see healing_order::term).
  term_fence fence;
  /// By order id, from the start of an execution (so that a second order
  /// for the same target is refused while the first one is isolating it).
  std::map<uint64_t, isolation> active;
  static inline const char* name = "remedy.strategy.isolate";
};

using isolate_actor = caf::stateful_actor<isolate_state>;

const isolation* isolation_of(const isolate_state& st,
                              const std::string& target) {
  for (auto& [id, x] : st.active)
    if (x.order.target.name == target)
      return &x;
  return nullptr;
}

std::optional<std::string> why_not(const isolate_state& st,
                                   const healing_order& order) {
  if (auto x = detail::class_mismatch(st.settings.classes, order))
    return x;
  if (!order.target.route && !st.settings.health_view)
    return "target '" + order.target.name
           + "' has no route and the strategy has no health view: nothing "
             "to isolate it with";
  if (auto x = isolation_of(st, order.target.name))
    return "target '" + order.target.name + "' is isolated already (order "
           + std::to_string(x->order.id) + ")";
  return std::nullopt;
}

/// Takes back what `x` did (reset the breaker, lift the quarantine), then
/// calls `done` with the errors met ("" if none).
void take_back(isolate_actor* self, const isolation& x,
               std::function<void(std::string)> done) {
  struct join {
    int left = 0;
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
  j->left = 1 + (x.breaker ? 1 : 0) + (x.quarantined ? 1 : 0);
  auto timeout = self->state.settings.request_timeout;
  if (x.breaker)
    reset_breaker(self, x.order.target.route, timeout)
      .then([j] { j->one(); },
            [j](caf::error& err) {
              j->one("reset_breaker failed: " + render(err));
            });
  if (x.quarantined)
    release(self, self->state.settings.health_view, x.order.target.name,
            timeout)
      .then([j](target_health&) { j->one(); },
            [j](caf::error& err) { j->one("release failed: " + render(err)); });
  j->one();
}

std::string what_was_done(const isolation& x) {
  std::string r;
  if (x.breaker)
    r = "forced the breaker of its route open";
  if (x.quarantined)
    r += (r.empty() ? "" : " and ") + std::string{"quarantined it"};
  return r;
}

/// Ends the isolation of order `id` (probation over, or undo).
void end_isolation(isolate_actor* self, uint64_t id, const char* why,
                   std::function<void(std::string)> done) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end() || !i->second.ready)
    return;
  auto x = std::move(i->second);
  st.active.erase(i);
  take_back(self, x, [self, x, why, done{std::move(done)}](std::string errors) {
    if (errors.empty())
      self->state.log->info("strategy 'isolate': released '{}' ({})",
                            x.order.target.name, why);
    else
      self->state.log->warn("strategy 'isolate': releasing '{}' ({}): {}",
                            x.order.target.name, why, errors);
    if (done)
      done(errors);
  });
}

void schedule_probe(isolate_actor* self, uint64_t id) {
  self->delayed_send(self, self->state.settings.probation,
                     isolate_probe_atom::value, id);
}

/// A probation ended with an active fault (or no answer): extend or hold.
void extend(isolate_actor* self, uint64_t id, const std::string& why) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end())
    return;
  auto& x = i->second;
  if (x.extensions < st.settings.max_probations) {
    ++x.extensions;
    st.log->info("strategy 'isolate': '{}' {}: probation extended ({} of {})",
                 x.order.target.name, why, x.extensions,
                 st.settings.max_probations);
    // Probe: a breaker held open keeps every call off the target, so the
    // route publishes no new error rate or latency and the fault's last
    // samples would hold forever. Half-open lets the breaker's probe calls
    // through: they close it if the target answers well (fresh samples
    // clear the fault, and the next probation's end releases it) or open
    // it again if not. The quarantine stays until then.
    if (x.breaker && x.order.target.route)
      half_open_breaker(self, x.order.target.route, st.settings.request_timeout)
        .then([] {},
              [self, name{x.order.target.name}](caf::error& err) {
                self->state.log->warn("strategy 'isolate': '{}': probe "
                                      "(half-open) failed: {}",
                                      name, render(err));
              });
    schedule_probe(self, id);
    return;
  }
  x.held = true;
  st.log->warn("strategy 'isolate': '{}' {} after {} probations: it stays "
               "isolated until undo",
               x.order.target.name, why, 1 + x.extensions);
  // The last probe left the breaker to itself: hold it open again.
  if (x.breaker && x.order.target.route)
    force_open_breaker(self, x.order.target.route, st.settings.request_timeout)
      .then([] {},
            [self, name{x.order.target.name}](caf::error& err) {
              self->state.log->warn("strategy 'isolate': '{}': could not "
                                    "force the breaker open again: {}",
                                    name, render(err));
            });
}

void probe(isolate_actor* self, uint64_t id) {
  auto& st = self->state;
  auto i = st.active.find(id);
  if (i == st.active.end() || !i->second.ready || i->second.held)
    return;
  if (!st.settings.health_view) {
    end_isolation(self, id, "probation over; no health view to ask", nullptr);
    return;
  }
  health_of(self, st.settings.health_view, i->second.order.target.name,
            st.settings.request_timeout)
    .then(
      [self, id](target_health& h) {
        if (detail::no_active_fault(h))
          end_isolation(self, id, "probation over, no active fault", nullptr);
        else
          extend(self, id,
                 "still has " + std::to_string(h.faults.size())
                   + " active fault(s)");
      },
      [self, id](caf::error& err) {
        extend(self, id, "health view did not answer (" + render(err) + ")");
      });
}

void finish(isolate_actor* self, action_promise rp, isolation x) {
  auto& st = self->state;
  auto& order = x.order;
  if (!x.breaker && !x.quarantined) {
    st.active.erase(order.id);
    rp.deliver(detail::heal_failed(
      strategy_name, order.target.name,
      "it is isolated already by someone else (breaker forced open or "
      "quarantined): nothing to do"));
    return;
  }
  auto did = what_was_done(x) + " for " + format_ms(st.settings.probation)
             + " of probation";
  st.log->info("strategy 'isolate': '{}': {} ({})", order.target.name, did,
               detail::describe(order));
  auto id = order.id;
  rp.deliver(detail::make_action(
    self, strategy_name, order,
    "isolated '" + order.target.name + "': " + std::move(did), true));
  x.ready = true;
  st.active[id] = std::move(x);
  schedule_probe(self, id);
}

/// Fails the execution after taking back what was done so far.
void abandon(isolate_actor* self, action_promise rp, isolation x,
             std::string why) {
  take_back(self, x, [self, rp, x, why](std::string errors) mutable {
    if (!errors.empty())
      why += " (and taking back what was done: " + errors + ")";
    auto err = detail::heal_failed(strategy_name, x.order.target.name, why);
    self->state.active.erase(x.order.id);
    self->state.log->warn("{}", render(err));
    rp.deliver(std::move(err));
  });
}

void quarantine_step(isolate_actor* self, action_promise rp, isolation x) {
  auto& s = self->state.settings;
  if (!s.health_view)
    return finish(self, rp, std::move(x));
  auto target = x.order.target.name;
  health_of(self, s.health_view, target, s.request_timeout)
    .then(
      [self, rp, x, target](target_health& h) mutable {
        if (h.state == health_state::quarantined)
          return finish(self, rp, std::move(x)); // not ours: leave it
        auto& s = self->state.settings;
        quarantine(self, s.health_view, target, s.request_timeout)
          .then(
            [self, rp, x](target_health&) mutable {
              x.quarantined = true;
              finish(self, rp, std::move(x));
            },
            [self, rp, x](caf::error& err) mutable {
              abandon(self, rp, std::move(x),
                      "quarantine failed: " + render(err));
            });
      },
      [self, rp, x](caf::error& err) mutable {
        abandon(self, rp, std::move(x),
                "the health view did not answer: " + render(err));
      });
}

void breaker_step(isolate_actor* self, action_promise rp, isolation x) {
  auto& s = self->state.settings;
  auto route = x.order.target.route;
  if (!route)
    return quarantine_step(self, rp, std::move(x));
  route_stats_of(self, route, s.request_timeout)
    .then(
      [self, rp, x, route](route_stats& rs) mutable {
        if (rs.state == breaker_state::forced_open)
          return quarantine_step(self, rp, std::move(x)); // not ours
        force_open_breaker(self, route, self->state.settings.request_timeout)
          .then(
            [self, rp, x]() mutable {
              x.breaker = true;
              quarantine_step(self, rp, std::move(x));
            },
            [self, rp, x](caf::error& err) mutable {
              abandon(self, rp, std::move(x),
                      "force_open_breaker on its route failed: " + render(err));
            });
      },
      [self, rp, x](caf::error& err) mutable {
        abandon(self, rp, std::move(x),
                "its route did not answer: " + render(err));
      });
}

caf::behavior isolate_fun(isolate_actor* self,
                          isolate_strategy_settings settings) {
  install_exception_handler(self);
  self->state.settings = std::move(settings);
  self->state.log = logger(detail::strategy_logger);
  return {
    [self](strategy_assess_atom, const healing_order& order) {
      auto& st = self->state;
      return detail::make_offer(strategy_name, st.settings.cost, false,
                                why_not(st, order),
                                "forces the route's breaker open and "
                                "quarantines the target for "
                                  + format_ms(st.settings.probation));
    },
    [self](strategy_execute_atom,
           healing_order& order) -> caf::result<healing_action> {
      if (auto err = detail::fence(self->state.fence, strategy_name, order))
        return err;
      if (auto why = why_not(self->state, order))
        return detail::not_applicable(strategy_name, order, *why);
      auto rp = self->make_response_promise<healing_action>();
      isolation x;
      x.order = std::move(order);
      self->state.active[x.order.id] = x; // reserved until it is done
      breaker_step(self, rp, std::move(x));
      return rp;
    },
    [self](isolate_probe_atom, uint64_t id) { probe(self, id); },
    [self](strategy_undo_atom,
           healing_action& done) -> caf::result<healing_action> {
      auto i = detail::undo_entry(self->state.active, done, strategy_name,
                                  "it is not isolated (released already)",
                                  "it is still isolating it");
      if (!i)
        return std::move(i.error());
      auto rp = self->make_response_promise<healing_action>();
      end_isolation(
        self, done.order, "undo", [self, rp, done](std::string errors) mutable {
          if (!errors.empty()) {
            rp.deliver(detail::heal_failed(strategy_name, done.target,
                                           "undo (release): " + errors));
            return;
          }
          auto did = "released '" + done.target + "' (undo)";
          rp.deliver(detail::undone(self, std::move(done), std::move(did)));
        });
      return rp;
    },
  };
}

} // namespace

caf::error isolate_strategy_settings::validate() const {
  if (auto err = detail::check_offer(strategy_name, classes, cost))
    return err;
  if (auto err = detail::check_positive(strategy_name, "probation", probation))
    return err;
  return detail::check_positive(strategy_name, "request_timeout",
                                request_timeout);
}

caf::expected<caf::actor>
spawn_isolate_strategy(caf::actor_system& sys,
                       isolate_strategy_settings settings) {
  return detail::spawn_checked(sys, isolate_fun, std::move(settings));
}

start_fn isolate_strategy_start(isolate_strategy_settings settings) {
  return start_spawn(spawn_isolate_strategy, std::move(settings));
}

} // namespace remedy
