#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <unordered_set>

#include <caf/fwd.hpp>

namespace remedy::detail {

/// The subscription prefixes the event bus has seen (never forgotten: a
/// prefix costs one string). Publishing consults it so that an event with no
/// possible subscriber sends nothing and creates no group.
class topic_registry {
public:
  void add(const std::string& prefix) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (prefixes_.insert(prefix).second)
      size_.store(prefixes_.size(), std::memory_order_release);
  }

  bool contains(const std::string& prefix) const {
    std::lock_guard<std::mutex> guard{mtx_};
    return prefixes_.count(prefix) > 0;
  }

  /// Lock-free fast path: true until the first subscription.
  bool empty() const {
    return size_.load(std::memory_order_acquire) == 0;
  }

private:
  mutable std::mutex mtx_;
  std::unordered_set<std::string> prefixes_;
  std::atomic<size_t> size_{0};
};

/// The registry of `sys` if it runs on a `remedy::config`, else null.
topic_registry* topics_of(caf::actor_system& sys);

} // namespace remedy::detail
