#pragma once

#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "remedy/routing/route_settings.hpp"

namespace remedy {

/// Composes a route's stages in code, in the order they apply (which is
/// fixed, whatever the order of the calls): timeout -> retry -> circuit
/// breaker -> bulkhead -> target.
///
///     auto orders = route_builder("orders")
///                     .timeout(2s)
///                     .retry(retry_policy::exponential(3, 50ms, 1s))
///                     .breaker(breaker)
///                     .bulkhead(pool)
///                     .to(sys, tree->endpoint("orders"));
///
/// The target may be a plain actor or a supervised endpoint: in front of an
/// endpoint the route sees one target across every restart of the child,
/// and requests sent while the child restarts wait in the endpoint's stash
/// (bounded, with its own errors) rather than failing.
class route_builder {
public:
  explicit route_builder(std::string name);

  /// A deadline for each request, retries included (default: none).
  route_builder& timeout(caf::timespan t);

  /// How often deadlines are checked (default 10 ms).
  route_builder& sweep_every(caf::timespan t);

  /// Retry failed attempts by `policy`.
  route_builder& retry(retry_policy policy);

  /// Put a circuit breaker in front of the target.
  route_builder& breaker(circuit_breaker_settings settings);

  /// Limit concurrent requests to the target.
  route_builder& bulkhead(bulkhead_settings settings);

  /// Which error replies count as breaker failures (default: every error);
  /// the others are ignored. A shorthand for `classify_errors`.
  route_builder& failure_if(std::function<bool(const caf::error&)> f);

  /// How each error reply counts for the breaker: failure, ignored or
  /// success.
  route_builder& classify_errors(error_classifier f);

  /// Which value replies count as failures (for the breaker and the retry).
  route_builder& failure_on_result(result_predicate f);

  /// Publish per-call events (default: off).
  route_builder& call_events(bool on = true);

  /// Publish samples about `target` (default: the route's name) every
  /// `interval` while there is traffic (default 1 s; 0 turns them off).
  route_builder& metrics(caf::timespan interval, std::string target = {});

  /// Seeds the breaker's and the retry's jitter.
  route_builder& seed(uint64_t x);

  /// The settings so far.
  const route_settings& settings() const {
    return settings_;
  }

  /// Validates the settings and spawns the route to `target`; an invalid
  /// setting returns an error naming the route and the field.
  caf::expected<caf::actor> to(caf::actor_system& sys, caf::actor target) const;

private:
  route_settings settings_;
};

} // namespace remedy
