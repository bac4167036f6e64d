#include "remedy/classification/health_view.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>

#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>

#include <spdlog/spdlog.h>

#include "remedy/classification/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/supervision/start.hpp"

namespace remedy {

const char* to_string(health_state x) {
  switch (x) {
    case health_state::healthy:
      return "healthy";
    case health_state::suspect:
      return "suspect";
    case health_state::faulty:
      return "faulty";
    case health_state::quarantined:
      return "quarantined";
  }
  return "<invalid health_state>";
}

std::string topic(const target_health& x) {
  return std::string{"health."} + to_string(x.state);
}

caf::error health_view_settings::validate() const {
  if (name.empty())
    return make_error(errc::invalid_argument, "health view: empty name");
  if (!(faulty_confidence >= 0.0 && faulty_confidence <= 1.0))
    return make_error(errc::invalid_argument,
                      "health view '" + name
                        + "': faulty_confidence must be in [0, 1], got "
                        + format_number(faulty_confidence));
  return caf::none;
}

health_book::health_book(health_view_settings settings)
  : settings_(std::move(settings)) {
  // targets appear with their first fault
}

health_state health_book::evaluate(const record& r) const {
  if (r.quarantined)
    return health_state::quarantined;
  auto state = health_state::healthy;
  for (auto& f : r.health.faults) {
    if (f.cls != fault_class::resource_exhaustion_predicted
        && f.confidence >= settings_.faulty_confidence)
      return health_state::faulty;
    state = health_state::suspect;
  }
  return state;
}

std::optional<target_health> health_book::update(record& r,
                                                 caf::timespan now) {
  auto state = evaluate(r);
  if (state == r.health.state)
    return std::nullopt;
  r.health.state = state;
  r.health.since = now;
  return r.health;
}

std::optional<target_health> health_book::apply(const fault_event& x,
                                                caf::timespan now) {
  auto& f = x.what;
  auto i = targets_.find(f.target);
  if (i == targets_.end()) {
    if (x.kind == fault_event_kind::cleared)
      return std::nullopt; // a fault the view never saw raised
    i = targets_.emplace(f.target, record{}).first;
    i->second.health.target = f.target;
  }
  auto& faults = i->second.health.faults;
  auto j = std::find_if(faults.begin(), faults.end(),
                        [&](const fault& y) { return y.id == f.id; });
  if (x.kind == fault_event_kind::cleared) {
    if (j != faults.end())
      faults.erase(j);
  } else if (j != faults.end()) {
    *j = f;
  } else {
    faults.push_back(f);
  }
  return update(i->second, now);
}

std::vector<target_health> health_book::sync(const fault_snapshot& snapshot,
                                             caf::timespan now) {
  std::map<std::string, std::vector<fault>> by_target;
  for (auto& f : snapshot.faults)
    by_target[f.target].push_back(f);
  for (auto& [target, faults] : by_target)
    if (targets_.count(target) == 0)
      targets_.emplace(target, record{}).first->second.health.target = target;
  std::vector<target_health> changed;
  for (auto& [target, r] : targets_) {
    auto i = by_target.find(target);
    r.health.faults = i != by_target.end() ? std::move(i->second)
                                           : std::vector<fault>{};
    if (auto x = update(r, now))
      changed.push_back(std::move(*x));
  }
  return changed;
}

std::optional<target_health>
health_book::quarantine(const std::string& target, bool on,
                        caf::timespan now) {
  auto i = targets_.find(target);
  if (i == targets_.end()) {
    i = targets_.emplace(target, record{}).first;
    i->second.health.target = target;
  }
  i->second.quarantined = on;
  return update(i->second, now);
}

target_health health_book::get(const std::string& target) const {
  auto i = targets_.find(target);
  if (i == targets_.end())
    return target_health{target, health_state::healthy, caf::timespan{0}, {}};
  return i->second.health;
}

std::vector<target_health> health_book::all() const {
  std::vector<target_health> result;
  for (auto& [name, r] : targets_)
    result.push_back(r.health);
  return result;
}

namespace {

/// The quarantines of a health view in a tree, kept by its start function
/// so that they outlive each incarnation.
struct quarantine_memory {
  std::mutex mtx;
  std::set<std::string> targets;

  void set(const std::string& target, bool on) {
    std::lock_guard<std::mutex> guard{mtx};
    if (on)
      targets.insert(target);
    else
      targets.erase(target);
  }

  std::set<std::string> get() {
    std::lock_guard<std::mutex> guard{mtx};
    return targets;
  }
};

using quarantine_memory_ptr = std::shared_ptr<quarantine_memory>;

class health_view_impl : public caf::event_based_actor {
public:
  health_view_impl(caf::actor_config& cfg, health_view_settings settings,
                   quarantine_memory_ptr memory)
    : caf::event_based_actor(cfg),
      book_(settings),
      name_(settings.name),
      memory_(std::move(memory)),
      log_(logger("remedy.health")) {
    // subscriptions start in make_behavior
  }

  const char* name() const override {
    return "remedy.health";
  }

  caf::behavior make_behavior() override {
    install_exception_handler(this);
    subscribe(this, "fault.");
    subscribe(this, "classifier.snapshot");
    if (memory_)
      for (auto& target : memory_->get())
        changed(book_.quarantine(target, true, now()));
    // Catch up with what the classifiers hold now (a restarted view missed
    // their events).
    publish(this, "classifier.sync", caf::make_message(fault_sync_atom::value));
    return {
      [this](const fault_event& x) { changed(book_.apply(x, now())); },
      [this](const fault_snapshot& x) {
        for (auto& h : book_.sync(x, now()))
          changed(std::move(h));
      },
      [this](health_atom, const std::string& target) {
        return book_.get(target);
      },
      [this](health_atom) { return book_.all(); },
      [this](quarantine_atom, const std::string& target) {
        return set_quarantine(target, true);
      },
      [this](release_atom, const std::string& target) {
        return set_quarantine(target, false);
      },
    };
  }

private:
  caf::timespan now() {
    return clock().now().time_since_epoch();
  }

  target_health set_quarantine(const std::string& target, bool on) {
    if (memory_)
      memory_->set(target, on);
    changed(book_.quarantine(target, on, now()));
    return book_.get(target);
  }

  void changed(std::optional<target_health> x) {
    if (!x)
      return;
    if (log_->should_log(spdlog::level::info))
      log_->info("health view '{}': '{}' is {} ({} active faults)", name_,
                 x->target, to_string(x->state), x->faults.size());
    auto t = topic(*x);
    publish(this, t, caf::make_message(std::move(*x)));
  }

  health_book book_;
  std::string name_;
  quarantine_memory_ptr memory_;
  std::shared_ptr<spdlog::logger> log_;
};

caf::expected<caf::actor> spawn_view(caf::actor_system& sys,
                                     health_view_settings settings,
                                     quarantine_memory_ptr memory) {
  if (auto err = settings.validate())
    return err;
  return sys.spawn<health_view_impl>(std::move(settings), std::move(memory));
}

} // namespace

caf::expected<caf::actor> spawn_health_view(caf::actor_system& sys,
                                            health_view_settings settings) {
  return spawn_view(sys, std::move(settings), nullptr);
}

start_fn health_view_start(health_view_settings settings) {
  auto memory = std::make_shared<quarantine_memory>();
  return [settings{std::move(settings)},
          memory](caf::actor_system& sys,
                  const caf::message&) -> caf::expected<caf::actor> {
    return spawn_view(sys, settings, memory);
  };
}

} // namespace remedy
