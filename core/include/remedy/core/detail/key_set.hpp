#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace remedy::detail {

/// A set of 64-bit keys with open addressing (linear probing, deletion by
/// backward shift, no tombstones). Unlike `std::unordered_set` it allocates
/// only when it grows past its peak size, so a steady insert/erase cycle
/// (a bulkhead's permits) costs no allocation. The table stays at most half
/// full. Key 0 is kept in a flag, outside the table, since 0 marks an empty
/// slot.
class key_set {
public:
  /// Adds `key`; returns whether it was new.
  bool insert(uint64_t key) {
    if (key == 0) {
      if (has_zero_)
        return false;
      has_zero_ = true;
      ++size_;
      return true;
    }
    if ((size_ + 1) * 2 > slots_.size())
      grow();
    auto i = home(key);
    while (slots_[i] != 0) {
      if (slots_[i] == key)
        return false;
      i = (i + 1) & mask_;
    }
    slots_[i] = key;
    ++size_;
    return true;
  }

  /// Removes `key`; returns 1 if it was there, else 0 (like
  /// `std::unordered_set::erase`).
  size_t erase(uint64_t key) {
    if (key == 0) {
      if (!has_zero_)
        return 0;
      has_zero_ = false;
      --size_;
      return 1;
    }
    if (slots_.empty())
      return 0;
    auto i = home(key);
    while (slots_[i] != key) {
      if (slots_[i] == 0)
        return 0;
      i = (i + 1) & mask_;
    }
    // Backward shift: move later keys of the probe run into the hole when
    // their home position is not after it (cyclically).
    auto hole = i;
    for (auto j = (i + 1) & mask_; slots_[j] != 0; j = (j + 1) & mask_) {
      auto h = home(slots_[j]);
      // Distance from the home to j versus from the hole to j.
      if (((j - h) & mask_) >= ((j - hole) & mask_)) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = 0;
    --size_;
    return 1;
  }

  /// 1 if `key` is in the set, else 0.
  size_t count(uint64_t key) const {
    if (key == 0)
      return has_zero_ ? 1 : 0;
    if (slots_.empty())
      return 0;
    for (auto i = home(key); slots_[i] != 0; i = (i + 1) & mask_)
      if (slots_[i] == key)
        return 1;
    return 0;
  }

  size_t size() const noexcept {
    return size_;
  }

  bool empty() const noexcept {
    return size_ == 0;
  }

  void clear() {
    slots_.assign(slots_.size(), 0);
    has_zero_ = false;
    size_ = 0;
  }

private:
  size_t home(uint64_t key) const noexcept {
    // Fibonacci hashing: spreads sequential and structured keys (such as
    // generation << 32 | index) over the table.
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_)
           & mask_;
  }

  void grow() {
    auto old = std::move(slots_);
    auto capacity = old.empty() ? size_t{16} : old.size() * 2;
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
    shift_ = 64;
    for (auto c = capacity; c > 1; c >>= 1)
      --shift_;
    for (auto key : old) {
      if (key == 0)
        continue;
      auto i = home(key);
      while (slots_[i] != 0)
        i = (i + 1) & mask_;
      slots_[i] = key;
    }
  }

  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
  unsigned shift_ = 64;
  size_t size_ = 0;
  bool has_zero_ = false;
};

} // namespace remedy::detail
