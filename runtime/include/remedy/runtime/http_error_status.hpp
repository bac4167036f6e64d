#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/error.hpp>

namespace remedy {

/// How the HTTP gateway answers a service's error (see docs/http.md).
struct http_error_status {
  /// 503, 504, 502 or 500.
  uint16_t status = 500;
  /// Whether the answer carries `Retry-After` (the service is shedding load
  /// or its breaker is open: asking again later may work).
  bool retry_after = false;
  /// The error's short name for the JSON body, e.g. "breaker_open" or
  /// "request_timeout".
  std::string name;
};

/// Maps a service's error to an HTTP status:
/// - 503 + Retry-After: errc breaker_open, bulkhead_full, bulkhead_timeout,
///   task_rejected, stash_full, stash_dropped, shutting_down;
/// - 504: errc timeout, task_expired, stash_timeout, sec::request_timeout;
/// - 502: errc target_down, task_failed, sec::request_receiver_down,
///   sec::remote_lookup_failed, sec::no_route_to_receiving_node and any
///   exit reason (the service died);
/// - 500: anything else (also an answer of the wrong type).
http_error_status http_status_of(const caf::error& err);

/// Returns `text` as a JSON string literal, quotes included, with '"', '\\'
/// and control characters escaped, and every byte >= 0x7f written as
/// \u00XX (so the result is valid JSON whatever the bytes; UTF-8 text
/// comes out as its Latin-1 reading).
std::string json_quote(std::string_view text);

/// The JSON body of an error answer: `{"error": "<error>", "service":
/// "<service>"}`, plus `"detail": "<detail>"` when `detail` is not empty.
std::string http_error_json(std::string_view error, std::string_view service,
                            std::string_view detail = {});

} // namespace remedy
