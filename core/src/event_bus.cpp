#include "remedy/core/event_bus.hpp"

#include <memory>

#include <caf/abstract_actor.hpp>
#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>

#include "remedy/core/core_config.hpp"
#include "remedy/core/detail/topic_registry.hpp"

namespace remedy {

namespace {

constexpr const char* group_prefix = "remedy.events:";

using detail::topic_registry;
using detail::topics_of;

caf::group group_of(caf::actor_system& sys, const std::string& prefix) {
  return sys.groups().get_local(group_prefix + prefix);
}

/// The fallback without a registry: every matching prefix's group.
template <class F>
void for_each_matching_group(caf::actor_system& sys, const std::string& topic,
                             F f) {
  f(group_of(sys, std::string{}));
  for (size_t i = topic.find('.'); i != std::string::npos;
       i = topic.find('.', i + 1))
    f(group_of(sys, topic.substr(0, i + 1)));
  if (!topic.empty() && topic.back() != '.')
    f(group_of(sys, topic));
}

const std::shared_ptr<topic_registry>* registry_of(caf::actor_system& sys) {
  auto cfg = dynamic_cast<const core_config*>(&sys.config());
  return cfg != nullptr ? &cfg->topics() : nullptr;
}

} // namespace

namespace detail {

topic_registry* topics_of(caf::actor_system& sys) {
  auto reg = registry_of(sys);
  return reg != nullptr ? reg->get() : nullptr;
}

bool subscribe_direct(caf::abstract_actor* self, caf::actor_system& sys,
                      const std::string& prefix) {
  auto reg = registry_of(sys);
  if (reg == nullptr)
    return false;
  auto ptr = self->ctrl();
  if ((*reg)->add(prefix, caf::strong_actor_ptr{ptr})) {
    // The first subscription: forget them all when `self` exits (the
    // registry then drops its strong references).
    std::weak_ptr<topic_registry> weak = *reg;
    self->attach_functor([weak, ptr] {
      if (auto r = weak.lock())
        r->remove_all(ptr);
    });
  }
  return true;
}

bool unsubscribe_direct(caf::abstract_actor* self, caf::actor_system& sys,
                        const std::string& prefix) {
  auto reg = registry_of(sys);
  if (reg == nullptr)
    return false;
  (*reg)->remove(prefix, self->ctrl());
  return true;
}

} // namespace detail

caf::group event_group(caf::actor_system& sys, const std::string& prefix) {
  return group_of(sys, prefix);
}

void publish(caf::local_actor* self, const std::string& topic,
             const caf::message& event) {
  auto sender = caf::actor_cast<caf::strong_actor_ptr>(self);
  if (auto topics = topics_of(self->home_system())) {
    topics->for_each_subscriber(topic, [&](const caf::strong_actor_ptr& who) {
      who->enqueue(sender, caf::make_message_id(), event, self->context());
    });
    return;
  }
  for_each_matching_group(self->home_system(), topic,
                          [&](const caf::group& grp) {
                            grp.get()->enqueue(sender, caf::make_message_id(),
                                               event, self->context());
                          });
}

void publish(caf::actor_system& sys, const std::string& topic,
             const caf::message& event) {
  if (auto topics = topics_of(sys)) {
    topics->for_each_subscriber(topic, [&](const caf::strong_actor_ptr& who) {
      who->enqueue(nullptr, caf::make_message_id(), event, nullptr);
    });
    return;
  }
  for_each_matching_group(sys, topic, [&](const caf::group& grp) {
    grp.get()->enqueue(nullptr, caf::make_message_id(), event, nullptr);
  });
}

} // namespace remedy
