#pragma once

// remedy-node's supervision demo: the chaos. A seeded plan of crash commands
// (a Poisson process over the targets), and the actor that sends each one
// through its target's endpoint on time.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "demo_scenario.hpp"
#include "demo_service.hpp"

namespace remedy::node {

struct planned_crash {
  caf::timespan at{0};
  size_t target = 0;
  crash_mode mode = crash_mode::throw_in_handler;
};

/// A Poisson process of `rate` crashes per second over `window`, each into a
/// uniformly chosen target with a uniformly chosen mode.
std::vector<planned_crash> plan_crashes(uint64_t seed, double rate,
                                        caf::timespan window, size_t targets);

/// What the chaos actor did; read for progress and after it quit.
struct chaos_report {
  std::atomic<uint64_t> commands{0};
  /// Worst delay of a command behind its planned time, in nanoseconds.
  std::atomic<int64_t> max_lateness{0};
};

using chaos_report_ptr = std::shared_ptr<chaos_report>;

/// Spawns the chaos actor. On `run_atom` it sends each planned crash command
/// through the target's endpoint at its time, and quits at the end of
/// `window`. Runs detached: on a busy work-stealing scheduler with one
/// thread, an idle actor woken by a timer waits behind all the work the
/// client keeps creating, so a scheduled chaos actor would fire late or
/// never.
caf::actor spawn_chaos(caf::actor_system& sys, std::vector<target> targets,
                       std::vector<planned_crash> plan, caf::timespan window,
                       chaos_report_ptr out);

} // namespace remedy::node
