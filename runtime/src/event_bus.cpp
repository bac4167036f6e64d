#include "remedy/runtime/event_bus.hpp"

#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>

namespace remedy {

namespace {

constexpr const char* group_prefix = "remedy.events:";

/// Calls `f` with the group of every subscription prefix that `topic`
/// matches: "", then each dotted family, then the topic itself.
template <class F>
void for_each_matching_group(caf::actor_system& sys, const std::string& topic,
                             F f) {
  f(event_group(sys, ""));
  for (size_t i = topic.find('.'); i != std::string::npos;
       i = topic.find('.', i + 1))
    f(event_group(sys, topic.substr(0, i + 1)));
  if (!topic.empty() && topic.back() != '.')
    f(event_group(sys, topic));
}

} // namespace

caf::group event_group(caf::actor_system& sys, const std::string& prefix) {
  return sys.groups().get_local(group_prefix + prefix);
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
