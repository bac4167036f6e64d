#pragma once

// Private to the HTTP gateway: the Beast request parser as the gateway
// configures it, and the checks a parsed request goes through. Shared by the
// gateway's connections (http_gateway.cpp) and `check_http_request`
// (http_request.cpp, also built into the fuzzer), so both run one code path.

#include <cstddef>
#include <cstdint>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "remedy/runtime/http_route.hpp"

namespace remedy::detail {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_request_parser
  = boost::beast::http::request_parser<boost::beast::http::string_body>;

/// Sets the gateway's limits on a fresh parser.
void configure_parser(http_request_parser& parser, size_t max_header_bytes,
                      size_t max_body_bytes);

/// The status answering a parser error: 431 (header too large), 413 (body
/// too large), 400 (anything else malformed); 0 for errors that are not
/// about the request (end of stream, cancelled, reset).
uint16_t status_of_parse_error(const boost::beast::error_code& ec);

/// Routes a parsed request: `route_http` on its method and target, plus the
/// checks on the whole request (HTTP/1.1 needs a Host header: else 400).
http_route route_request(const http_request& req);

} // namespace remedy::detail
