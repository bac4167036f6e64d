#include "remedy/runtime/http_route.hpp"

namespace remedy {

const char* to_string(http_route_kind x) {
  switch (x) {
    case http_route_kind::metrics:
      return "metrics";
    case http_route_kind::health:
      return "health";
    case http_route_kind::api:
      return "api";
    case http_route_kind::reject:
      return "other";
  }
  return "other";
}

bool valid_service_name(std::string_view name) {
  if (name.empty() || name.size() > http_max_service_name)
    return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

namespace {

http_route reject(uint16_t status, const char* reason) {
  http_route result;
  result.kind = http_route_kind::reject;
  result.status = status;
  result.reason = reason;
  return result;
}

/// A route for a fixed GET-only resource.
http_route get_only(std::string_view method, http_route_kind kind) {
  if (method != "GET")
    return reject(405, "method_not_allowed");
  http_route result;
  result.kind = kind;
  return result;
}

} // namespace

http_route route_http(std::string_view method, std::string_view target) {
  if (method.empty())
    return reject(400, "bad_method");
  if (target.empty() || target.front() != '/')
    return reject(400, "bad_target");
  for (unsigned char c : target)
    if (c <= 0x20 || c == 0x7f || c == '#')
      return reject(400, "bad_target");
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query = q == std::string_view::npos ? std::string_view{}
                                           : target.substr(q + 1);
  if (path == "/metrics")
    return get_only(method, http_route_kind::metrics);
  if (path == "/health")
    return get_only(method, http_route_kind::health);
  constexpr std::string_view api_prefix = "/api/";
  if (path.substr(0, api_prefix.size()) != api_prefix)
    return reject(404, "not_found");
  auto rest = path.substr(api_prefix.size());
  auto slash = rest.find('/');
  auto service = rest.substr(0, slash);
  if (service.empty())
    return reject(404, "not_found");
  if (!valid_service_name(service))
    return reject(400, "bad_service_name");
  http_route result;
  result.kind = http_route_kind::api;
  result.service = std::string{service};
  if (slash != std::string_view::npos)
    result.path = std::string{rest.substr(slash)};
  result.query = std::string{query};
  return result;
}

} // namespace remedy
