#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace remedy {

/// A service's answer to an `api_request`, which the gateway sends back as
/// the HTTP response.
struct api_response {
  uint16_t status = 200;
  std::string content_type = "application/json";
  std::string body;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_response& x) {
  return f(caf::meta::type_name("remedy.api_response"), x.status,
           x.content_type, x.body);
}

} // namespace remedy
