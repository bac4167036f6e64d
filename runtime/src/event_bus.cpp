#include "remedy/runtime/event_bus.hpp"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

#include "remedy/runtime/atoms.hpp"

namespace remedy {

namespace {

constexpr caf::atom_value bus_name = caf::atom("remedy_bus");

struct subscription {
  std::string prefix;
  caf::actor subscriber;
};

struct bus_state {
  std::vector<subscription> subs;
  static inline const char* name = "remedy.event_bus";
};

bool matches(const std::string& prefix, const std::string& topic) {
  return topic.compare(0, prefix.size(), prefix) == 0;
}

caf::behavior bus_actor(caf::stateful_actor<bus_state>* self) {
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& subs = self->state.subs;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const subscription& x) {
                                return x.subscriber.address() == msg.source;
                              }),
               subs.end());
  });
  return {
    [self](subscribe_atom, std::string& prefix) {
      auto who = caf::actor_cast<caf::actor>(self->current_sender());
      if (!who)
        return;
      self->monitor(who);
      self->state.subs.push_back({std::move(prefix), std::move(who)});
    },
    [self](unsubscribe_atom, const std::string& prefix) {
      auto who = self->current_sender();
      auto& subs = self->state.subs;
      auto i = std::find_if(subs.begin(), subs.end(),
                            [&](const subscription& x) {
                              return x.prefix == prefix
                                     && caf::actor_cast<caf::strong_actor_ptr>(
                                          x.subscriber)
                                          == who;
                            });
      if (i != subs.end())
        subs.erase(i);
    },
    [self](publish_atom, const std::string& topic, const caf::message& event) {
      for (auto& sub : self->state.subs)
        if (matches(sub.prefix, topic))
          self->send(sub.subscriber, event);
    },
  };
}

} // namespace

caf::actor event_bus(caf::actor_system& sys) {
  static std::mutex mtx;
  std::lock_guard<std::mutex> guard{mtx};
  if (auto existing = sys.registry().get(bus_name))
    return caf::actor_cast<caf::actor>(existing);
  auto bus = sys.spawn<caf::hidden>(bus_actor);
  sys.registry().put(bus_name, caf::actor_cast<caf::strong_actor_ptr>(bus));
  return bus;
}

void publish(caf::local_actor* self, std::string topic, caf::message event) {
  auto bus = self->home_system().registry().get(bus_name);
  if (!bus)
    return;
  bus->enqueue(caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                                         publish_atom::value, std::move(topic),
                                         std::move(event)),
               self->context());
}

} // namespace remedy
