#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/actor_control_block.hpp>
#include <caf/fwd.hpp>

namespace remedy::detail {

/// The event bus's subscribers, by subscription prefix, for one actor
/// system. Publishing walks the prefixes a topic matches under a shared lock
/// and enqueues the event straight into each subscriber's mailbox: one
/// message per subscription and nothing else (CAF's local groups, which the
/// bus used before, also sent every event to the group's broker actor). Like
/// a CAF group, it holds strong references: a subscriber nobody else holds
/// stays alive; its subscriptions are removed when it exits (see
/// `subscribe_direct` in event_bus.cpp) or unsubscribes.
class topic_registry {
public:
  /// Adds `who` to the subscribers of `prefix` (once). Returns whether
  /// `who` had no subscription at all before: then the caller arranges for
  /// `remove_all(who)` when it exits.
  bool add(const std::string& prefix, caf::strong_actor_ptr who) {
    std::unique_lock<std::shared_mutex> guard{mtx_};
    bool first = true;
    for (auto& kvp : subscribers_)
      if (contains(kvp.second, who.get())) {
        first = false;
        break;
      }
    auto& xs = subscribers_[prefix];
    if (!contains(xs, who.get())) {
      xs.push_back(std::move(who));
      count_.fetch_add(1, std::memory_order_release);
    }
    return first;
  }

  /// Removes `who` from the subscribers of `prefix`.
  void remove(const std::string& prefix, const caf::actor_control_block* who) {
    subscriber_list dropped; // released after the lock (see remove_all)
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto i = subscribers_.find(prefix);
    if (i == subscribers_.end())
      return;
    erase(i->second, who, dropped);
    if (i->second.empty())
      subscribers_.erase(i);
  }

  /// Removes every subscription of `who`.
  void remove_all(const caf::actor_control_block* who) {
    // Declared before the guard, so destroyed after it is released: the last
    // reference to an actor may go here, and its destruction may end other
    // actors whose cleanup calls back into the registry.
    subscriber_list dropped;
    std::unique_lock<std::shared_mutex> guard{mtx_};
    for (auto i = subscribers_.begin(); i != subscribers_.end();) {
      erase(i->second, who, dropped);
      if (i->second.empty())
        i = subscribers_.erase(i);
      else
        ++i;
    }
  }

  /// Calls `f(const strong_actor_ptr&)` for every subscriber of every prefix
  /// that `topic` matches: "", each dotted family ("a.", "a.b."), and the
  /// topic itself. `f` runs under the registry's shared lock: it may enqueue
  /// messages, never subscribe or unsubscribe.
  template <class F>
  void for_each_subscriber(std::string_view topic, F&& f) const {
    if (empty())
      return;
    std::shared_lock<std::shared_mutex> guard{mtx_};
    auto visit = [&](std::string_view prefix) {
      auto i = subscribers_.find(prefix);
      if (i == subscribers_.end())
        return;
      for (auto& who : i->second)
        f(who);
    };
    visit(std::string_view{});
    for (auto i = topic.find('.'); i != std::string_view::npos;
         i = topic.find('.', i + 1))
      visit(topic.substr(0, i + 1));
    if (!topic.empty() && topic.back() != '.')
      visit(topic);
  }

  /// Whether nobody subscribed to anything (lock-free): publishing then
  /// costs this check only.
  bool empty() const {
    return count_.load(std::memory_order_acquire) == 0;
  }

  /// The number of subscriptions (for tests).
  size_t size() const {
    return count_.load(std::memory_order_acquire);
  }

private:
  using subscriber_list = std::vector<caf::strong_actor_ptr>;

  static subscriber_list::const_iterator
  find(const subscriber_list& xs, const caf::actor_control_block* x) {
    return std::find_if(xs.begin(), xs.end(),
                        [x](const caf::strong_actor_ptr& y) {
                          return y.get() == x;
                        });
  }

  static bool contains(const subscriber_list& xs,
                       const caf::actor_control_block* x) {
    return find(xs, x) != xs.end();
  }

  void erase(subscriber_list& xs, const caf::actor_control_block* x,
             subscriber_list& dropped) {
    auto i = find(xs, x);
    if (i == xs.end())
      return;
    dropped.push_back(*i);
    xs.erase(i);
    count_.fetch_sub(1, std::memory_order_release);
  }

  mutable std::shared_mutex mtx_;
  std::map<std::string, subscriber_list, std::less<>> subscribers_;
  std::atomic<size_t> count_{0};
};

/// The registry of `sys` if it runs on a `remedy::config`, else null.
topic_registry* topics_of(caf::actor_system& sys);

} // namespace remedy::detail
