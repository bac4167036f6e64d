#include "remedy/core/forward.hpp"

#include <utility>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_view.hpp>
#include <caf/scheduled_actor.hpp>

namespace remedy {

void forward_current(caf::scheduled_actor* self, caf::message_view& x,
                     const caf::actor& dest) {
  auto* elem = self->current_mailbox_element();
  dest->enqueue(caf::make_mailbox_element(std::move(elem->sender), elem->mid,
                                          std::move(elem->stages),
                                          x.move_content_to_message()),
                self->context());
}

held_message hold_current(caf::scheduled_actor* self, caf::message_view& x) {
  auto* elem = self->current_mailbox_element();
  return {std::move(elem->sender), elem->mid, std::move(elem->stages),
          x.move_content_to_message()};
}

void deliver(held_message& x, const caf::actor& dest,
             caf::execution_unit* context) {
  dest->enqueue(caf::make_mailbox_element(std::move(x.sender), x.mid,
                                          std::move(x.stages),
                                          std::move(x.content)),
                context);
}

void refuse_request(caf::local_actor* self, const caf::strong_actor_ptr& sender,
                    caf::message_id mid, caf::error err) {
  if (!sender || !mid.is_request() || mid.is_answered())
    return;
  sender->enqueue(caf::make_mailbox_element(self->ctrl(), mid.response_id(),
                                            {}, std::move(err)),
                  self->context());
}

} // namespace remedy
