#include "remedy/runtime/cluster_event.hpp"
#include "remedy/runtime/cluster_member.hpp"
#include "remedy/runtime/cluster_settings.hpp"

#include "remedy/core/error.hpp"

namespace remedy {

const char* to_string(member_state x) {
  switch (x) {
    case member_state::joining:
      return "joining";
    case member_state::up:
      return "up";
    case member_state::leaving:
      return "leaving";
    case member_state::left:
      return "left";
    case member_state::down:
      return "down";
  }
  return "?";
}

std::string to_string(const cluster_member& x) {
  return x.name + "@" + x.host + ":" + std::to_string(x.port) + "#"
         + std::to_string(x.uid % 100000);
}

const char* to_string(cluster_event_kind x) {
  switch (x) {
    case cluster_event_kind::node_up:
      return "node_up";
    case cluster_event_kind::node_unreachable:
      return "node_unreachable";
    case cluster_event_kind::node_reachable:
      return "node_reachable";
    case cluster_event_kind::node_down:
      return "node_down";
    case cluster_event_kind::node_rejoined:
      return "node_rejoined";
    case cluster_event_kind::node_left:
      return "node_left";
    case cluster_event_kind::leader_changed:
      return "leader_changed";
  }
  return "?";
}

std::string topic(const cluster_event& x) {
  return std::string{"cluster."} + to_string(x.kind);
}

caf::error cluster_settings::validate() const {
  auto bad = [](const std::string& what) {
    return make_error(errc::invalid_argument, "cluster: " + what);
  };
  if (name.empty())
    return bad("name must not be empty");
  if (name.find(':') != std::string::npos)
    return bad("name '" + name + "' must not contain ':' (the cluster's "
               "healing names a node's targets \"<node>:<target>\")");
  if (host.empty())
    return bad("host must not be empty");
  if (connector && port == 0)
    return bad("port must name the agent (not 0) when a connector is set");
  if (heartbeat_interval <= caf::timespan{0})
    return bad("heartbeat_interval must be > 0");
  if (!(phi_threshold > 0))
    return bad("phi_threshold must be > 0");
  if (down_after <= caf::timespan{0})
    return bad("down_after must be > 0");
  if (gossip_interval <= caf::timespan{0})
    return bad("gossip_interval must be > 0");
  if (reconnect_min <= caf::timespan{0} || reconnect_max < reconnect_min)
    return bad("reconnect_min must be > 0 and <= reconnect_max");
  if (connect_timeout <= caf::timespan{0})
    return bad("connect_timeout must be > 0");
  for (auto& [h, p] : seeds)
    if (h.empty() || p == 0)
      return bad("a seed needs a host and a port > 0");
  return lease.validate();
}

} // namespace remedy
