// A healing strategy written as a plain CAF actor: for a repair that must
// wait for an answer. "compact" asks a slow service to compact its store,
// waits for the number of entries it freed, and reports it; a service that
// frees nothing makes the healing fail, so the orchestrator climbs its
// ladder. Exits 0 only if the slow fault was healed and verified.

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using compact_atom = caf::atom_constant<caf::atom("compact")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

// A store that grows for 40 ticks, each entry making it slower; compacting
// frees every entry and answers how many.
caf::behavior store(caf::event_based_actor* self) {
  auto entries = std::make_shared<int>(0);
  auto ticks = std::make_shared<int>(0);
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      if (++*ticks <= 40)
        ++*entries;
      publish_sample(self, "shop/store", "latency_ms", 5.0 + 2.0 * *entries);
      self->delayed_send(self, 10ms, tick_atom::value);
    },
    [=](compact_atom) { return std::exchange(*entries, 0); },
  };
}

// [actor]
strategy_actor::behavior_type compact(strategy_actor::pointer self) {
  return {
    [](strategy_assess_atom, const healing_order& order) {
      auto fits = order.what.cls == fault_class::slow && order.target.endpoint;
      return strategy_offer{"compact", bool{fits}, 0.2, false, ""};
    },
    [self](strategy_execute_atom,
           const healing_order& order) -> caf::result<healing_action> {
      auto rp = self->make_response_promise<healing_action>();
      self->request(order.target.endpoint, 1s, compact_atom::value)
        .then(
          [=](int freed) mutable {
            if (freed == 0) {
              rp.deliver(make_error(errc::heal_failed, "nothing freed"));
              return;
            }
            auto at = self->clock().now().time_since_epoch();
            rp.deliver(healing_action{order.id, "compact", order.target.name,
                                      "freed " + std::to_string(freed),
                                      false, at});
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [](strategy_undo_atom, const healing_action&) -> caf::result<healing_action> {
      return make_error(errc::not_supported, "compact: cannot be undone");
    },
  };
}
// [actor]

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  subscribe(self.ptr(), "healing.");
  auto service = sys.spawn(store);
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
  // [spawn]
  healing_settings heal;
  heal.default_ladder = {"compact"};
  heal_target target;
  target.name = "shop/store";
  target.endpoint = service;
  auto healer = spawn_orchestrator(
    sys, heal,
    {{"compact", caf::actor_cast<caf::actor>(sys.spawn(compact))}}, {target});
  // [spawn]
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
  std::cout << (healed ? "slow store healed and verified\n" : "FAILED\n");
  return healed ? 0 : 1;
}
