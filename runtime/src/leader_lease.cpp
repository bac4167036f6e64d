#include "remedy/runtime/leader_lease.hpp"

#include "remedy/core/error.hpp"

namespace remedy {

const char* to_string(lease_kind x) {
  switch (x) {
    case lease_kind::raft:
      return "raft";
    case lease_kind::etcd:
      return "etcd";
  }
  return "?";
}

caf::error lease_settings::validate() const {
  auto bad = [](const std::string& what) {
    return make_error(errc::invalid_argument, "cluster.lease: " + what);
  };
  if (kind == lease_kind::raft)
    return {};
  if (endpoints.empty())
    return bad("an etcd lease needs at least one endpoint");
  for (auto& ep : endpoints)
    if (ep.host.empty() || ep.port == 0)
      return bad("an endpoint needs a host and a port > 0");
  if (key.empty())
    return bad("key must not be empty");
  if (ttl < std::chrono::seconds(1) || ttl % std::chrono::seconds(1) != caf::timespan{0})
    return bad("ttl must be a whole number of seconds, at least 1s");
  return {};
}

} // namespace remedy
