#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// A bulkhead pool's limits. Defaults are Resilience4j's semaphore bulkhead:
/// 25 concurrent calls and no waiting (a full pool rejects at once); give it
/// a `max_queue` to let requests wait, each at most `max_wait`.
struct bulkhead_settings {
  /// Names the pool in isolation rules, events and logs.
  std::string name = "bulkhead";
  /// Permits: requests in flight to the target at most. At least 1.
  uint32_t max_concurrent = 25;
  /// Requests waiting for a permit at most (0: no queue, fail fast).
  uint32_t max_queue = 0;
  /// How long a request may wait in the queue before it is rejected with
  /// `errc::bulkhead_timeout`. Positive, also without a queue, so that a
  /// later `resize` can add one.
  caf::timespan max_wait = std::chrono::seconds(1);

  /// Returns an error naming the pool and the bad field, or none.
  caf::error validate() const;

  friend bool operator==(const bulkhead_settings& x,
                         const bulkhead_settings& y) {
    return x.name == y.name && x.max_concurrent == y.max_concurrent
           && x.max_queue == y.max_queue && x.max_wait == y.max_wait;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bulkhead_settings& x) {
  return f(caf::meta::type_name("remedy.bulkhead_settings"), x.name,
           x.max_concurrent, x.max_queue, x.max_wait);
}

} // namespace remedy
