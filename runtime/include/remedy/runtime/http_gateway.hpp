#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "remedy/runtime/http_gateway_settings.hpp"

namespace remedy {

/// The actors behind the HTTP gateway's routes.
struct http_services {
  /// Answers `(metrics_atom) -> std::string` (Prometheus text). May be
  /// null: `/metrics` then serves only the gateway's own metrics.
  caf::actor metrics;
  /// Answers `(health_atom) -> health_report`. May be null: `/health` then
  /// answers 503.
  caf::actor health;
  /// The services of `/api/<name>/...`: each answers
  /// `(api_request) -> api_response` or an error.
  std::map<std::string, caf::actor> api;
};

/// An HTTP/1.1 server (Boost.Beast on its own io threads) in front of a
/// node's actors: `GET /metrics`, `GET /health` and `/api/<service>/...`
/// (see docs/http.md for routes, statuses and limits). A connection sends
/// its request to the actor in the name of one bridge actor, which receives
/// the answer and posts it back to the connection; the connection times the
/// request out itself (`request_timeout`). No io thread waits on an actor
/// and no actor waits on a socket.
///
/// Stop the gateway (`stop()` or the destructor) before its actor system
/// ends: it owns an actor.
class http_gateway {
public:
  /// Validates `settings`, binds the listening socket, spawns the bridge
  /// actor and starts the io threads. Fails with errc::invalid_argument for
  /// bad settings or a service name that is not valid, and with
  /// errc::start_failed if the address cannot be bound.
  static caf::expected<std::unique_ptr<http_gateway>>
  start(caf::actor_system& sys, http_gateway_settings settings,
        http_services services);

  ~http_gateway();

  http_gateway(const http_gateway&) = delete;
  http_gateway& operator=(const http_gateway&) = delete;

  /// The port the gateway listens on (the one it picked if settings said
  /// 0).
  uint16_t port() const;

  /// Adds or replaces the service `name`; a null `actor` removes it. Takes
  /// effect for requests that arrive afterwards. Returns
  /// errc::invalid_argument for a name `valid_service_name` rejects.
  caf::error set_service(const std::string& name, caf::actor actor);

  /// The gateway's own metrics in Prometheus text format 0.0.4 (what
  /// `/metrics` appends to the metrics actor's text).
  std::string own_metrics() const;

  /// Closes the listening socket and every connection, joins the io
  /// threads and stops the bridge actor. Idempotent; returns within about
  /// the time the io threads need to finish the handler they are in.
  void stop();

  struct impl;

private:
  explicit http_gateway(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

/// Same as `http_gateway::start`.
caf::expected<std::unique_ptr<http_gateway>>
start_http_gateway(caf::actor_system& sys, http_gateway_settings settings,
                   http_services services);

} // namespace remedy
