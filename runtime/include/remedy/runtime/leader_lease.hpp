#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/runtime/etcd_client.hpp"

namespace remedy {

/// What decides a cluster's leader: a lease that at most one member holds
/// at a time, with a term (fencing token) that grows with every new holder.
///
/// - `raft`, the default: the node agents' own Raft election (see
///   `election`): no outside service; the term is Raft's term; a side
///   without a majority of the voters never elects, and the keep-majority
///   rule downs it.
/// - `etcd`: for users who already run etcd. Every member keeps a lease of
///   its own alive in etcd and campaigns with one transaction, "if the key
///   does not exist, put key = my name with my lease"; the holder is whoever
///   created the key, the term is the key's create_revision. A holder whose
///   lease was not confirmed for a TTL stops calling itself leader; a member
///   that leaves revokes its lease, so the next one takes over at once. See
///   `spawn_etcd_lease` and docs/cluster.md.
enum class lease_kind : uint8_t { raft, etcd };

const char* to_string(lease_kind x);

/// How a cluster decides its leader (the `cluster.lease` section of a node
/// config).
struct lease_settings {
  lease_kind kind = lease_kind::raft;
  /// etcd's client endpoints (tried in order, moving on after a failure).
  std::vector<etcd_endpoint> endpoints{{"127.0.0.1", 2379}};
  /// The election key: its value is the holder's name.
  std::string key = "remedy/leader";
  /// The lease's time to live, whole seconds (etcd 3.4 raises anything
  /// below 2 s to 2 s). Members keep their lease alive every ttl / 3 and
  /// read the key as often; each etcd call may take at most ttl / 6.
  caf::timespan ttl = std::chrono::seconds(2);

  /// The cadence of keep-alives and reads: ttl / 3.
  caf::timespan period() const {
    return ttl / 3;
  }

  /// How long one etcd call may take: ttl / 6, at least 10 ms.
  caf::timespan call_timeout() const {
    return std::max<caf::timespan>(ttl / 6, std::chrono::milliseconds(10));
  }

  /// Names the first bad field.
  caf::error validate() const;
};

/// Leadership as a lease reports it to the node agent.
struct lease_status {
  /// The holder's term (fencing token; 0: none known yet).
  uint64_t term = 0;
  /// The holder's name (empty: none known).
  std::string holder;
  /// Whether this member holds the lease now.
  bool held = false;
};

inline bool operator==(const lease_status& x, const lease_status& y) {
  return x.term == y.term && x.holder == y.holder && x.held == y.held;
}

inline bool operator!=(const lease_status& x, const lease_status& y) {
  return !(x == y);
}

/// The protocol between the node agent and a lease actor (the narrow
/// interface; the `raft` kind lives inside the agent and needs none):
///
/// - lease -> agent: `(lease_status_atom, uint64_t term, std::string holder,
///   bool held)` whenever the status changes;
/// - agent -> lease: `(lease_release_atom) -> unit`: give the lease up now
///   (revoke it) and stop campaigning; answered when done or failed.
///
/// The lease actor ends when the agent does (it monitors it), revoking its
/// lease on the way out.
using lease_status_atom = caf::atom_constant<caf::atom("r_lsstat")>;
using lease_release_atom = caf::atom_constant<caf::atom("r_lsrel")>;

} // namespace remedy
