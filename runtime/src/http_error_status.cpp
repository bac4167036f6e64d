#include "remedy/runtime/http_error_status.hpp"

#include <cstdio>

#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "remedy/core/error.hpp"

namespace remedy {

namespace {

http_error_status make(uint16_t status, bool retry_after, std::string name) {
  return {status, retry_after, std::move(name)};
}

} // namespace

http_error_status http_status_of(const caf::error& err) {
  if (!err)
    return make(500, false, "no_error");
  if (err.category() == error_category) {
    auto code = static_cast<errc>(err.code());
    std::string name = to_string(code);
    switch (code) {
      case errc::breaker_open:
      case errc::bulkhead_full:
      case errc::bulkhead_timeout:
      case errc::task_rejected:
      case errc::stash_full:
      case errc::stash_dropped:
      case errc::shutting_down:
      case errc::node_unreachable:
      case errc::not_leader:
        return make(503, true, std::move(name));
      case errc::timeout:
      case errc::task_expired:
      case errc::stash_timeout:
        return make(504, false, std::move(name));
      case errc::target_down:
      case errc::task_failed:
      case errc::node_down:
        return make(502, false, std::move(name));
      default:
        return make(500, false, std::move(name));
    }
  }
  if (err.category() == caf::atom("system")) {
    auto code = static_cast<caf::sec>(err.code());
    auto name = caf::to_string(code);
    switch (code) {
      case caf::sec::request_timeout:
        return make(504, false, std::move(name));
      case caf::sec::request_receiver_down:
      case caf::sec::remote_lookup_failed:
      case caf::sec::no_route_to_receiving_node:
        return make(502, false, std::move(name));
      default:
        return make(500, false, std::move(name));
    }
  }
  if (err.category() == caf::atom("exit"))
    return make(502, false,
                caf::to_string(static_cast<caf::exit_reason>(err.code())));
  return make(500, false, "error");
}

std::string json_quote(std::string_view text) {
  std::string result;
  result.reserve(text.size() + 2);
  result += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        result += "\\\"";
        break;
      case '\\':
        result += "\\\\";
        break;
      case '\n':
        result += "\\n";
        break;
      case '\r':
        result += "\\r";
        break;
      case '\t':
        result += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20
            || static_cast<unsigned char>(c) >= 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          result += buf;
        } else {
          result += c;
        }
    }
  }
  result += '"';
  return result;
}

std::string http_error_json(std::string_view error, std::string_view service,
                            std::string_view detail) {
  std::string result = "{\"error\": ";
  result += json_quote(error);
  result += ", \"service\": ";
  result += json_quote(service);
  if (!detail.empty()) {
    result += ", \"detail\": ";
    result += json_quote(detail);
  }
  result += '}';
  return result;
}

} // namespace remedy
