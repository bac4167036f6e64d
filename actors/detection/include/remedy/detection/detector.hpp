#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include "remedy/core/sample.hpp"
#include "remedy/detection/detection.hpp"

namespace remedy {

struct sample;
struct heartbeat;
struct supervision_event;

/// A detector's counters, as its actor answers `detector_stats_atom`.
struct detector_stats {
  std::string detector;
  uint64_t samples = 0;
  uint64_t heartbeats = 0;
  uint64_t events = 0;
  /// Inputs dropped: NaN or infinite values.
  uint64_t ignored_invalid = 0;
  /// Inputs dropped: older than the series' previous one.
  uint64_t ignored_backwards = 0;
  /// Inputs dropped: for a target or metric the detector does not watch
  /// (only detectors with a fixed watch list count these).
  uint64_t ignored_unknown = 0;
  /// Inputs kept but suspect: samples with the same timestamp as their
  /// series' previous one (detectors that tell count these).
  uint64_t duplicate_timestamps = 0;
  /// Silences a detector treated as gaps (restarting its model).
  uint64_t gaps = 0;
  /// Warnings about ignored or suspect inputs the actor issued (at most one
  /// per `bad_input_log_interval` of its clock; the rest are summed into
  /// the next one), whether or not the log level shows them. 0 for a
  /// detector driven as a value.
  uint64_t bad_input_warnings = 0;
  uint64_t raised = 0;
  uint64_t cleared = 0;
  /// Conditions raised and not cleared.
  uint64_t active = 0;

  uint64_t ignored() const {
    return ignored_invalid + ignored_backwards + ignored_unknown;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, detector_stats& x) {
  return f(caf::meta::type_name("remedy.detector_stats"), x.detector,
           x.samples, x.heartbeats, x.events, x.ignored_invalid,
           x.ignored_backwards, x.ignored_unknown, x.duplicate_timestamps,
           x.gaps, x.bad_input_warnings, x.raised, x.cleared, x.active);
}

/// The logic of one detector, as a value: no actor, no clock, no I/O. A
/// detector actor (`spawn_detector`) owns one, feeds it what it subscribed
/// to and CAF's clock, and publishes what it appends to `out`. The accuracy
/// harness drives the same objects in virtual time.
///
/// Write a new detector by deriving from this class, overriding the inputs
/// it wants (`on_sample`, ...), naming them in `inputs()`, and reporting
/// conditions with `report(out, holds, detection::raise(...))`; see
/// docs/detection.md. Callers feed inputs through `feed`, which counts them
/// and drops NaN and infinite sample values (counted as `ignored_invalid`)
/// before `on_sample` sees them; other bad input (time going backwards,
/// unknown targets) a handler counts in `stats_` itself.
class detector {
public:
  using time_point = caf::actor_clock::time_point;

  /// What a detector reads; `inputs()` returns a combination.
  enum input : unsigned {
    /// `sample`s (bus topic "sample.").
    samples = 1,
    /// `heartbeat`s (bus topic "heartbeat"), and down notices of their
    /// senders (`on_down`).
    heartbeats = 2,
    /// `supervision_event`s (bus topic "supervision.").
    supervision = 4,
  };

  explicit detector(std::string name);

  virtual ~detector();

  detector(const detector&) = delete;
  detector& operator=(const detector&) = delete;

  const std::string& name() const {
    return stats_.detector;
  }

  /// A combination of `input` flags.
  virtual unsigned inputs() const = 0;

  /// The sample metrics it reads, if it reads only some: its actor then
  /// subscribes to "sample.<metric>" for each instead of every "sample.",
  /// so that samples it would skip are never sent to it. Empty (the
  /// default): every sample.
  virtual std::vector<std::string> sample_metrics() const;

  /// Counts `x` and passes it to `on_sample` unless its value is NaN or
  /// infinite (then counts it as ignored). What the actor and the harness
  /// call.
  void feed(const sample& x, detections& out);

  /// Counts `x` and passes it to `on_heartbeat`.
  void feed(const heartbeat& x, time_point now, detections& out);

  /// Passes a heartbeat sender's down notice to `on_down`.
  void feed_down(const caf::actor_addr& source, const caf::error& reason,
                 time_point now, detections& out);

  /// Counts `x` and passes it to `on_supervision`.
  void feed(const supervision_event& x, detections& out);

  /// Called every `tick_interval()` (never if that is 0).
  virtual void tick(time_point now, detections& out);

  virtual caf::timespan tick_interval() const;

  const detector_stats& stats() const {
    return stats_;
  }

  /// The score sample the last `feed` of a sample offered, once: a
  /// detector actor publishes it on the bus (topic "sample.<metric>.score"),
  /// so other detectors and healing can read a scoring detector's opinion
  /// as a metric of its own.
  std::optional<sample> take_score() {
    auto result = std::move(score_);
    score_.reset();
    return result;
  }

protected:
  /// Offers `score` about `x` for publication as the sample
  /// `{x.target, x.metric + ".score", score, x.at}` (see `take_score`).
  void offer_score(const sample& x, double score);

  /// A sample with a finite value (counted already).
  virtual void on_sample(const sample& x, detections& out);

  /// `now` is the receiver's clock (heartbeats are timed on arrival, so a
  /// sender's clock never matters).
  virtual void on_heartbeat(const heartbeat& x, time_point now,
                            detections& out);

  /// The actor that sent heartbeats as `source` exited.
  virtual void on_down(const caf::actor_addr& source, const caf::error& reason,
                       time_point now, detections& out);

  virtual void on_supervision(const supervision_event& x, detections& out);

  /// Reports whether the condition of `x` (its kind, target and metric)
  /// holds now: appends a raise when it starts to hold, a clear when it
  /// stops, and nothing while it stays as it was.
  void report(detections& out, bool holds, detection x);

  /// Appends a raise or clear of a condition and counts it (for detectors
  /// that track their conditions themselves).
  void emit(detections& out, detection x);

  /// Returns false (and counts) if `value` is NaN or infinite.
  bool check_finite(double value);

  std::optional<sample> score_;
  detector_stats stats_;

private:
  std::set<std::tuple<detection_kind, std::string, std::string>> reported_;
};

/// Validates `settings` and makes a `Detector` from them: what each
/// detector's `make` does.
template <class Detector, class Settings>
caf::expected<std::unique_ptr<detector>> make_detector(Settings settings) {
  if (auto err = settings.validate())
    return err;
  return std::unique_ptr<detector>{new Detector(std::move(settings))};
}

/// `time_point` of a timespan since the clock's epoch (signals carry their
/// time as a timespan so they serialize).
inline caf::actor_clock::time_point to_time_point(caf::timespan x) {
  return caf::actor_clock::time_point{
    std::chrono::duration_cast<caf::actor_clock::duration_type>(x)};
}

} // namespace remedy
