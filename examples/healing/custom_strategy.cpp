// A healing strategy of your own: "flush_cache" empties a service's cache
// when the service turns slow. It is a plain class; Remedy runs it as an
// actor, and the orchestrator calls it when the classifier names a slow
// fault, then verifies the repair by watching the fault clear.
// Exits 0 only if the slow fault was raised, healed and verified.

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

// A service whose cache fills up during a burst of writes (its first 40
// ticks), each entry making it slower; it reports its latency every tick.
caf::behavior cached_service(caf::event_based_actor* self) {
  auto entries = std::make_shared<int>(0);
  auto ticks = std::make_shared<int>(0);
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      if (++*ticks <= 40)
        ++*entries;
      publish_sample(self, "shop/cache", "latency_ms", 5.0 + 2.0 * *entries);
      self->delayed_send(self, 10ms, tick_atom::value);
    },
    [=](flush_atom) { *entries = 0; },
  };
}

// [strategy]
class flush_cache : public healing_strategy {
public:
  flush_cache()
    : healing_strategy("flush_cache", strategy_traits{}.with_cost(0.1).only_for(
                                        {fault_class::slow})) {
  }

  caf::expected<std::string> act(const healing_order& order,
                                 caf::event_based_actor* self) override {
    if (!order.target.endpoint)
      return make_error(errc::heal_failed, "flush_cache: no endpoint");
    self->send(order.target.endpoint, flush_atom::value);
    return "flushed the cache of " + order.target.name;
  }
};
// [strategy]

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  subscribe(self.ptr(), "healing.");
  auto service = sys.spawn(cached_service);
  // Detect: latency at or above 50 ms is slow, below 20 ms is fine again.
  threshold_detector_settings watch;
  threshold_detector_rule rule;
  rule.metric = "latency_ms";
  rule.threshold.limit = 50.0;
  rule.threshold.clear_limit = 20.0;
  watch.rules.push_back(rule);
  auto detector = spawn_detector<threshold_detector>(sys, watch);
  classifier_settings rules;
  rules.clear_after = 0s;
  auto classifier = spawn_classifier(sys, rules);
  // [heal]
  healing_settings heal;
  heal.default_ladder = {"flush_cache"};
  heal_target cache;
  cache.name = "shop/cache";
  cache.endpoint = service;
  auto healer = spawn_orchestrator(
    sys, heal,
    {{"flush_cache", spawn_strategy(sys, std::make_shared<flush_cache>())}},
    {cache});
  // [heal]
  if (!detector || !classifier || !healer) {
    std::cout << "setup failed\n";
    return 1;
  }
  bool healed = false;
  for (int i = 0; i < 50 && !healed; ++i)
    self->receive(
      [&](const healing_event& ev) {
        std::cout << "healing " << to_string(ev.kind) << ": " << ev.strategy
                  << " on " << ev.target << " " << ev.detail << '\n';
        healed = ev.kind == healing_event_kind::succeeded;
      },
      caf::after(100ms) >> [] {});
  for (auto& x : {service, *detector, *classifier, *healer})
    self->send_exit(x, caf::exit_reason::user_shutdown);
  std::cout << (healed ? "slow cache healed and verified\n" : "FAILED\n");
  return healed ? 0 : 1;
}
