#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace remedy::detail {

/// A table of values addressed by generational keys: insert, find and erase
/// are O(1) without hashing, and freed slots are reused without allocating
/// (the table only grows to its peak size). A key is
/// `serial << 32 | index`; the serial changes whenever a slot is reused, so
/// a stale key never finds the slot's next occupant (until the 32-bit serial
/// of that one slot wraps, after 4 billion reuses).
///
/// References stay valid until their own element is erased: slots live in a
/// deque, which never moves its elements when it grows.
template <class T>
class slot_map {
public:
  using key_type = uint64_t;

  /// The slot index of `key`.
  static constexpr uint32_t index_of(key_type key) noexcept {
    return static_cast<uint32_t>(key);
  }

  /// Stores `value` and returns its key (never 0).
  key_type insert(T value) {
    uint32_t index;
    if (free_.empty()) {
      index = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    } else {
      index = free_.back();
      free_.pop_back();
    }
    auto& s = slots_[index];
    if (++s.serial == 0)
      s.serial = 1; // keeps keys non-zero
    s.live = true;
    s.value = std::move(value);
    ++size_;
    return (static_cast<key_type>(s.serial) << 32) | index;
  }

  /// The value under `key`, or nullptr if it was erased (or never existed).
  T* find(key_type key) noexcept {
    auto index = index_of(key);
    if (index >= slots_.size())
      return nullptr;
    auto& s = slots_[index];
    if (!s.live || s.serial != static_cast<uint32_t>(key >> 32))
      return nullptr;
    return &s.value;
  }

  /// The live value in slot `index`, or nullptr: for callers that keep the
  /// index elsewhere and check the value's identity themselves.
  T* at_index(uint32_t index) noexcept {
    if (index >= slots_.size() || !slots_[index].live)
      return nullptr;
    return &slots_[index].value;
  }

  /// The key of the live value in slot `index` (see `at_index`).
  key_type key_at(uint32_t index) const noexcept {
    return (static_cast<key_type>(slots_[index].serial) << 32) | index;
  }

  /// Removes the value under `key`; returns whether there was one. The
  /// slot keeps its (moved-from, then reassigned) storage for reuse.
  bool erase(key_type key) {
    auto* x = find(key);
    if (x == nullptr)
      return false;
    *x = T{}; // drop what the value holds (handles, messages) now
    slots_[index_of(key)].live = false;
    free_.push_back(index_of(key));
    --size_;
    return true;
  }

  /// Removes every value.
  void clear() {
    for (uint32_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      if (s.live) {
        s.value = T{};
        s.live = false;
        free_.push_back(i);
      }
    }
    size_ = 0;
  }

  /// Calls `f(key, value)` for every value, in slot order.
  template <class F>
  void for_each(F&& f) {
    for (uint32_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      if (s.live)
        f((static_cast<key_type>(s.serial) << 32) | i, s.value);
    }
  }

  size_t size() const noexcept {
    return size_;
  }

  bool empty() const noexcept {
    return size_ == 0;
  }

private:
  struct slot {
    T value{};
    uint32_t serial = 0;
    bool live = false;
  };
  std::deque<slot> slots_;
  std::vector<uint32_t> free_;
  size_t size_ = 0;
};

} // namespace remedy::detail
