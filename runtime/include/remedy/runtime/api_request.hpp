#pragma once

#include <string>

#include <caf/meta/type_name.hpp>

namespace remedy {

/// An HTTP request to `/api/<service>/<path>` as the gateway hands it to the
/// service: the service actor (a route, a scheduler, or a worker) answers
/// it with an `api_response`, or with an error that the gateway maps to an
/// HTTP status (see docs/http.md).
struct api_request {
  /// "GET", "POST", ...
  std::string method;
  /// The service's name (the path segment after /api/).
  std::string service;
  /// The rest of the path after /api/<service>, starting with '/' (or
  /// empty).
  std::string path;
  /// The query string without the '?' (or empty).
  std::string query;
  std::string body;
  /// Who asked: the client's address, the key of its rate limit.
  std::string client;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_request& x) {
  return f(caf::meta::type_name("remedy.api_request"), x.method, x.service,
           x.path, x.query, x.body, x.client);
}

} // namespace remedy
