#include "remedy/runtime/http_gateway_settings.hpp"

#include <cmath>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "remedy/core/error.hpp"

namespace remedy {

namespace {

caf::error fail(const std::string& what) {
  return make_error(errc::invalid_argument, "http gateway: " + what);
}

std::string ns(caf::timespan x) {
  return std::to_string(x.count()) + "ns";
}

std::string num(double x) {
  return std::to_string(x);
}

} // namespace

caf::error http_gateway_settings::validate() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(address, ec);
  if (ec)
    return fail("address must be an IPv4 or IPv6 literal, got '" + address
                + "'");
  if (io_threads < 1 || io_threads > 64)
    return fail("io_threads must be in 1..64, got "
                + std::to_string(io_threads));
  if (request_timeout.count() <= 0)
    return fail("request_timeout must be positive, got "
                + ns(request_timeout));
  if (max_header_bytes < 256 || max_header_bytes > 1024 * 1024)
    return fail("max_header_bytes must be in 256..1048576, got "
                + std::to_string(max_header_bytes));
  if (max_body_bytes > 1024ull * 1024 * 1024)
    return fail("max_body_bytes must be at most 1073741824, got "
                + std::to_string(max_body_bytes));
  if (header_timeout.count() <= 0)
    return fail("header_timeout must be positive, got " + ns(header_timeout));
  if (body_timeout.count() <= 0)
    return fail("body_timeout must be positive, got " + ns(body_timeout));
  if (idle_timeout.count() <= 0)
    return fail("idle_timeout must be positive, got " + ns(idle_timeout));
  if (max_connections < 1)
    return fail("max_connections must be positive, got "
                + std::to_string(max_connections));
  if (!std::isfinite(rate_limit) || rate_limit < 0)
    return fail("rate_limit must be finite and >= 0 (0: off), got "
                + num(rate_limit));
  if (!std::isfinite(rate_burst) || (rate_limit > 0 && rate_burst < 1))
    return fail("rate_burst must be finite and >= 1 when rate_limit is on, "
                "got "
                + num(rate_burst));
  if (retry_after.count() <= 0)
    return fail("retry_after must be positive, got " + ns(retry_after));
  return caf::none;
}

} // namespace remedy
