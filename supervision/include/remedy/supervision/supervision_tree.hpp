#pragma once

#include <map>
#include <string>

#include <caf/actor.hpp>

namespace remedy {

/// What `supervisor_builder::spawn` returns: the root supervisor and the
/// stable endpoints of every statically declared child (workers and
/// subtrees), by path below the root ("db", "io", "io/listener"). Endpoints
/// survive restarts of their child and of every supervisor above it; the
/// endpoint of a subtree reaches its current supervisor, e.g. to call
/// `start_child` on a pool.
struct supervision_tree {
  caf::actor root;
  std::map<std::string, caf::actor> endpoints;

  /// Returns the endpoint at `path`, or an invalid handle.
  caf::actor endpoint(const std::string& path) const {
    auto i = endpoints.find(path);
    return i != endpoints.end() ? i->second : caf::actor{};
  }
};

} // namespace remedy
