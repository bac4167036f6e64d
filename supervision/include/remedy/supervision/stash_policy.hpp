#pragma once

#include <cstddef>
#include <cstdint>

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// What an endpoint does with a message when its stash is full.
enum class overflow_policy : uint8_t {
  /// Refuse the new message; a request gets `errc::stash_full`.
  reject_new,
  /// Make room by dropping the oldest stashed message; a dropped request gets
  /// `errc::stash_dropped`.
  drop_oldest,
};

/// Returns "reject_new" or "drop_oldest".
const char* to_string(overflow_policy x);

/// Bounds an endpoint's stash: the messages it holds while its child is
/// restarting or backing off. Every rejected or dropped message is counted
/// and every affected request answered with an error, never left silent.
struct stash_policy {
  /// Messages held at most. Default 1024.
  size_t capacity = 1024;
  /// What happens to a message that does not fit.
  overflow_policy overflow = overflow_policy::reject_new;
  /// How long a message may wait for the child to come back before a request
  /// gets `errc::stash_timeout` (and a plain message is dropped and counted).
  /// Default 30 s; covers backoffs and subtree restarts.
  caf::timespan max_wait = std::chrono::seconds(30);

  /// Returns an error naming the bad field, or an empty error.
  caf::error validate() const;

  friend bool operator==(const stash_policy& x, const stash_policy& y) {
    return x.capacity == y.capacity && x.overflow == y.overflow
           && x.max_wait == y.max_wait;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stash_policy& x) {
  return f(caf::meta::type_name("remedy.stash_policy"), x.capacity,
           x.overflow, x.max_wait);
}

} // namespace remedy
