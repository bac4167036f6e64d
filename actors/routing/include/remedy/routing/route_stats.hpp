#pragma once

#include <cstdint>

#include <caf/meta/type_name.hpp>

#include "remedy/routing/breaker_state.hpp"

namespace remedy {

/// Counters of a route; the reply to `(route_stats_atom)`.
struct route_stats {
  /// Requests taken from clients.
  uint64_t requests = 0;
  /// Requests answered with the target's reply (value or error).
  uint64_t answered = 0;
  /// Requests answered with `breaker_open`.
  uint64_t rejected_open = 0;
  /// Requests answered with `timeout`.
  uint64_t timeouts = 0;
  /// Requests answered with `target_down`.
  uint64_t target_down = 0;
  /// Replies that arrived after their request had been answered.
  uint64_t late_replies = 0;
  /// Plain (non-request) messages passed through unobserved.
  uint64_t forwarded_async = 0;
  /// Plain messages dropped because the target is down.
  uint64_t dropped_async = 0;
  /// In metrics_only: calls after which a trip rule held (would have
  /// opened).
  uint64_t would_open = 0;
  /// Requests in flight now (taken, not yet answered).
  uint64_t in_flight = 0;
  /// Attempts after the first.
  uint64_t retries = 0;
  /// Requests answered with `bulkhead_full`.
  uint64_t rejected_full = 0;
  /// Requests answered with `bulkhead_timeout`.
  uint64_t rejected_wait = 0;
  /// Bulkhead permits held and requests waiting for one, now.
  uint64_t bulkhead_in_flight = 0;
  uint64_t bulkhead_waiting = 0;
  /// Permit releases for attempts that held none, over every pool (see
  /// `bulkhead_metrics::ignored_releases`); 0 unless something is wrong.
  uint64_t bulkhead_ignored_releases = 0;
  /// The breaker (closed when the route has none).
  breaker_state state = breaker_state::closed;
  uint64_t window_calls = 0;
  uint64_t window_failures = 0;
  uint64_t window_slow = 0;
  double failure_rate = 0.0;
  double slow_rate = 0.0;
  /// The default bulkhead pool's current limits (as changed by
  /// `resize_bulkhead`); both 0 when the route has no bulkhead.
  uint32_t bulkhead_max_concurrent = 0;
  uint32_t bulkhead_max_queue = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_stats& x) {
  return f(caf::meta::type_name("remedy.route_stats"), x.requests, x.answered,
           x.rejected_open, x.timeouts, x.target_down, x.late_replies,
           x.forwarded_async, x.dropped_async, x.would_open, x.in_flight,
           x.retries, x.rejected_full, x.rejected_wait, x.bulkhead_in_flight,
           x.bulkhead_waiting, x.state, x.window_calls, x.window_failures,
           x.window_slow, x.failure_rate, x.slow_rate,
           x.bulkhead_ignored_releases, x.bulkhead_max_concurrent,
           x.bulkhead_max_queue);
}

} // namespace remedy
