#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/supervision_tree.hpp"
#include "remedy/supervision/supervisor_flags.hpp"

namespace remedy {

/// Composes a supervision tree in code, reading like the tree it makes:
///
///     auto tree = supervisor_builder("root", strategy::one_for_one)
///                   .intensity(3, 5s)
///                   .worker("db", start(db))
///                   .supervisor(supervisor_builder("io", strategy::rest_for_one)
///                                 .worker("listener", start(listener))
///                                 .worker("acceptor", start(acceptor)))
///                   .supervisor(supervisor_builder("conns",
///                                                  strategy::simple_one_for_one)
///                                 .worker("conn", pool_start<int>(conn),
///                                         restart_type::temporary))
///                   .spawn(sys);
///
/// `spawn` validates the whole tree first and returns an error naming the
/// supervisor path and the bad field; nothing is spawned then. On success it
/// returns the root and a stable endpoint for every static child, workers and
/// subtrees alike, by path ("db", "conns", "io/listener"). Supervisors are
/// named by their full path ("root/io") in reports and events.
class supervisor_builder {
public:
  explicit supervisor_builder(std::string name,
                              strategy s = strategy::one_for_one);

  /// At most `max_restarts` restarts within `period` (OTP: intensity/period).
  supervisor_builder& intensity(size_t max_restarts, caf::timespan period);

  /// Delay restarts by `b` (default: none).
  supervisor_builder& with_backoff(backoff b);

  /// Shut down when significant children end (default: never).
  supervisor_builder& with_auto_shutdown(auto_shutdown x);

  /// Seed for backoff jitter (default: random).
  supervisor_builder& with_seed(uint64_t seed);

  /// Adds a worker with the given restart type, shutdown and endpoint
  /// stash (defaults: permanent, 5 s, 1024 messages for 30 s), as
  /// `child(child_spec::worker(id, start).with_restart(restart)
  /// .with_shutdown(shutdown).with_stash(stash))`.
  supervisor_builder& worker(std::string id, start_fn start,
                             restart_type restart = restart_type::permanent,
                             shutdown_spec shutdown = shutdown_spec{},
                             stash_policy stash = stash_policy{});

  /// Adds a fully specified child.
  supervisor_builder& child(child_spec spec);

  /// Adds the subtree `sub` as a supervisor child named after it.
  supervisor_builder& supervisor(supervisor_builder sub,
                                 restart_type restart
                                 = restart_type::permanent);

  /// The flags so far (name, strategy, intensity, ...).
  const supervisor_flags& flags() const {
    return flags_;
  }

  /// Validates the whole tree, spawns it and returns its root and endpoints.
  caf::expected<supervision_tree> spawn(caf::actor_system& sys) const;

  /// Validates the whole tree without spawning anything.
  caf::error validate() const;

private:
  struct entry {
    child_spec spec;
    std::vector<supervisor_builder> sub; // empty, or exactly one subtree
  };

  caf::error validate(const std::string& path) const;

  /// Makes endpoints for this level's static children and returns specs
  /// that start this subtree (supervisor `name`), collecting endpoints under
  /// the path `prefix`.
  std::vector<child_spec> materialize(caf::actor_system& sys,
                                      const std::string& name,
                                      const std::string& prefix,
                                      supervision_tree& out) const;

  supervisor_flags flags_;
  std::vector<entry> entries_;
};

} // namespace remedy
