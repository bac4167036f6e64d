// The gateway's request parser setup and checks (see http_parser.hpp), and
// check_http_request, which runs them on bytes without a socket.

#include "http_parser.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "remedy/runtime/http_request_check.hpp"

namespace http = boost::beast::http;

namespace remedy::detail {

void configure_parser(http_request_parser& parser, size_t max_header_bytes,
                      size_t max_body_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(max_header_bytes));
  parser.body_limit(max_body_bytes);
  parser.eager(true);
}

uint16_t status_of_parse_error(const boost::beast::error_code& ec) {
  if (!ec)
    return 0;
  if (ec == http::error::header_limit)
    return 431;
  if (ec == http::error::body_limit)
    return 413;
  if (ec.category()
      == http::make_error_code(http::error::bad_method).category()) {
    // Beast's own codes that are not about malformed input.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message
        || ec == http::error::need_more || ec == http::error::need_buffer
        || ec == http::error::buffer_overflow)
      return 0;
    return 400;
  }
  return 0;
}

http_route route_request(const http_request& req) {
  auto method = req.method_string();
  auto target = req.target();
  auto route = route_http({method.data(), method.size()},
                          {target.data(), target.size()});
  if (route.kind == http_route_kind::reject && route.status == 400)
    return route;
  if (req.version() >= 11 && req.find(http::field::host) == req.end()) {
    http_route bad;
    bad.status = 400;
    bad.reason = "missing_host";
    return bad;
  }
  return route;
}

} // namespace remedy::detail

namespace remedy {

http_request_check check_http_request(std::string_view bytes,
                                      size_t max_header_bytes,
                                      size_t max_body_bytes) {
  http_request_check result;
  detail::http_request_parser parser;
  detail::configure_parser(parser, max_header_bytes, max_body_bytes);
  size_t used = 0;
  while (!parser.is_done()) {
    if (used == bytes.size())
      return result; // incomplete: the gateway would read on
    boost::beast::error_code ec;
    auto rest = bytes.substr(used);
    auto n = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    used += n;
    if (ec == http::error::need_more) {
      // The parser wants more than what is left (the rest of the headers,
      // of a chunk header, ...). Like Beast's own read loop, only more
      // bytes may follow a need_more: feeding it the same bytes again
      // breaks its assumptions (a fuzzed chunked body found that).
      return result;
    }
    if (ec) {
      result.outcome = http_request_check::state::error;
      result.status = detail::status_of_parse_error(ec);
      if (result.status == 0)
        result.status = 400;
      result.reason = ec.message();
      return result;
    }
    if (n == 0 && !parser.is_done())
      return result; // defensive: no progress
  }
  auto& req = parser.get();
  result.outcome = http_request_check::state::complete;
  result.method = std::string{req.method_string()};
  result.route = detail::route_request(req);
  result.status = result.route.status;
  result.keep_alive = req.keep_alive();
  result.body_bytes = req.body().size();
  result.consumed = used;
  return result;
}

} // namespace remedy
