#pragma once

#include "remedy/runtime/node_registry.hpp"

namespace remedy {

/// Exit statuses of `run_node` (and remedy-node), as service managers and
/// sysexits(3) expect them.
namespace exit_status {
constexpr int ok = 0;
/// The node ran and failed: it could not start, or its tree went down more
/// often than `restart.max_restarts` allows.
constexpr int failure = 1;
/// Bad command line (EX_USAGE).
constexpr int usage = 64;
/// Bad configuration file (EX_CONFIG).
constexpr int config = 78;
} // namespace exit_status

/// A node program's whole `main`: reads the command line, loads the config
/// file with the worker types and strategies of `reg`, and runs the node
/// until SIGINT or SIGTERM (a clean stop: children stopped in order) or
/// until its tree goes down for good.
///
///     remedy-node --config node.json [--check-config] [--http PORT]
///                 [--log-level LEVEL]
///
/// `--check-config` only validates the file (every error at once, as
/// `file:line: $.path: what was expected`). Returns an `exit_status`.
int run_node(int argc, char** argv, const node_registry& reg);

} // namespace remedy
