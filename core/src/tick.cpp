#include "remedy/core/tick.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>

#include "remedy/core/aligned_delay.hpp"
#include "remedy/core/atoms.hpp"
#include "remedy/core/core_config.hpp"
#include "remedy/core/detail/tick_registry.hpp"

namespace remedy {

namespace {

using registry_ptr = std::shared_ptr<detail::tick_registry>;

void enqueue_self(caf::abstract_actor* who, caf::message msg,
                  caf::execution_unit* host) {
  // From itself, as `delayed_send(self, ...)` would have it.
  who->enqueue(caf::make_mailbox_element(caf::strong_actor_ptr{who->ctrl()}, caf::make_message_id(),
                                         {}, std::move(msg)),
               host);
}

caf::behavior ticker(caf::event_based_actor* self, registry_ptr reg) {
  return {
    [self, reg](tick_fire_atom) {
      for (auto& x : reg->take_due(self->clock().now()))
        if (auto who = x.who.lock())
          enqueue_self(caf::actor_cast<caf::abstract_actor*>(who),
                       std::move(x.msg), self->context());
    },
  };
}

} // namespace

void send_on_tick(caf::local_actor* self, caf::timespan interval,
                  caf::message msg) {
  auto& clock = self->clock();
  auto due = clock.now() + aligned_delay(clock.now(), interval);
  auto* cfg = dynamic_cast<const core_config*>(&self->system().config());
  if (cfg == nullptr || interval.count() <= 0) {
    clock.schedule_message(due, caf::strong_actor_ptr{self->ctrl()},
                           caf::make_mailbox_element(caf::strong_actor_ptr{self->ctrl()},
                                                     caf::make_message_id(),
                                                     {}, std::move(msg)));
    return;
  }
  auto& reg = cfg->ticks();
  auto* sys = &self->system();
  if (!reg->add(sys, due, caf::weak_actor_ptr{self->ctrl()}, std::move(msg)))
    return; // that instant's timer is set already
  auto t = reg->ticker(sys);
  if (!t) {
    auto fresh = sys->spawn<caf::hidden>(ticker, reg);
    t = reg->set_ticker(sys, caf::actor_cast<caf::strong_actor_ptr>(fresh));
  }
  clock.schedule_message(due, std::move(t),
                         caf::make_mailbox_element(nullptr,
                                                   caf::make_message_id(), {},
                                                   tick_fire_atom::value));
}

} // namespace remedy
