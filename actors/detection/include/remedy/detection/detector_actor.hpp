#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <type_traits>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include "remedy/detection/detector.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// A detector actor logs at most one bad-input warning this often.
constexpr caf::timespan bad_input_log_interval = std::chrono::seconds(10);

/// Makes a fresh detector (a restarted detector actor starts from scratch).
using detector_factory
  = std::function<caf::expected<std::unique_ptr<detector>>()>;

/// Spawns the actor that runs `core`: it subscribes to the bus topics of the
/// core's inputs ("sample.", "heartbeat", "supervision."), also takes those
/// messages sent to it directly, monitors every heartbeat's sender, calls
/// `tick` every `tick_interval()` on CAF's clock, and publishes each
/// detection on the bus under "detection.<kind>" (logged at info on raise
/// and clear). Bad input (ignored inputs and duplicate timestamps) is
/// counted by the core and logged at a bounded rate: at most one warning per
/// `bad_input_log_interval` of the actor's clock for the whole detector,
/// however many targets send it, saying how many arrived since the last
/// warning; what arrives in the quiet time is reported when it ends.
///
/// Answers `detector_stats_atom` with `detector_stats` (the core's counters
/// plus `bad_input_warnings`, the warnings logged).
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
