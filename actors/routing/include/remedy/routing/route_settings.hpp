#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/circuit_breaker.hpp"
#include "remedy/routing/circuit_breaker_settings.hpp"
#include "remedy/routing/isolation_rules.hpp"
#include "remedy/routing/retry_policy.hpp"

namespace remedy {

/// A route's stages, all optional. The route applies them in this order to
/// every request: timeout (a deadline over the whole request, retries
/// included), retry (each attempt goes through the stages below it), circuit
/// breaker (each attempt is one call), bulkhead (each attempt holds one
/// permit until its outcome), then the target.
struct route_settings {
  /// Names the route in events, logs and errors.
  std::string name = "route";
  /// Deadline of a request, from its arrival to its answer (0: none). A
  /// request past it is answered with `errc::timeout` and counts as a
  /// breaker failure; a late reply is dropped, not counted twice.
  caf::timespan timeout{0};
  /// How often the route looks for requests past their deadline: the
  /// timeout's resolution. One timer per route, not one per request
  /// (CAF 0.17's per-request timers cost 3-4x throughput).
  caf::timespan sweep_interval = std::chrono::milliseconds(10);
  /// Retries of failed attempts, if any. `breaker_open` and `bulkhead_full`
  /// are not retried unless the policy opts in.
  std::optional<retry_policy> retry;
  /// The circuit breaker, if any.
  std::optional<circuit_breaker_settings> breaker;
  /// The bulkhead, if any: the default pool. Its rejections
  /// (`bulkhead_full`, `bulkhead_timeout`) are not breaker failures.
  std::optional<bulkhead_settings> bulkhead;
  /// More pools, for isolation (needs `bulkhead` as the default pool).
  /// Pool names must be unique.
  std::vector<bulkhead_settings> pools;
  /// Which requests go to which pool: by client name and message type name,
  /// first matching rule wins, else `isolation.default_pool` (which, when no
  /// rule is given, may be left as is: everything goes to `bulkhead`).
  isolation_rules isolation;
  /// Names a client for `isolation` (default: its actor id in decimal). A
  /// message's type name is its leading atom's text if it starts with an
  /// atom (e.g. "get"), else CAF's portable name of its first element.
  std::function<std::string(const caf::strong_actor_ptr&)> client_name;
  /// Which error replies count as breaker failures (default: every error):
  /// a shorthand for `classify_error` with two outcomes. Errors it rejects
  /// are recorded as `call_outcome::ignored` (not counted at all). Set at
  /// most one of `is_failure` and `classify_error`.
  std::function<bool(const caf::error&)> is_failure;
  /// How the breaker records each error reply: `failure`, `ignored` (not
  /// counted), or `success` (a healthy answer, e.g. a business error such as
  /// "no such order"; Resilience4j's errors that are neither recorded nor
  /// ignored). Default: every error is a failure. The client gets the error
  /// either way, and the retry stage decides by its own `retry_on`.
  error_classifier classify_error;
  /// Which value replies are failures (default: none). A reply it marks is
  /// recorded as a breaker failure and is a failed attempt for the retry
  /// stage (see `retry_policy::with_retry_on_result`); when no retry is
  /// left the client gets that reply.
  result_predicate failure_on_result;
  /// Publishes a `route_event` per recorded call outcome (`call_succeeded`,
  /// `call_failed`, `call_ignored`) and per rate that reached its threshold
  /// (`failure_rate_exceeded`, `slow_call_rate_exceeded`); needs a breaker.
  /// Off by default: they cost an event per attempt.
  bool call_events = false;
  /// How often the route publishes its samples (see `sample`: latency_ms,
  /// latency_max_ms, error_rate, calls, in_flight, oldest_ms), while it has
  /// traffic and someone subscribed to samples (0: never).
  caf::timespan metrics_interval = std::chrono::seconds(1);
  /// The target its samples are about (default: the route's name). Use the
  /// target's supervision path so that a route's samples and the
  /// supervision events of the child behind it name the same target.
  std::string metrics_target;
  /// Seeds the jitter of the breaker's open durations and of retry delays.
  uint64_t seed = 1;

  /// Returns an error naming the route and the bad field, or none.
  caf::error validate() const;
};

} // namespace remedy
