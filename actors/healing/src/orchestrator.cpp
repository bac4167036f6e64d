// The healing orchestrator: fault in, strategy chosen, action taken, fault
// verified gone (or the next rung of the ladder), outcome learned.

#include "remedy/healing/orchestrator.hpp"

#include <algorithm>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "remedy/classification/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/healing/atoms.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/healing/healing_limits.hpp"
#include "remedy/healing/healing_stats.hpp"
#include "remedy/healing/strategy_learner.hpp"
#include "remedy/strategies/strategy_actor.hpp"
#include "remedy/supervision/start.hpp"

namespace remedy {

const char* to_string(healing_event_kind x) {
  switch (x) {
    case healing_event_kind::decided:
      return "decided";
    case healing_event_kind::acted:
      return "acted";
    case healing_event_kind::succeeded:
      return "succeeded";
    case healing_event_kind::failed:
      return "failed";
    case healing_event_kind::relapsed:
      return "relapsed";
    case healing_event_kind::deferred:
      return "deferred";
    case healing_event_kind::skipped:
      return "skipped";
    case healing_event_kind::abandoned:
      return "abandoned";
    case healing_event_kind::undone:
      return "undone";
  }
  return "<invalid healing_event_kind>";
}

std::string topic(const healing_event& x) {
  return std::string{"healing."} + to_string(x.kind);
}

/// A healing in flight, as the journal keeps it: enough to report it (and
/// undo it) if the orchestrator dies before its outcome.
struct journal_entry {
  healing_order order;
  std::string strategy;
  std::optional<healing_action> action;
};

class healing_memory {
public:
  std::mutex mtx;
  bool has_table = false;
  std::vector<strategy_record> table;
  std::map<uint64_t, journal_entry> journal;
  uint64_t next_id = 1;
};

std::shared_ptr<healing_memory> make_healing_memory() {
  return std::make_shared<healing_memory>();
}

namespace {

using time_point = caf::actor_clock::time_point;
using kind = healing_event_kind;

enum class step : uint8_t { assessing, executing, verifying };

/// A fault being healed, across the rungs of its ladder.
struct episode {
  fault what;
  heal_target target;
  std::set<std::string> tried;
  uint32_t attempt = 0;
  step at = step::assessing;
  /// The current attempt's healing id (new per rung).
  uint64_t healing = 0;
  std::string strategy;
  std::vector<ladder_rung> rungs;
  size_t offers_pending = 0;
  /// The fault cleared while its strategy was acting.
  bool cleared = false;
  /// Nothing had been tried on the fault when this strategy was chosen.
  bool first_choice = true;
  /// The end of the verification window (step::verifying).
  caf::actor_clock::time_point verify_until;
  std::optional<healing_action> action;
  /// When the action's reply came, on the orchestrator's clock.
  caf::timespan acted_at{0};
};

/// A verified healing, remembered for the relapse window.
struct recent_heal {
  fault_class cls;
  std::string strategy;
  caf::timespan cleared_at;
  /// It was the first strategy tried on its fault.
  bool first;
};

class orchestrator_impl : public caf::event_based_actor {
public:
  orchestrator_impl(caf::actor_config& cfg, healing_settings settings,
                    strategy_set strategies, std::vector<heal_target> targets,
                    std::shared_ptr<healing_memory> memory)
    : caf::event_based_actor(cfg),
      settings_(std::move(settings)),
      strategies_(std::move(strategies)),
      memory_(std::move(memory)),
      learner_(settings_.prior_weight, settings_.seed),
      limits_(settings_.max_concurrent, settings_.max_disruption,
              settings_.cooldown),
      log_(logger("remedy.healing")) {
    for (auto& t : targets)
      targets_[t.name] = std::move(t);
  }

  const char* name() const override {
    return "remedy.healing";
  }

  caf::behavior make_behavior() override {
    install_exception_handler(this);
    if (settings_.local_faults) {
      subscribe(this, "fault.");
      subscribe(this, "classifier.snapshot");
    }
    restore();
    if (settings_.local_faults)
      publish(this, "classifier.sync",
              caf::make_message(fault_sync_atom::value));
    return {
      [this](const fault_event& x) {
        if (x.kind == fault_event_kind::cleared)
          on_cleared(x.what);
        else
          consider(x.what);
      },
      [this](const fault_snapshot& x) {
        for (auto& f : x.faults)
          if (f.active)
            consider(f);
      },
      [this](healing_table_atom) { return learner_.table(); },
      [this](healing_status_atom) {
        auto s = stats_;
        s.active = limits_.active();
        s.waiting = waiting_.size();
        return s;
      },
      [this](heal_target_atom, heal_target& t) -> caf::result<void> {
        if (t.name.empty())
          return make_error(errc::invalid_argument,
                            "healing '" + settings_.name
                              + "': a heal_target needs a name");
        auto name = t.name;
        targets_[name] = std::move(t);
        return caf::unit;
      },
      [this](healing_forget_atom, const std::string& prefix,
             const std::string& why) { forget(prefix, why); },
      [this](healing_tick_atom) { on_tick(); },
    };
  }

private:
  // -- time and events ---------------------------------------------------------

  time_point now() {
    return clock().now();
  }

  caf::timespan since_epoch() {
    return now().time_since_epoch();
  }

  void emit(kind k, const episode* ep, const fault& f, std::string detail,
            caf::timespan ttr = caf::timespan{0}) {
    healing_event ev;
    ev.kind = k;
    ev.fault = f.id;
    ev.cls = f.cls;
    ev.target = f.target;
    if (ep != nullptr) {
      ev.healing = ep->healing;
      ev.strategy = ep->strategy;
      ev.attempt = ep->attempt;
    }
    ev.detail = std::move(detail);
    ev.dry_run = settings_.dry_run;
    ev.at = since_epoch();
    ev.time_to_recover = ttr;
    count(k);
    auto level = k == kind::failed || k == kind::abandoned
                     || k == kind::relapsed
                   ? spdlog::level::warn
                   : spdlog::level::info;
    if (log_->should_log(level))
      log_->log(level,
                "healing '{}': event={} healing={} fault={} class={} "
                "target='{}' strategy='{}' attempt={} dry_run={} "
                "ttr_ms={} detail='{}'",
                settings_.name, to_string(k), ev.healing, ev.fault,
                to_string(ev.cls), ev.target, ev.strategy, ev.attempt,
                ev.dry_run,
                std::chrono::duration_cast<std::chrono::milliseconds>(ttr)
                  .count(),
                ev.detail);
    auto t = topic(ev);
    publish(this, t, caf::make_message(std::move(ev)));
  }

  void count(kind k) {
    // The counter of each kind, in the order of healing_event_kind.
    static constexpr uint64_t healing_stats::*counters[] = {
      &healing_stats::decided,  &healing_stats::acted,
      &healing_stats::succeeded, &healing_stats::failed,
      &healing_stats::relapsed, &healing_stats::deferred,
      &healing_stats::skipped,  &healing_stats::abandoned,
      &healing_stats::undone,
    };
    static_assert(std::size(counters)
                  == static_cast<size_t>(kind::undone) + 1);
    ++(stats_.*counters[static_cast<size_t>(k)]);
  }

  // -- memory across restarts --------------------------------------------------

  void restore() {
    std::vector<journal_entry> left;
    {
      std::lock_guard<std::mutex> guard{memory_->mtx};
      if (memory_->has_table) {
        learner_.load(memory_->table);
      } else if (!settings_.table_path.empty()) {
        // spawn_orchestrator checked that it loads.
        if (auto rows = load_table(settings_.table_path)) {
          learner_.load(*rows);
          memory_->table = *rows;
          memory_->has_table = true;
        }
      }
      for (auto& [id, e] : memory_->journal)
        left.push_back(e);
      memory_->journal.clear();
    }
    // A healing the previous incarnation left in flight: take it back if
    // the strategy can, else say what may be left applied.
    for (auto& e : left)
      settle_orphan(e);
  }

  void settle_orphan(const journal_entry& e) {
    episode ep;
    ep.healing = e.order.id;
    ep.strategy = e.strategy;
    ep.attempt = e.order.attempt;
    auto& f = e.order.what;
    if (!e.action) {
      emit(kind::abandoned, &ep, f,
           "the orchestrator restarted while '" + e.strategy
             + "' was acting: its outcome is unknown");
      return;
    }
    if (!e.action->undoable) {
      emit(kind::abandoned, &ep, f,
           "the orchestrator restarted before verifying: '" + e.action->did
             + "' stays applied");
      return;
    }
    auto s = strategies_.find(e.strategy);
    if (s == strategies_.end()) {
      emit(kind::abandoned, &ep, f, "no strategy '" + e.strategy
                                      + "' to undo '" + e.action->did + "'");
      return;
    }
    undo(this, s->second, *e.action, settings_.strategy_timeout)
      .then(
        [this, ep, f](const healing_action& a) {
          emit(kind::undone, &ep, f, a.did);
        },
        [this, ep, f, did{e.action->did}](caf::error& err) {
          emit(kind::abandoned, &ep, f,
               "could not undo '" + did + "': " + render(err));
        });
  }

  void journal(const episode& ep, std::optional<healing_action> action) {
    std::lock_guard<std::mutex> guard{memory_->mtx};
    auto& e = memory_->journal[ep.healing];
    e.order = order_of(ep);
    e.strategy = ep.strategy;
    e.action = std::move(action);
  }

  void unjournal(uint64_t id) {
    std::lock_guard<std::mutex> guard{memory_->mtx};
    memory_->journal.erase(id);
  }

  uint64_t next_id() {
    std::lock_guard<std::mutex> guard{memory_->mtx};
    return memory_->next_id++;
  }

  void learned() {
    auto rows = learner_.table();
    {
      std::lock_guard<std::mutex> guard{memory_->mtx};
      memory_->table = rows;
      memory_->has_table = true;
    }
    if (!settings_.table_path.empty())
      if (auto err = save_table(settings_.table_path, rows))
        log_->error("healing '{}': {}", settings_.name, render(err));
  }

  // -- faults in ---------------------------------------------------------------

  healing_order order_of(const episode& ep) const {
    return healing_order{ep.healing, ep.what, ep.target, ep.attempt,
                         settings_.term};
  }

  void consider(const fault& f) {
    if (auto i = episodes_.find(f.target); i != episodes_.end()) {
      if (i->second.what.id == f.id)
        i->second.what = f; // newer evidence
      else
        hold(f, nullptr); // one healing per target: the next waits
      return;
    }
    if (handled_.count(f.id) != 0)
      return;
    if (auto w = waiting_.find(f.target); w != waiting_.end()) {
      w->second = f;
      return;
    }
    auto t = targets_.find(f.target);
    if (t == targets_.end()) {
      handled_.insert(f.id);
      emit(kind::skipped, nullptr, f,
           "no heal_target named '" + f.target + "'");
      return;
    }
    if (settings_.ladder(f.cls).empty()) {
      handled_.insert(f.id);
      emit(kind::skipped, nullptr, f,
           std::string{"no ladder for "} + to_string(f.cls));
      return;
    }
    auto a = limits_.check(f.target, t->second.group, t->second.group_size,
                           now());
    if (a != admission::admitted) {
      hold(f, &a);
      return;
    }
    start(f, t->second);
  }

  /// Keeps `f` until its target may be healed.
  void hold(const fault& f, const admission* why) {
    auto fresh = waiting_.emplace(f.target, f).second;
    if (!fresh) {
      waiting_[f.target] = f;
      return;
    }
    queue_.push_back(f.target);
    emit(kind::deferred, nullptr, f,
         why != nullptr ? to_string(*why) : "target is being healed");
    if (why != nullptr && *why == admission::cooling)
      schedule_retry(limits_.cooldown_until(f.target));
  }

  void schedule_retry(time_point at) {
    if (!retry_at_ || at < *retry_at_)
      retry_at_ = at;
    arm();
  }

  // -- time: one short timer ---------------------------------------------------
  //
  // Every deadline (verification windows, cooldowns) is kept here and checked
  // by one timer, due at the earliest deadline but never more than
  // check_interval away: CAF 0.17 keeps a process from exiting until its
  // pending timers fire, so a stopped orchestrator must not leave a
  // verify_window-long one behind.

  void arm() {
    std::optional<time_point> due = retry_at_;
    for (auto& [target, ep] : episodes_)
      if (ep.at == step::verifying && (!due || ep.verify_until < *due))
        due = ep.verify_until;
    if (!due)
      return;
    auto t = now();
    auto at = std::min(*due, t + settings_.check_interval);
    if (tick_at_ && *tick_at_ <= at && *tick_at_ >= t)
      return; // an earlier tick is pending and will re-arm
    tick_at_ = at;
    delayed_send(this, at > t ? at - t : caf::timespan{0},
                 healing_tick_atom::value);
  }

  void on_tick() {
    auto t = now();
    if (tick_at_ && *tick_at_ <= t)
      tick_at_.reset();
    std::vector<uint64_t> expired;
    for (auto& [target, ep] : episodes_)
      if (ep.at == step::verifying && ep.verify_until <= t)
        expired.push_back(ep.healing);
    for (auto id : expired)
      on_verify_timeout(id);
    if (retry_at_ && *retry_at_ <= t) {
      retry_at_.reset();
      pump();
    }
    arm();
  }

  /// Starts what waits and may start now, oldest first. A start can end
  /// at once (nothing left to try) and call this again: that call only
  /// asks the running one for another round.
  void pump() {
    if (pumping_) {
      pump_again_ = true;
      return;
    }
    pumping_ = true;
    do {
      pump_again_ = false;
      pump_round();
    } while (pump_again_);
    pumping_ = false;
  }

  void pump_round() {
    std::deque<std::string> still;
    std::optional<time_point> next_cooldown;
    while (!queue_.empty()) {
      auto target = std::move(queue_.front());
      queue_.pop_front();
      auto w = waiting_.find(target);
      if (w == waiting_.end())
        continue;
      if (episodes_.count(target) != 0) {
        still.push_back(std::move(target));
        continue;
      }
      auto t = targets_.find(target);
      if (t == targets_.end()) {
        auto f = std::move(w->second);
        waiting_.erase(w);
        emit(kind::skipped, nullptr, f,
             "no heal_target named '" + target + "'");
        continue;
      }
      auto a = limits_.check(target, t->second.group, t->second.group_size,
                             now());
      if (a == admission::admitted) {
        auto f = std::move(w->second);
        waiting_.erase(w);
        start(f, t->second);
        continue;
      }
      if (a == admission::cooling) {
        auto until = limits_.cooldown_until(target);
        if (!next_cooldown || until < *next_cooldown)
          next_cooldown = until;
      }
      still.push_back(std::move(target));
    }
    // Targets queued by a start during this round come after the ones
    // still waiting from before it.
    for (auto& x : queue_)
      still.push_back(std::move(x));
    queue_ = std::move(still);
    if (next_cooldown)
      schedule_retry(*next_cooldown);
  }

  void start(const fault& f, const heal_target& t) {
    episode ep;
    ep.what = f;
    ep.target = t;
    // A relapse: the same class on the same target soon after a verified
    // healing counts against that healing, and its strategy is not the
    // first one tried again.
    if (auto r = recent_.find(f.target); r != recent_.end()) {
      auto& xs = r->second;
      for (auto i = xs.begin(); i != xs.end();) {
        if (settings_.relapse_window.count() == 0
            || f.first_seen - i->cleared_at > settings_.relapse_window) {
          i = xs.erase(i);
        } else if (i->cls == f.cls) {
          episode rel;
          rel.strategy = i->strategy;
          emit(kind::relapsed, &rel, f,
               "came back " + format_ms(f.first_seen - i->cleared_at)
                 + " after '" + i->strategy + "' healed it");
          learner_.record_relapse(f.cls, i->strategy, i->first);
          learned();
          ep.tried.insert(i->strategy);
          i = xs.erase(i);
        } else {
          ++i;
        }
      }
    }
    limits_.begin(t.name, t.group);
    stats_.peak_active = std::max<uint64_t>(stats_.peak_active,
                                            limits_.active());
    auto& e = episodes_[f.target] = std::move(ep);
    assess_all(e);
  }

  // -- one rung: assess, choose, act ---------------------------------------------

  void assess_all(episode& ep) {
    ep.at = step::assessing;
    ep.healing = next_id();
    ep.strategy.clear();
    ep.action.reset();
    ep.cleared = false;
    auto& names = settings_.ladder(ep.what.cls);
    ep.rungs.assign(names.size(), ladder_rung{});
    ep.offers_pending = names.size();
    auto order = order_of(ep);
    auto target = ep.what.target;
    auto id = ep.healing;
    for (size_t i = 0; i < names.size(); ++i) {
      ep.rungs[i].strategy = names[i];
      ep.rungs[i].applies = false;
      auto s = strategies_.find(names[i]);
      if (ep.tried.count(names[i]) != 0 || s == strategies_.end()) {
        --ep.offers_pending;
        continue;
      }
      assess(this, s->second, order, settings_.strategy_timeout)
        .then(
          [this, target, id, i](const strategy_offer& o) {
            if (auto* ep = current(target, id)) {
              ep->rungs[i].applies = o.applies;
              ep->rungs[i].drastic = o.drastic;
              offered(*ep);
            }
          },
          [this, target, id, i](caf::error& err) {
            if (auto* ep = current(target, id)) {
              log_->warn("healing '{}': strategy '{}' did not assess '{}': {}",
                         settings_.name, ep->rungs[i].strategy, target,
                         render(err));
              offered(*ep);
            }
          });
    }
    if (ep.offers_pending == 0)
      choose(ep);
  }

  /// The episode of `target` if its current attempt is `id`.
  episode* current(const std::string& target, uint64_t id) {
    auto i = episodes_.find(target);
    if (i == episodes_.end() || i->second.healing != id)
      return nullptr;
    return &i->second;
  }

  void offered(episode& ep) {
    if (ep.at != step::assessing || ep.offers_pending == 0)
      return;
    if (--ep.offers_pending == 0)
      choose(ep);
  }

  void choose(episode& ep) {
    auto pick = learner_.choose(ep.what.cls, ep.rungs, ep.tried,
                                settings_.policy);
    if (!pick) {
      auto f = ep.what;
      emit(kind::skipped, &ep, f,
           ep.tried.empty() ? "no strategy on the ladder applies"
                            : "every strategy on the ladder was tried");
      end(f.target);
      return;
    }
    ep.strategy = ep.rungs[*pick].strategy;
    ep.first_choice = ep.tried.empty();
    emit(kind::decided, &ep, ep.what,
         ep.rungs[*pick].drastic ? "drastic, by escalation" : "");
    if (settings_.dry_run) {
      handled_.insert(ep.what.id);
      end(ep.what.target);
      return;
    }
    act(ep);
  }

  void act(episode& ep) {
    ep.at = step::executing;
    journal(ep, std::nullopt);
    auto target = ep.what.target;
    auto id = ep.healing;
    execute(this, strategies_.at(ep.strategy), order_of(ep),
            settings_.strategy_timeout)
      .then(
        [this, target, id](healing_action& a) {
          if (auto* ep = current(target, id))
            acted(*ep, std::move(a));
        },
        [this, target, id](caf::error& err) {
          if (auto* ep = current(target, id))
            not_acted(*ep, err);
        });
  }

  void acted(episode& ep, healing_action a) {
    ep.action = a;
    // On this clock: a strategy on another node stamps `a.at` on its own.
    ep.acted_at = since_epoch();
    journal(ep, a);
    emit(kind::acted, &ep, ep.what, a.did);
    if (ep.cleared) {
      succeed(ep);
      return;
    }
    ep.at = step::verifying;
    ep.verify_until = now() + settings_.verify_window;
    arm();
  }

  void not_acted(episode& ep, const caf::error& err) {
    unjournal(ep.healing);
    auto f = ep.what;
    if (is(err, errc::stale_term)) {
      // A newer orchestrator (a new leader's) has been heard by the
      // strategy: this one is deposed. Nothing is learned, no other rung is
      // tried (every strategy would refuse as well).
      log_->warn("orchestrator '{}': deposed: {}", settings_.name, render(err));
      emit(kind::abandoned, &ep, f, "fenced off: " + render(err));
      end(f.target);
      return;
    }
    if (err.category() == error_category
        && !is(err, errc::unhandled_exception)) {
      // The strategy answered: it did not act.
      emit(kind::failed, &ep, f, render(err));
      learner_.record_failure(f.cls, ep.strategy, ep.first_choice);
      learned();
    } else {
      // No answer (it crashed, died, or took longer than strategy_timeout):
      // what it did is unknown, so nothing is learned.
      emit(kind::abandoned, &ep, f,
           "'" + ep.strategy + "' gave no answer: " + render(err));
    }
    if (ep.cleared) {
      end(f.target);
      return;
    }
    next_rung(ep);
  }

  /// Abandons the healings and waiting faults of every target named
  /// `prefix...`, learning nothing from them.
  void forget(const std::string& prefix, const std::string& why) {
    auto matches = [&](const std::string& target) {
      return target.compare(0, prefix.size(), prefix) == 0;
    };
    for (auto i = waiting_.begin(); i != waiting_.end();)
      i = matches(i->first) ? waiting_.erase(i) : std::next(i);
    std::vector<std::string> gone;
    for (auto& [target, ep] : episodes_)
      if (matches(target))
        gone.push_back(target);
    for (auto& target : gone) {
      auto i = episodes_.find(target);
      if (i == episodes_.end())
        continue;
      auto& ep = i->second;
      unjournal(ep.healing);
      emit(kind::abandoned, &ep, ep.what, why);
      end(target);
    }
  }

  void next_rung(episode& ep) {
    ep.tried.insert(ep.strategy);
    ++ep.attempt;
    assess_all(ep);
  }

  // -- verification ----------------------------------------------------------------

  void on_cleared(const fault& f) {
    if (auto w = waiting_.find(f.target);
        w != waiting_.end() && w->second.id == f.id)
      waiting_.erase(w); // nothing to heal any more (queue_ skips it)
    auto i = episodes_.find(f.target);
    if (i == episodes_.end() || i->second.what.id != f.id)
      return;
    auto& ep = i->second;
    ep.what = f;
    switch (ep.at) {
      case step::assessing:
        emit(kind::skipped, &ep, f, "cleared before any strategy acted");
        end(f.target);
        break;
      case step::executing:
        ep.cleared = true; // the action's reply decides
        break;
      case step::verifying:
        succeed(ep);
        break;
    }
  }

  void succeed(episode& ep) {
    auto& f = ep.what;
    auto cleared = f.cleared_at.count() > 0 ? f.cleared_at : since_epoch();
    auto ttr = cleared - f.first_seen;
    unjournal(ep.healing);
    emit(kind::succeeded, &ep, f,
         "fault cleared " + format_ms(cleared - ep.acted_at)
           + " after the action",
         ttr);
    learner_.record_success(f.cls, ep.strategy, ttr, ep.first_choice);
    learned();
    recent_[f.target].push_back(
      recent_heal{f.cls, ep.strategy, cleared, ep.first_choice});
    end(f.target);
  }

  void on_verify_timeout(uint64_t id) {
    for (auto& [target, ep] : episodes_) {
      if (ep.healing != id || ep.at != step::verifying)
        continue;
      unjournal(id);
      emit(kind::failed, &ep, ep.what,
           "fault still active " + format_ms(settings_.verify_window)
             + " after the action");
      learner_.record_failure(ep.what.cls, ep.strategy, ep.first_choice);
      learned();
      next_rung(ep);
      return;
    }
  }

  // By value: callers pass the episode's own target name, which the erase
  // below frees.
  void end(std::string target) {
    auto i = episodes_.find(target);
    if (i == episodes_.end())
      return;
    limits_.end(target, i->second.target.group, now());
    episodes_.erase(i);
    pump();
    if (waiting_.count(target) != 0)
      schedule_retry(limits_.cooldown_until(target));
  }

  // -- state -----------------------------------------------------------------------

  healing_settings settings_;
  strategy_set strategies_;
  std::shared_ptr<healing_memory> memory_;
  strategy_learner learner_;
  healing_limits limits_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::string, heal_target> targets_;
  std::map<std::string, episode> episodes_;
  std::map<std::string, fault> waiting_;
  std::deque<std::string> queue_;
  std::set<uint64_t> handled_;
  std::map<std::string, std::vector<recent_heal>> recent_;
  healing_stats stats_;
  /// When waiting faults are due to be tried again (a cooldown ends).
  std::optional<time_point> retry_at_;
  /// When the pending tick fires, if one is pending.
  std::optional<time_point> tick_at_;
  /// pump() is running / was called again while running.
  bool pumping_ = false;
  bool pump_again_ = false;
};

caf::error check(const healing_settings& settings,
                 const strategy_set& strategies,
                 const std::vector<heal_target>& targets) {
  std::vector<std::string> names;
  for (auto& [name, s] : strategies) {
    if (!s)
      return make_error(errc::invalid_argument,
                        "healing '" + settings.name + "': strategy '" + name
                          + "' has no actor");
    names.push_back(name);
  }
  if (auto err = settings.validate(names))
    return err;
  for (size_t i = 0; i < targets.size(); ++i)
    if (targets[i].name.empty())
      return make_error(errc::invalid_argument,
                        "healing '" + settings.name + "': targets["
                          + std::to_string(i) + "] has no name");
  if (!settings.table_path.empty())
    if (auto rows = load_table(settings.table_path); !rows)
      return make_error(errc::invalid_argument,
                        "healing '" + settings.name + "': table_path "
                          + context_of(rows.error()));
  return caf::none;
}

} // namespace

caf::expected<caf::actor>
spawn_orchestrator(caf::actor_system& sys, healing_settings settings,
                   strategy_set strategies, std::vector<heal_target> targets,
                   std::shared_ptr<healing_memory> memory) {
  if (auto err = check(settings, strategies, targets))
    return err;
  if (!memory)
    memory = make_healing_memory();
  return sys.spawn<orchestrator_impl>(std::move(settings),
                                      std::move(strategies),
                                      std::move(targets), std::move(memory));
}

start_fn orchestrator_start(healing_settings settings, strategy_set strategies,
                            std::vector<heal_target> targets,
                            std::shared_ptr<healing_memory> memory) {
  return [=](caf::actor_system& sys,
             const caf::message&) -> caf::expected<caf::actor> {
    return spawn_orchestrator(sys, settings, strategies, targets, memory);
  };
}

} // namespace remedy
