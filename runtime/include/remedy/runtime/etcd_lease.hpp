#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include "remedy/runtime/etcd_client.hpp"
#include "remedy/runtime/leader_lease.hpp"

namespace spdlog {
class logger;
} // namespace spdlog

namespace caf {
class actor_system;
} // namespace caf

namespace remedy {

/// One member's side of leadership through etcd, as a blocking step
/// function (the etcd lease actor runs it on its own thread; tests drive it
/// directly). Each `step`:
///
/// 1. keeps this member's lease alive (granting a new one if it has none or
///    etcd says it expired);
/// 2. campaigns with one txn: "if create_revision(key) == 0 then put
///    key = name with the lease, else range key", which also reads the
///    holder: the key's value, and the term, its create_revision;
/// 3. stops calling itself the holder when its lease was not confirmed for
///    a TTL (measured from when the last successful keep-alive was sent,
///    so never after etcd could have let the lease expire), or the key is
///    gone or names another lease. It keeps the lease: if etcd confirms it
///    again before it expired, the key still names this member and it
///    holds again in the same term (nobody else could have taken the key
///    meanwhile); if it expired, it grants a new one and campaigns anew.
///
/// While it holds the lease no call runs past the end of the confirmed TTL,
/// so `step` notices the end of its leadership on time.
class etcd_lease {
public:
  using clock = std::chrono::steady_clock;

  etcd_lease(std::string name, lease_settings settings);

  /// One round (blocking: at most three etcd calls of `call_timeout()`).
  const lease_status& step();

  /// Revokes the lease (the key goes with it when this member holds it) and
  /// stops campaigning: later steps do nothing.
  caf::error release();

  const lease_status& status() const {
    return status_;
  }

  /// When the next step is due: one period after the last, or the end of
  /// the confirmed TTL while holding, whichever is first.
  clock::time_point next_step() const;

  /// Whether this member may act as the holder at `t`: it held the lease at
  /// its last step and the lease is confirmed alive in etcd until after
  /// `t` (a member not stepped for a while loses it by the clock alone).
  bool holds(clock::time_point t) const {
    return status_.held && t < confirmed_until_;
  }

  /// The last etcd call's error (none after a success).
  const caf::error& last_error() const {
    return last_error_;
  }

  /// This member's current lease (0: none).
  int64_t lease_id() const {
    return lease_;
  }

  const std::string& name() const {
    return name_;
  }

  const lease_settings& settings() const {
    return cfg_;
  }

private:
  /// Bounds the next call: the usual timeout, cut to the end of the
  /// confirmed TTL while holding; steps down if that end has passed.
  void arm();
  void note(const caf::error& err);
  void step_down(const std::string& why);
  void keep_alive();
  void campaign();

  std::string name_;
  lease_settings cfg_;
  etcd_client client_;
  std::shared_ptr<spdlog::logger> log_;
  lease_status status_;
  int64_t lease_ = 0;
  caf::timespan granted_ttl_{0};
  /// The lease is alive in etcd at least until then.
  clock::time_point confirmed_until_{};
  clock::time_point last_step_{};
  caf::error last_error_;
  bool released_ = false;
};

/// Spawns the etcd lease actor of member `name`: a detached actor (its own
/// thread: the etcd calls block) that steps an `etcd_lease` at its cadence
/// and reports every change of status to `listener` (see leader_lease.hpp
/// for the protocol). It monitors `listener` and ends with it, revoking its
/// lease.
caf::actor spawn_etcd_lease(caf::actor_system& sys, std::string name,
                            lease_settings settings, caf::actor listener);

} // namespace remedy
