#pragma once

#include <string>
#include <vector>

namespace caf {
class actor_system;
} // namespace caf

namespace remedy {

/// The portable names of every message type in Remedy's type ID blocks (all
/// parts), in ID order: what a node registers with `remedy::config`.
std::vector<std::string> remedy_type_names();

/// Of `remedy_type_names()`, the ones `sys` has registered: the Remedy types
/// this node can send and receive. In CAF 0.17 a message holding a type one
/// side has not registered arrives empty, so two nodes must agree on this
/// list (the cluster agents compare it before anything else).
std::vector<std::string> registered_remedy_types(caf::actor_system& sys);

/// What `ours` has and `theirs` lacks, joined by ", " (empty: nothing).
std::string lacking(const std::vector<std::string>& ours,
                    const std::vector<std::string>& theirs);

} // namespace remedy
