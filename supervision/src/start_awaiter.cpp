// The start awaiter behind the client function await_started: asks a
// supervisor for its start on a caller's behalf and, when the supervisor is
// gone already, answers with the supervisor's exit reason (why its start
// failed) instead of CAF's request_receiver_down.

#include <optional>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/supervision/supervisor_actor.hpp"

namespace remedy::detail {

namespace {

struct start_awaiter_state {
  caf::response_promise rp;
  /// The supervisor's exit reason, once its down message arrived.
  std::optional<caf::error> down;
  bool answered = false;
};

using start_awaiter_impl = caf::stateful_actor<start_awaiter_state>;

/// A supervisor that exited because its start failed says why; any other
/// exit leaves CAF's error as it is.
caf::error explain(const caf::error& err, const caf::error& exit_reason) {
  if (err == caf::sec::request_receiver_down
      && is(exit_reason, errc::start_failed))
    return exit_reason;
  return err;
}

void finish(start_awaiter_impl* self, caf::error err) {
  auto& st = self->state;
  if (st.answered)
    return;
  st.answered = true;
  if (err)
    st.rp.deliver(std::move(err));
  else
    st.rp.deliver(caf::unit);
  self->quit();
}

caf::behavior start_awaiter(start_awaiter_impl* self, caf::actor sup,
                            caf::timespan timeout) {
  self->set_down_handler([self](caf::down_msg& msg) {
    // A reply the supervisor sent before it exited arrives before this. A
    // request still open now gets no reply (its promise died with the
    // supervisor, or the request bounces and the reason is the same).
    self->state.down = msg.reason;
    if (self->state.rp.pending())
      finish(self, explain(caf::sec::request_receiver_down, msg.reason));
  });
  return {
    [self, sup, timeout](await_started_atom) -> caf::result<void> {
      auto& st = self->state;
      st.rp = self->make_response_promise();
      if (!sup) {
        finish(self, caf::sec::request_receiver_down);
        return st.rp;
      }
      // Monitor first: a supervisor that is gone already sends its down
      // message (with its exit reason) at once.
      self->monitor(sup);
      self->request(sup, timeout, await_started_atom::value)
        .then([self] { finish(self, caf::none); },
              [self](caf::error& err) {
                // A bounced request: the down message follows if it has not
                // arrived yet, and tells why.
                auto& st = self->state;
                if (err != caf::sec::request_receiver_down)
                  finish(self, std::move(err));
                else if (st.down)
                  finish(self, explain(err, *st.down));
              });
      return st.rp;
    },
  };
}

} // namespace

start_awaiter_actor spawn_start_awaiter(caf::actor_system& sys,
                                        const caf::actor& sup,
                                        caf::timespan timeout) {
  return caf::actor_cast<start_awaiter_actor>(
    sys.spawn(start_awaiter, sup, timeout));
}

} // namespace remedy::detail
