#pragma once

#include <string>

#include <caf/meta/type_name.hpp>

namespace remedy {

/// A node's health as `/health` serves it: whether the node is healthy
/// (HTTP 200, else 503) and the JSON document that says why.
struct health_report {
  bool healthy = true;
  /// A JSON object: the tree, breakers, open faults, healings.
  std::string json;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_report& x) {
  return f(caf::meta::type_name("remedy.health_report"), x.healthy, x.json);
}

} // namespace remedy
