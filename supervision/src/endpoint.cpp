#include "remedy/supervision/endpoint.hpp"

#include <deque>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "remedy/supervision/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/forward.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/supervision/endpoint_stats.hpp"

#include <spdlog/spdlog.h>

namespace remedy {

namespace {

using time_point = caf::actor_clock::time_point;

/// A message held while the child restarts, with what it needs to travel on
/// as if it had been sent to the child directly.
struct stashed {
  caf::strong_actor_ptr sender;
  caf::message_id mid;
  caf::mailbox_element::forwarding_stack stages;
  caf::message content;
  time_point since;
};

struct endpoint_data {
  std::string id;
  stash_policy policy;
  caf::actor target;
  caf::actor_addr owner;
  caf::error down_reason;
  endpoint_stats stats;
  std::deque<stashed> stash;
  bool sweep_pending = false;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "remedy.endpoint";
};

using endpoint_impl = caf::stateful_actor<endpoint_data>;

/// Answers a request that will not reach the child; plain messages are only
/// counted by the caller.
void refuse(endpoint_impl* self, caf::strong_actor_ptr& sender,
            caf::message_id mid, caf::error err) {
  if (!sender || !mid.is_request() || mid.is_answered())
    return;
  sender->enqueue(caf::make_mailbox_element(self->ctrl(), mid.response_id(),
                                            {}, std::move(err)),
                  self->context());
}

/// Takes the oldest stashed message out, answering it with `err` if it is a
/// request.
void refuse_oldest(endpoint_impl* self, caf::error err) {
  auto& x = self->state.stash.front();
  refuse(self, x.sender, x.mid, std::move(err));
  self->state.stash.pop_front();
}

void deliver(endpoint_impl* self, stashed& x) {
  self->state.target->enqueue(
    caf::make_mailbox_element(std::move(x.sender), x.mid, std::move(x.stages),
                              std::move(x.content)),
    self->context());
}

void schedule_sweep(endpoint_impl* self) {
  auto& st = self->state;
  if (st.sweep_pending || st.stash.empty())
    return;
  st.sweep_pending = true;
  auto due = st.stash.front().since + st.policy.max_wait;
  self->clock().schedule_message(
    due, caf::actor_cast<caf::strong_actor_ptr>(self),
    caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                              endpoint_sweep_atom::value));
}

void replay(endpoint_impl* self) {
  auto& st = self->state;
  while (!st.stash.empty()) {
    deliver(self, st.stash.front());
    st.stash.pop_front();
    ++st.stats.replayed;
  }
  st.stats.pending = 0;
}

void fail_stash(endpoint_impl* self, const caf::error& reason) {
  auto& st = self->state;
  while (!st.stash.empty()) {
    refuse_oldest(self, reason);
    ++st.stats.rejected;
  }
  st.stats.pending = 0;
}

caf::error down_error(const endpoint_data& st) {
  return make_error(errc::target_down,
                    "endpoint '" + st.id + "': child is down ("
                      + render(st.down_reason) + ")");
}

/// Puts the current message into the stash, making room by the policy.
void stash_current(endpoint_impl* self, caf::message_view& x) {
  auto& st = self->state;
  auto* elem = self->current_mailbox_element();
  if (st.stash.size() >= st.policy.capacity) {
    if (st.policy.overflow == overflow_policy::reject_new
        || st.policy.capacity == 0) {
      ++st.stats.rejected;
      refuse(self, elem->sender, elem->mid,
             make_error(errc::stash_full,
                        "endpoint '" + st.id + "': stash full ("
                          + std::to_string(st.policy.capacity)
                          + " messages) while the child restarts"));
      st.log->warn("endpoint '{}': stash full, rejected a message", st.id);
      return;
    }
    refuse_oldest(self, make_error(errc::stash_dropped,
                                   "endpoint '" + st.id
                                     + "': dropped to make room while the "
                                       "child restarts"));
    ++st.stats.dropped;
  }
  st.stash.push_back(stashed{std::move(elem->sender), elem->mid,
                             std::move(elem->stages),
                             x.move_content_to_message(), self->clock().now()});
  ++st.stats.stashed;
  st.stats.pending = st.stash.size();
  schedule_sweep(self);
}

caf::result<caf::message> on_message(caf::scheduled_actor* ptr,
                                     caf::message_view& x) {
  auto self = static_cast<endpoint_impl*>(ptr);
  auto& st = self->state;
  auto* elem = self->current_mailbox_element();
  if (st.target) {
    forward_current(self, x, st.target);
    ++st.stats.forwarded;
    return caf::delegated<caf::message>{};
  }
  if (st.stats.state == endpoint_state::down) {
    ++st.stats.rejected;
    refuse(self, elem->sender, elem->mid, down_error(st));
    return caf::delegated<caf::message>{};
  }
  stash_current(self, x);
  return caf::delegated<caf::message>{};
}

caf::behavior endpoint_fun(endpoint_impl* self, std::string id,
                           stash_policy policy) {
  auto& st = self->state;
  st.id = std::move(id);
  st.policy = policy;
  st.log = logger("remedy.endpoint");
  self->set_default_handler(on_message);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source == st.owner) {
      // The tree (or supervisor) that owns this endpoint is gone for good.
      st.stats.state = endpoint_state::down;
      st.down_reason = msg.reason;
      fail_stash(self, down_error(st));
      self->quit();
      return;
    }
    if (st.target && msg.source == st.target.address()) {
      st.target = nullptr;
      if (st.stats.state == endpoint_state::up)
        st.stats.state = endpoint_state::waiting;
    }
  });
  return {
    [self](endpoint_update_atom, caf::actor& target) {
      auto& st = self->state;
      if (!target)
        return;
      if (st.target)
        self->demonitor(st.target);
      st.target = std::move(target);
      self->monitor(st.target);
      st.stats.state = endpoint_state::up;
      st.down_reason = caf::none;
      replay(self);
    },
    [self](endpoint_down_atom, caf::error& reason) {
      auto& st = self->state;
      if (st.target)
        self->demonitor(st.target);
      st.target = nullptr;
      st.stats.state = endpoint_state::down;
      st.down_reason = std::move(reason);
      fail_stash(self, down_error(st));
    },
    [self](endpoint_owner_atom, caf::actor& owner) {
      auto& st = self->state;
      if (!owner || st.owner)
        return;
      st.owner = owner.address();
      self->monitor(owner);
    },
    [self](endpoint_stats_atom) { return self->state.stats; },
    [self](endpoint_sweep_atom) {
      auto& st = self->state;
      st.sweep_pending = false;
      auto now = self->clock().now();
      while (!st.stash.empty()
             && now - st.stash.front().since >= st.policy.max_wait) {
        refuse_oldest(self, make_error(errc::stash_timeout,
                                       "endpoint '" + st.id
                                         + "': the child did not come back "
                                           "within the stash's max wait"));
        ++st.stats.expired;
      }
      st.stats.pending = st.stash.size();
      schedule_sweep(self);
    },
  };
}

} // namespace

caf::actor spawn_endpoint(caf::actor_system& sys, std::string id,
                          stash_policy policy) {
  return sys.spawn(endpoint_fun, std::move(id), policy);
}

} // namespace remedy
