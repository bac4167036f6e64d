#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// The HTTP gateway's address, threads, timeouts and limits (see
/// docs/http.md for the table of keys, defaults and ranges).
struct http_gateway_settings {
  /// The address to listen on: an IPv4 or IPv6 literal. Loopback by default;
  /// anything else exposes the node.
  std::string address = "127.0.0.1";
  /// The port to listen on; 0 picks a free one (read it with
  /// `http_gateway::port()`).
  uint16_t port = 0;
  /// Threads running the sockets (Asio io threads), 1..64.
  uint32_t io_threads = 1;
  /// How long the gateway waits for a service's (or the metrics or health
  /// actor's) answer before it answers 504.
  caf::timespan request_timeout = std::chrono::seconds(5);
  /// A request's start line and headers together at most (else 431).
  size_t max_header_bytes = 8 * 1024;
  /// A request's body at most (else 413).
  size_t max_body_bytes = 1024 * 1024;
  /// Time from the first byte of a request to the end of its headers
  /// (else 408 and the connection is closed): cuts off slowloris clients.
  caf::timespan header_timeout = std::chrono::seconds(5);
  /// Time from the end of the headers to the end of the body (else 408 and
  /// the connection is closed); also bounds writing a response.
  caf::timespan body_timeout = std::chrono::seconds(10);
  /// How long a keep-alive connection may sit between requests before the
  /// gateway closes it (quietly).
  caf::timespan idle_timeout = std::chrono::seconds(30);
  /// Open connections at most; one more is answered 503 and closed.
  uint32_t max_connections = 1024;
  /// Requests per second each client (keyed by its address) may make on
  /// average; 0 turns the rate limit off.
  double rate_limit = 0;
  /// Requests a client may make in a burst above `rate_limit` (the token
  /// bucket's size); at least 1 when the rate limit is on.
  double rate_burst = 20;
  /// The `Retry-After` a 503 (breaker open, bulkhead full, ...) carries, in
  /// whole seconds (rounded up; at least 1 s).
  caf::timespan retry_after = std::chrono::seconds(1);

  /// Returns an error (errc::invalid_argument) naming the bad field and its
  /// value, or none.
  caf::error validate() const;
};

} // namespace remedy
