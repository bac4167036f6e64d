#pragma once

// The config file of a remedy-node cluster member in the process tests: an
// echo worker, detection and healing off, info logging, and a cluster
// section on 127.0.0.1 at `port` joining through `seed` (0: none).

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace remedy::test {

/// Writes the config of member `name` to /tmp/remedy-<tag>-<name>-<pid>.json
/// and returns its path. `cluster_extra` goes inside the "cluster" object
/// (e.g. `, "lease": {...}`); `body`, if not empty, replaces the tree and
/// the detection and healing sections (it ends with a comma).
inline std::string write_cluster_node_config(const std::string& tag,
                                             const std::string& name,
                                             uint16_t port, uint16_t seed,
                                             const std::string& down_after,
                                             const std::string& cluster_extra
                                             = "",
                                             const std::string& body = "") {
  auto path = "/tmp/remedy-" + tag + "-" + name + "-"
              + std::to_string(::getpid()) + ".json";
  std::ofstream out{path};
  out << R"({"name": ")" << name << R"(",
  "logging": {"level": "info"},
  )" << (body.empty() ? R"("tree": {"children": [{"name": "w", "worker": "echo"}]},
  "detection": {"enabled": false}, "healing": {"enabled": false},)"
                      : body)
      << R"(
  "cluster": {"port": )"
      << port << R"(, "seeds": [)"
      << (seed != 0 ? "\"127.0.0.1:" + std::to_string(seed) + "\"" : "")
      << R"(], "heartbeat": "100ms", "down_after": ")" << down_after << "\""
      << cluster_extra << "}}";
  return path;
}

} // namespace remedy::test
