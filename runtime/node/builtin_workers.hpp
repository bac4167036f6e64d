#pragma once

// The worker types remedy-node knows without a program of its own, for
// config files that try Remedy out (examples/node/*.json):
//
//   echo  answers every api_request with 200 and a JSON object of what it
//         got: {"method", "path", "query", "body", "worker", "node"} (the
//         answering actor's id and CAF node id); args: none.
//   kv    an in-memory key-value store over api_request: GET /<key> -> 200
//         and the value or 404; PUT or POST /<key> with a body -> 204;
//         DELETE /<key> -> 204 or 404; anything else 405. Its state lives
//         in the worker, so a restart empties it. Args: "capacity" (keys,
//         1 to 1,000,000, default 10,000): a PUT of a new key beyond it ->
//         507.

#include "remedy/runtime/node_registry.hpp"

namespace remedy::node {

/// Adds `echo` and `kv` to `reg`.
void add_builtin_workers(node_registry& reg);

} // namespace remedy::node
