#include "remedy/supervision/endpoint.hpp"

#include <atomic>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/detail/shared_spinlock.hpp>
#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>
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

/// A message held while the child restarts, and since when.
struct stashed {
  held_message msg;
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

/// The endpoint. While its child is up and nothing waits in its mailbox, a
/// message for the child does not go through the endpoint's mailbox at all:
/// `enqueue` hands it to the child's mailbox directly (sender, request id
/// and forwarding stages unchanged), as CAF's actor_pool does for its
/// workers, which saves the scheduling of one actor per message. Everything
/// else (its own atoms, system messages, responses, and every message while
/// the child restarts) takes the mailbox, and the handlers below decide.
///
/// Order per sender is kept: the direct path is opened (`open_direct`) only
/// by the endpoint itself, under the exclusive lock, and only when its
/// mailbox is empty; a sender that found the path closed put its message
/// into the mailbox under the shared lock, so every such message is
/// forwarded before the path opens.
class endpoint_impl : public caf::stateful_actor<endpoint_data> {
public:
  using super = caf::stateful_actor<endpoint_data>;

  endpoint_impl(caf::actor_config& cfg, std::string id, stash_policy policy)
    : super(cfg) {
    state.id = std::move(id);
    state.policy = policy;
  }

  caf::behavior make_behavior() override;

  void enqueue(caf::mailbox_element_ptr x, caf::execution_unit* eu) override {
    if (!x || !for_the_child(*x)) {
      super::enqueue(std::move(x), eu);
      return;
    }
    std::shared_lock<caf::detail::shared_spinlock> guard{direct_mtx_};
    if (direct_) {
      direct_->enqueue(std::move(x), eu);
      direct_forwarded_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    super::enqueue(std::move(x), eu);
  }

  /// Opens the direct path to the current target if the mailbox is empty
  /// and the target has not terminated.
  void open_direct() {
    if (!state.target)
      return;
    std::unique_lock<caf::detail::shared_spinlock> guard{direct_mtx_};
    if (direct_ || !mailbox().empty() || dead_.get() == state.target->ctrl())
      return; // open already; or a later message tries again
    direct_ = caf::actor_cast<caf::strong_actor_ptr>(state.target);
  }

  /// Closes the direct path (the target is replaced or the endpoint stops).
  void close_direct() {
    caf::strong_actor_ptr old;
    std::unique_lock<caf::detail::shared_spinlock> guard{direct_mtx_};
    old.swap(direct_);
    guard.unlock(); // `old` may be the last reference
  }

  /// Makes the target close the direct path itself when it terminates, in
  /// its own cleanup and before its monitors and links hear of it: whoever
  /// learns of the death (its supervisor, a client told by the supervisor)
  /// and then sends to the endpoint finds the path closed, and the message
  /// waits behind the down message in the mailbox, for the next
  /// incarnation, as it would without the direct path.
  void watch_target() {
    auto* target = caf::actor_cast<caf::abstract_actor*>(state.target);
    target->attach_functor([me = caf::weak_actor_ptr{ctrl()},
                            who = caf::weak_actor_ptr{target->ctrl()}] {
      if (auto strong = me.lock())
        static_cast<endpoint_impl*>(
          caf::actor_cast<caf::abstract_actor*>(strong))
          ->target_died(who);
    });
  }

  /// Called in the target's cleanup (any thread).
  void target_died(const caf::weak_actor_ptr& who) {
    caf::strong_actor_ptr old;
    std::unique_lock<caf::detail::shared_spinlock> guard{direct_mtx_};
    dead_ = who;
    if (direct_ && direct_.get() == who.get())
      old.swap(direct_);
    guard.unlock();
  }

  uint64_t direct_forwarded() const {
    return direct_forwarded_.load(std::memory_order_relaxed);
  }

private:
  /// Whether `x` is for the child: not a response, not one of the
  /// endpoint's own atoms, not a system message.
  static bool for_the_child(const caf::mailbox_element& x) {
    if (x.mid.is_response()
        || x.mid.category() != caf::message_id::normal_message_category)
      return false;
    auto& xs = x.content();
    if (xs.size() == 0)
      return true;
    if (xs.match_element<caf::atom_value>(0)) {
      auto a = xs.get_as<caf::atom_value>(0);
      return !(a == endpoint_update_atom::value
               || a == endpoint_down_atom::value
               || a == endpoint_owner_atom::value
               || a == endpoint_stats_atom::value
               || a == endpoint_sweep_atom::value);
    }
    if (xs.size() != 1)
      return true;
    return !(xs.match_element<caf::down_msg>(0)
             || xs.match_element<caf::exit_msg>(0)
             || xs.match_element<caf::error>(0)
             || xs.match_element<caf::timeout_msg>(0)
             || xs.match_element<caf::group_down_msg>(0));
  }

  caf::detail::shared_spinlock direct_mtx_;
  caf::strong_actor_ptr direct_; // guarded by direct_mtx_
  caf::weak_actor_ptr dead_;      // the last target that ended (same)
  std::atomic<uint64_t> direct_forwarded_{0};
};

/// Takes the oldest stashed message out, answering it with `err` if it is a
/// request.
void refuse_oldest(endpoint_impl* self, caf::error err) {
  auto& x = self->state.stash.front();
  refuse_request(self, x.msg.sender, x.msg.mid, std::move(err));
  self->state.stash.pop_front();
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
    deliver(st.stash.front().msg, st.target, self->context());
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
      refuse_request(self, elem->sender, elem->mid,
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
  st.stash.push_back(stashed{hold_current(self, x), self->clock().now()});
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
    self->open_direct();
    return caf::delegated<caf::message>{};
  }
  if (st.stats.state == endpoint_state::down) {
    ++st.stats.rejected;
    refuse_request(self, elem->sender, elem->mid, down_error(st));
    return caf::delegated<caf::message>{};
  }
  stash_current(self, x);
  return caf::delegated<caf::message>{};
}

caf::behavior endpoint_impl::make_behavior() {
  auto* self = this;
  auto& st = self->state;
  st.log = logger("remedy.endpoint");
  // However it ends, nothing goes past it to the child any more.
  self->attach_functor([self] { self->close_direct(); });
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
      self->close_direct();
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
      self->close_direct();
      st.target = std::move(target);
      self->monitor(st.target);
      self->watch_target(); // after monitor: it runs first at the end
      st.stats.state = endpoint_state::up;
      st.down_reason = caf::none;
      replay(self);
      self->open_direct();
    },
    [self](endpoint_down_atom, caf::error& reason) {
      auto& st = self->state;
      if (st.target)
        self->demonitor(st.target);
      self->close_direct();
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
    [self](endpoint_stats_atom) {
      auto result = self->state.stats;
      result.forwarded += self->direct_forwarded();
      return result;
    },
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
  return sys.spawn<endpoint_impl>(std::move(id), policy);
}

} // namespace remedy
