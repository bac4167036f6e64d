// libFuzzer target for the HTTP gateway's request handling (clang only):
// parses the input as the gateway does (check_http_request: Beast's parser
// with the gateway's limits, then routing and the request checks), routes
// the input as a bare target, maps an error code taken from the input to a
// status, and traps if a result breaks the rules the gateway relies on.
//
// Built as fuzz_http_request when the compiler is clang; ctest runs it for
// 5 seconds (fuzz.http_request). By hand, from the build directory:
//
//   ./fuzz/fuzz_http_request -max_total_time=60 fuzz/http_request_corpus \
//     ../../tests/fuzz/http_request_corpus

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "remedy/core/error.hpp"
#include "remedy/runtime/http_error_status.hpp"
#include "remedy/runtime/http_request_check.hpp"
#include "remedy/runtime/http_route.hpp"

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

void check_route(const remedy::http_route& r) {
  using remedy::http_route_kind;
  switch (r.kind) {
    case http_route_kind::reject:
      check(r.status == 400 || r.status == 404 || r.status == 405);
      check(!r.reason.empty());
      break;
    case http_route_kind::api:
      check(r.status == 0);
      check(remedy::valid_service_name(r.service));
      check(r.path.empty() || r.path.front() == '/');
      check(r.path.find('?') == std::string::npos);
      break;
    default:
      check(r.status == 0);
      check(r.service.empty());
  }
}

void check_quoted(const std::string& s) {
  check(s.size() >= 2 && s.front() == '"' && s.back() == '"');
  for (unsigned char c : s)
    check(c >= 0x20 && c < 0x7f);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  // The default limits and small ones, so that both limits are reached.
  for (auto [header, body] : {std::pair<size_t, size_t>{8192, 1 << 20},
                              std::pair<size_t, size_t>{256, 64}}) {
    auto c = remedy::check_http_request(text, header, body);
    using state = remedy::http_request_check::state;
    switch (c.outcome) {
      case state::incomplete:
        check(c.status == 0);
        break;
      case state::error:
        check(c.status == 400 || c.status == 413 || c.status == 431);
        break;
      case state::complete:
        check(c.consumed > 0 && c.consumed <= size);
        check(c.body_bytes <= body);
        check(!c.method.empty());
        check_route(c.route);
        check(c.status == c.route.status);
        break;
    }
  }
  // The input as a bare target.
  check_route(remedy::route_http("GET", text));
  // An error code from the input.
  if (size >= 2) {
    caf::error err;
    switch (data[0] % 3) {
      case 0:
        err = remedy::make_error(static_cast<remedy::errc>(data[1]));
        break;
      case 1:
        err = caf::make_error(static_cast<caf::sec>(data[1]));
        break;
      default:
        err = caf::make_error(static_cast<caf::exit_reason>(data[1]));
    }
    auto m = remedy::http_status_of(err);
    check(m.status == 500 || m.status == 502 || m.status == 503
          || m.status == 504);
    check(!m.retry_after || m.status == 503);
    check(!m.name.empty());
  }
  check_quoted(remedy::json_quote(text));
  return 0;
}
