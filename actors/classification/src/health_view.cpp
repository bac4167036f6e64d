#include "remedy/classification/health_view.hpp"

#include <algorithm>

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

class health_view_impl : public caf::event_based_actor {
public:
  health_view_impl(caf::actor_config& cfg, health_view_settings settings)
    : caf::event_based_actor(cfg),
      book_(settings),
      name_(settings.name),
      log_(logger("remedy.health")) {
    // subscriptions start in make_behavior
  }

  const char* name() const override {
    return "remedy.health";
  }

  caf::behavior make_behavior() override {
    install_exception_handler(this);
    subscribe(this, "fault.");
    return {
      [this](const fault_event& x) { changed(book_.apply(x, now())); },
      [this](health_atom, const std::string& target) {
        return book_.get(target);
      },
      [this](health_atom) { return book_.all(); },
      [this](quarantine_atom, const std::string& target) {
        changed(book_.quarantine(target, true, now()));
        return book_.get(target);
      },
      [this](release_atom, const std::string& target) {
        changed(book_.quarantine(target, false, now()));
        return book_.get(target);
      },
    };
  }

private:
  caf::timespan now() {
    return clock().now().time_since_epoch();
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
  std::shared_ptr<spdlog::logger> log_;
};

} // namespace

caf::expected<caf::actor> spawn_health_view(caf::actor_system& sys,
                                            health_view_settings settings) {
  if (auto err = settings.validate())
    return err;
  return sys.spawn<health_view_impl>(std::move(settings));
}

start_fn health_view_start(health_view_settings settings) {
  return start_spawn(spawn_health_view, std::move(settings));
}

} // namespace remedy
