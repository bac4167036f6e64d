#include "remedy/routing/route_builder.hpp"

#include "remedy/routing/route.hpp"

namespace remedy {

route_builder::route_builder(std::string name) {
  settings_.name = std::move(name);
}

route_builder& route_builder::timeout(caf::timespan t) {
  settings_.timeout = t;
  return *this;
}

route_builder& route_builder::sweep_every(caf::timespan t) {
  settings_.sweep_interval = t;
  return *this;
}

route_builder& route_builder::metrics(caf::timespan interval,
                                      std::string target) {
  settings_.metrics_interval = interval;
  settings_.metrics_target = std::move(target);
  return *this;
}

route_builder& route_builder::retry(retry_policy policy) {
  settings_.retry = std::move(policy);
  return *this;
}

route_builder& route_builder::breaker(circuit_breaker_settings settings) {
  if (settings.name == circuit_breaker_settings{}.name)
    settings.name = settings_.name;
  settings_.breaker = std::move(settings);
  return *this;
}

route_builder& route_builder::bulkhead(bulkhead_settings settings) {
  settings_.bulkhead = std::move(settings);
  return *this;
}

route_builder&
route_builder::failure_if(std::function<bool(const caf::error&)> f) {
  settings_.is_failure = std::move(f);
  return *this;
}

route_builder& route_builder::classify_errors(error_classifier f) {
  settings_.classify_error = std::move(f);
  return *this;
}

route_builder& route_builder::failure_on_result(result_predicate f) {
  settings_.failure_on_result = std::move(f);
  return *this;
}

route_builder& route_builder::call_events(bool on) {
  settings_.call_events = on;
  return *this;
}

route_builder& route_builder::seed(uint64_t x) {
  settings_.seed = x;
  return *this;
}

caf::expected<caf::actor> route_builder::to(caf::actor_system& sys,
                                            caf::actor target) const {
  return spawn_route(sys, std::move(target), settings_);
}

} // namespace remedy
