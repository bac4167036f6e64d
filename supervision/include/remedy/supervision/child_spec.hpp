#pragma once

#include <string>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>

#include "remedy/supervision/child_type.hpp"
#include "remedy/supervision/restart_type.hpp"
#include "remedy/supervision/shutdown_spec.hpp"
#include "remedy/supervision/start_fn.hpp"
#include "remedy/supervision/stash_policy.hpp"

namespace remedy {

/// Describes one child of a supervisor, as OTP's child specification: its id,
/// how to start it, when to restart it, how to stop it and what it is.
///
///     auto spec = child_spec::worker("db", start(db_actor))
///                   .with_restart(restart_type::transient)
///                   .with_shutdown(shutdown_spec::timeout(2s));
///
/// A child starts either through `start` (a local function) or through
/// `actor_type`, the name of an actor type registered with CAF's
/// `add_actor_type`, spawned with `args`. Only the second kind can cross
/// nodes: `start` is not serialized.
struct child_spec {
  /// Unique among the supervisor's children; names the child in every report.
  std::string id;
  /// Spawns the child. Takes precedence over `actor_type`.
  start_fn start;
  /// Name of an actor type registered with `add_actor_type` (alternative to
  /// `start`), spawned with `args` followed by the dynamic `start_child`
  /// arguments.
  std::string actor_type;
  /// Arguments for `actor_type`.
  caf::message args;
  /// When the child restarts. Default: permanent.
  restart_type restart = restart_type::permanent;
  /// How the child stops. Default: 5 s for workers, infinity for supervisors.
  shutdown_spec shutdown;
  /// Worker or supervisor.
  child_type type = child_type::worker;
  /// Whether the child's own termination may shut the supervisor down (see
  /// `auto_shutdown`). Only transient and temporary children may be
  /// significant.
  bool significant = false;
  /// Bounds the stash of the child's endpoint.
  stash_policy stash;
  /// The child's stable endpoint, when made in advance (the builder does so,
  /// so that it survives restarts of the whole subtree). Otherwise the
  /// supervisor makes one on demand.
  caf::actor endpoint;

  /// A worker started by `fun`.
  static child_spec worker(std::string id, start_fn fun);

  /// A supervisor started by `fun` (shutdown defaults to infinity).
  static child_spec supervisor(std::string id, start_fn fun);

  /// A worker spawned by CAF's actor type name `type` with `args`.
  static child_spec named(std::string id, std::string type,
                          caf::message args = caf::message{});

  child_spec& with_restart(restart_type x) {
    restart = x;
    return *this;
  }

  child_spec& with_shutdown(shutdown_spec x) {
    shutdown = x;
    return *this;
  }

  child_spec& with_significant(bool x = true) {
    significant = x;
    return *this;
  }

  child_spec& with_stash(stash_policy x) {
    stash = x;
    return *this;
  }

  /// Returns an error naming this spec and the bad field, or an empty error.
  caf::error validate() const;

  /// Spawns the child with the dynamic arguments `extra`. Never throws: an
  /// exception from `start` becomes an `errc::start_failed` error. A start
  /// that returns `ignore_start()` gives that error back unchanged.
  caf::expected<caf::actor> launch(caf::actor_system& sys,
                                   const caf::message& extra) const;
};

/// Serializes everything but the local `start` function.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_spec& x) {
  return f(caf::meta::type_name("remedy.child_spec"), x.id, x.actor_type,
           x.args, x.restart, x.shutdown, x.type, x.significant, x.stash,
           x.endpoint);
}

} // namespace remedy
