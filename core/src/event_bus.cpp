#include "remedy/core/event_bus.hpp"

#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>

#include "remedy/core/core_config.hpp"
#include "remedy/core/detail/topic_registry.hpp"

namespace remedy {

namespace {

constexpr const char* group_prefix = "remedy.events:";

using detail::topics_of;

caf::group group_of(caf::actor_system& sys, const std::string& prefix) {
  return sys.groups().get_local(group_prefix + prefix);
}

/// Calls `f` with the group of every subscription prefix that `topic`
/// matches ("", then each dotted family, then the topic itself) and that
/// someone subscribed to. Without a `remedy::config`, every such prefix.
template <class F>
void for_each_matching_group(caf::actor_system& sys, const std::string& topic,
                             F f) {
  auto topics = topics_of(sys);
  if (topics != nullptr && topics->empty())
    return;
  auto visit = [&](const std::string& prefix) {
    if (topics == nullptr || topics->contains(prefix))
      f(group_of(sys, prefix));
  };
  visit(std::string{});
  for (size_t i = topic.find('.'); i != std::string::npos;
       i = topic.find('.', i + 1))
    visit(topic.substr(0, i + 1));
  if (!topic.empty() && topic.back() != '.')
    visit(topic);
}

} // namespace

namespace detail {

topic_registry* topics_of(caf::actor_system& sys) {
  auto cfg = dynamic_cast<const core_config*>(&sys.config());
  return cfg != nullptr ? &cfg->topics() : nullptr;
}

} // namespace detail

caf::group event_group(caf::actor_system& sys, const std::string& prefix) {
  if (auto topics = topics_of(sys))
    topics->add(prefix);
  return group_of(sys, prefix);
}

void publish(caf::local_actor* self, const std::string& topic,
             const caf::message& event) {
  auto sender = caf::actor_cast<caf::strong_actor_ptr>(self);
  for_each_matching_group(self->home_system(), topic,
                          [&](const caf::group& grp) {
                            grp.get()->enqueue(sender, caf::make_message_id(), event,
                                         self->context());
                          });
}

void publish(caf::actor_system& sys, const std::string& topic,
             const caf::message& event) {
  for_each_matching_group(sys, topic, [&](const caf::group& grp) {
    grp.get()->enqueue(nullptr, caf::make_message_id(), event, nullptr);
  });
}

} // namespace remedy
