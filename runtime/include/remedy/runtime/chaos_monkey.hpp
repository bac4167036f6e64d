#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>

#include "remedy/runtime/node_config.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace remedy {

/// A worker the chaos monkey may crash: its supervisor (or the supervisor's
/// endpoint) and its child id there.
struct chaos_target {
  std::string path;
  caf::actor supervisor;
  std::string child;
};

/// Spawns an actor that crashes random `targets` at `cfg.crash_rate` per
/// second (exponential gaps from `cfg.seed`, the clock from CAF): it asks
/// the target's supervisor for the running incarnation and sends it an exit
/// with `sec::runtime_error` ("chaos: injected crash"), as a crash in the
/// worker's own code would end it. Stops on any exit message. Fails with
/// `invalid_argument` without targets or with a negative rate.
caf::expected<caf::actor> spawn_chaos_monkey(caf::actor_system& sys,
                                             chaos_config cfg,
                                             std::vector<chaos_target> targets);

} // namespace remedy
