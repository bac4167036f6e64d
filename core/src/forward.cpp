#include "remedy/core/forward.hpp"

#include <utility>

#include <caf/actor.hpp>
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

} // namespace remedy
