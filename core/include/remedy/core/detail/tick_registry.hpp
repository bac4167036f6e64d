#pragma once

#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/message.hpp>
#include <caf/weak_intrusive_ptr.hpp>

namespace remedy::detail {

/// The ticks that actors of one system asked for (`send_on_tick`), by the
/// instant they are due. The first request for an instant sets one timer of
/// CAF's clock, addressed to a hidden ticker actor; when it fires, the ticker
/// takes every due tick out and puts each message into its actor's mailbox.
/// It holds weak references only, to the ticker as well: the ticker lives
/// while its clock timer holds it, and a new one is spawned when needed.
class tick_registry {
public:
  using time_point = caf::actor_clock::time_point;

  struct entry {
    caf::weak_actor_ptr who;
    caf::message msg;
  };

  /// Adds a tick for `who` of `sys` at `due`. Returns whether `due` is a new
  /// instant (then the caller sets a timer for it). A configuration may
  /// serve several systems one after the other: ticks left from an earlier
  /// one are dropped.
  bool add(const caf::actor_system* sys, time_point due, caf::weak_actor_ptr who,
           caf::message msg) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (sys != sys_) {
      due_.clear();
      ticker_.reset();
      sys_ = sys;
    }
    auto [i, fresh] = due_.try_emplace(due);
    i->second.push_back(entry{std::move(who), std::move(msg)});
    return fresh;
  }

  /// Takes out every tick due at or before `now`.
  std::vector<entry> take_due(time_point now) {
    std::vector<entry> result;
    std::lock_guard<std::mutex> guard{mtx_};
    auto last = due_.upper_bound(now);
    for (auto i = due_.begin(); i != last; ++i)
      for (auto& x : i->second)
        result.push_back(std::move(x));
    due_.erase(due_.begin(), last);
    return result;
  }

  /// The ticker of the system that `add` last saw, made with `make()` if
  /// none is alive (it lives while a timer of CAF's clock holds it).
  template <class F>
  caf::strong_actor_ptr ticker(F make) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto alive = ticker_.lock())
      return alive;
    caf::strong_actor_ptr fresh = make();
    ticker_ = caf::weak_actor_ptr{fresh.get()};
    return fresh;
  }

private:
  std::mutex mtx_;
  std::map<time_point, std::vector<entry>> due_;
  const caf::actor_system* sys_ = nullptr;
  caf::weak_actor_ptr ticker_;
};

} // namespace remedy::detail
