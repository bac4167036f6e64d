#include "remedy/core/tick.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>

#include "remedy/core/atoms.hpp"
#include "remedy/core/core_config.hpp"
#include "remedy/core/detail/tick_registry.hpp"

namespace remedy {

namespace {

using registry_ptr = std::shared_ptr<detail::tick_registry>;

/// The next multiple of `interval` after `now` (a whole interval away when
/// `now` is on one).
caf::actor_clock::time_point next_multiple(caf::actor_clock::time_point now,
                                           caf::timespan interval) {
  return now + (interval - now.time_since_epoch() % interval);
}

/// A message to `who` from itself, as `delayed_send(self, ...)` makes it.
caf::mailbox_element_ptr from_itself(caf::abstract_actor* who,
                                     caf::message msg) {
  return caf::make_mailbox_element(caf::strong_actor_ptr{who->ctrl()},
                                   caf::make_message_id(), {}, std::move(msg));
}

caf::behavior ticker(caf::event_based_actor* self, registry_ptr reg) {
  return {
    [self, reg](tick_fire_atom) {
      for (auto& x : reg->take_due(self->clock().now()))
        if (auto who = x.who.lock()) {
          auto* ptr = caf::actor_cast<caf::abstract_actor*>(who);
          ptr->enqueue(from_itself(ptr, std::move(x.msg)), self->context());
        }
    },
  };
}

} // namespace

void send_on_tick(caf::local_actor* self, caf::timespan interval,
                  caf::message msg) {
  auto& clock = self->clock();
  auto now = clock.now();
  auto* cfg = dynamic_cast<const core_config*>(&self->system().config());
  if (cfg == nullptr || interval.count() <= 0) {
    auto due = interval.count() > 0 ? next_multiple(now, interval)
                                    : now + interval;
    clock.schedule_message(due, caf::strong_actor_ptr{self->ctrl()},
                           from_itself(self, std::move(msg)));
    return;
  }
  auto due = next_multiple(now, interval);
  auto& reg = cfg->ticks();
  auto* sys = &self->system();
  if (!reg->add(sys, due, caf::weak_actor_ptr{self->ctrl()}, std::move(msg)))
    return; // that instant's timer is set already
  auto t = reg->ticker([&] {
    return caf::actor_cast<caf::strong_actor_ptr>(
      sys->spawn<caf::hidden>(ticker, reg));
  });
  clock.schedule_message(due, std::move(t),
                         caf::make_mailbox_element(nullptr,
                                                   caf::make_message_id(), {},
                                                   tick_fire_atom::value));
}

} // namespace remedy
