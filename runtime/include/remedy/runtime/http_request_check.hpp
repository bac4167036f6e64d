#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "remedy/runtime/http_route.hpp"

namespace remedy {

/// What the HTTP gateway makes of the bytes of one request, decided by the
/// same parser, limits and routing the gateway runs on its sockets (see
/// `check_http_request`).
struct http_request_check {
  enum class state : uint8_t {
    /// The bytes end before the request does.
    incomplete,
    /// A whole request: see `route`.
    complete,
    /// The gateway answers `status` (400, 413, 431) and closes.
    error,
  };
  state outcome = state::incomplete;
  /// For `error`: the status; for `complete`: the route's status if it
  /// rejects the request, else 0.
  uint16_t status = 0;
  /// For `error`: the parser's message.
  std::string reason;
  /// For `complete`: the method as sent, and where the request goes.
  std::string method;
  http_route route;
  /// For `complete`: whether the connection stays open after the answer.
  bool keep_alive = false;
  /// For `complete`: the body's size in bytes.
  size_t body_bytes = 0;
  /// For `complete`: bytes of the input the request took.
  size_t consumed = 0;
};

/// Parses one HTTP/1.x request from the start of `bytes` with the header
/// and body limits of the gateway (`max_header_bytes`, `max_body_bytes` of
/// `http_gateway_settings`) and routes it: no sockets, no actor system
/// (tests and the fuzzer use it; the gateway runs the same code).
http_request_check check_http_request(std::string_view bytes,
                                      size_t max_header_bytes,
                                      size_t max_body_bytes);

} // namespace remedy
