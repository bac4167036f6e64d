#include "remedy/runtime/node_registry.hpp"

#include "remedy/strategies/escalate_strategy.hpp"
#include "remedy/strategies/failover_strategy.hpp"
#include "remedy/strategies/isolate_strategy.hpp"
#include "remedy/strategies/restart_strategy.hpp"
#include "remedy/strategies/scale_out_strategy.hpp"
#include "remedy/strategies/throttle_strategy.hpp"

namespace remedy {

node_registry::node_registry() {
  strategy("restart", [](caf::actor_system& sys) {
    return spawn_restart_strategy(sys);
  });
  strategy("isolate", [](caf::actor_system& sys) {
    return spawn_isolate_strategy(sys);
  });
  strategy("throttle", [](caf::actor_system& sys) {
    return spawn_throttle_strategy(sys);
  });
  strategy("scale_out", [](caf::actor_system& sys) {
    return spawn_scale_out_strategy(sys);
  });
  strategy("failover", [](caf::actor_system& sys) {
    return spawn_failover_strategy(sys);
  });
  strategy("escalate", [](caf::actor_system& sys) {
    return spawn_escalate_strategy(sys);
  });
}

node_registry& node_registry::worker(std::string type, worker_reader read) {
  workers_[std::move(type)] = std::move(read);
  return *this;
}

node_registry& node_registry::strategy(std::string name,
                                       strategy_factory make) {
  strategies_[std::move(name)] = std::move(make);
  return *this;
}

const node_registry::worker_reader*
node_registry::find_worker(const std::string& type) const {
  auto i = workers_.find(type);
  return i != workers_.end() ? &i->second : nullptr;
}

const node_registry::strategy_factory*
node_registry::find_strategy(const std::string& name) const {
  auto i = strategies_.find(name);
  return i != strategies_.end() ? &i->second : nullptr;
}

namespace {

template <class Map>
std::vector<std::string> keys_of(const Map& xs) {
  std::vector<std::string> result;
  for (auto& kvp : xs)
    result.push_back(kvp.first);
  return result;
}

} // namespace

std::vector<std::string> node_registry::worker_types() const {
  return keys_of(workers_);
}

std::vector<std::string> node_registry::strategy_names() const {
  return keys_of(strategies_);
}

} // namespace remedy
