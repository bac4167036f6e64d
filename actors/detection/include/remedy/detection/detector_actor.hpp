#pragma once

#include <functional>
#include <memory>
#include <type_traits>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "remedy/detection/detector.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// Makes a fresh detector (a restarted detector actor starts from scratch).
using detector_factory
  = std::function<caf::expected<std::unique_ptr<detector>>()>;

/// Spawns the actor that runs `core`: it subscribes to the bus topics of the
/// core's inputs ("sample.", "heartbeat", "supervision."), also takes those
/// messages sent to it directly, monitors every heartbeat's sender, calls
/// `tick` every `tick_interval()` on CAF's clock, and publishes each
/// detection on the bus under "detection.<kind>" (logged at info on raise
/// and clear). Ignored inputs are counted and logged at most once per 10 s.
///
/// Answers `detector_stats_atom` with `detector_stats`.
caf::actor spawn_detector(caf::actor_system& sys,
                          std::unique_ptr<detector> core);

/// Spawns the actor that runs `core`, a detector of your own:
///
///     spawn_detector(sys, std::make_unique<progress_stalled>(5))
template <class Detector,
          class = std::enable_if_t<std::is_base_of<detector, Detector>::value
                                   && !std::is_same<detector, Detector>::value>>
caf::actor spawn_detector(caf::actor_system& sys,
                          std::unique_ptr<Detector> core) {
  return spawn_detector(sys, std::unique_ptr<detector>{std::move(core)});
}

/// Spawns the actor for a detector that `make` returned, or returns its
/// error (invalid settings).
caf::expected<caf::actor>
spawn_detector(caf::actor_system& sys,
               caf::expected<std::unique_ptr<detector>> core);

/// Validates `settings`, makes a `Detector` and spawns its actor:
///
///     auto hb = spawn_detector<heartbeat_detector>(sys, settings);
template <class Detector, class Settings>
caf::expected<caf::actor> spawn_detector(caf::actor_system& sys,
                                         Settings settings) {
  return spawn_detector(sys, Detector::make(std::move(settings)));
}

/// Like `spawn_detector(sys, factory())`, or the factory's error.
caf::expected<caf::actor> spawn_detector(caf::actor_system& sys,
                                         const detector_factory& factory);

/// A start function for a child spec: each (re)start builds a new detector
/// with `factory` and spawns its actor.
///
///     child_spec::worker("phi", detector_start(heartbeat_detector::make(s)))
start_fn detector_start(detector_factory factory);

/// A start function that makes a `Detector` from `settings` on each start:
///
///     child_spec::worker("phi", detector_start<heartbeat_detector>(s))
template <class Detector, class Settings>
start_fn detector_start(Settings settings) {
  return detector_start(detector_factory{
    [settings] { return Detector::make(settings); }});
}

} // namespace remedy
