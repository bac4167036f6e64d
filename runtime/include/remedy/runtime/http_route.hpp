#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace remedy {

/// Where the HTTP gateway sends a request.
enum class http_route_kind : uint8_t {
  /// `GET /metrics`: the metrics actor's text plus the gateway's own.
  metrics,
  /// `GET /health`: the health actor's report.
  health,
  /// `/api/<service>/<rest>` (any method): the service actor.
  api,
  /// Answered at once with the route's `status` (404, 405 or 400).
  reject,
};

/// Returns the name of `x`, e.g. "metrics"; also the `route` label of the
/// gateway's metrics.
const char* to_string(http_route_kind x);

/// What the gateway does with one request, decided from its method and
/// target alone (no sockets, no actor system): see `route_http`.
struct http_route {
  http_route_kind kind = http_route_kind::reject;
  /// For `reject`: the status to answer (404, 405, 400); else 0.
  uint16_t status = 0;
  /// For `reject`: a short machine-readable reason ("not_found",
  /// "method_not_allowed", "bad_target", "bad_service_name", ...).
  std::string reason;
  /// For `api`: the service's name (the segment after /api/).
  std::string service;
  /// For `api`: the rest of the path after /api/<service>, starting with
  /// '/' (or empty).
  std::string path;
  /// For `api`: the query string without the '?' (or empty).
  std::string query;
};

/// The longest service name the gateway accepts.
constexpr size_t http_max_service_name = 64;

/// Returns whether `name` may name a service: 1 to `http_max_service_name`
/// characters out of [A-Za-z0-9_.-].
bool valid_service_name(std::string_view name);

/// Routes a request with `method` (as sent, e.g. "GET") and `target` (the
/// request target as sent, origin form "/path?query"):
/// - `/metrics`, `/health` (with or without a query): `GET` only, else 405;
/// - `/api/<service>` and `/api/<service>/<rest>`: any method; a service
///   name that is not valid is 400, a missing one 404;
/// - a target that is not in origin form (does not start with '/') or
///   holds a '#', a control character or a space: 400;
/// - anything else: 404.
http_route route_http(std::string_view method, std::string_view target);

} // namespace remedy
