#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

struct sample;

/// What a detector noticed.
enum class detection_kind : uint8_t {
  /// A target's heartbeats stopped (phi over its threshold) and nothing
  /// says whether the target lives.
  heartbeat_missed,
  /// The target is alive (no down message) but silent or not answering:
  /// missed heartbeats, or a call older than its deadline.
  hang,
  /// The target's actor exited.
  target_down,
  /// A supervised child exited abnormally.
  crash,
  /// A supervised child restarted too often within a window.
  crash_loop,
  /// A metric crossed a limit (and held it for the rule's duration).
  threshold,
  /// A metric deviates from its own recent behaviour (z-score).
  anomaly,
  /// A metric's trend reaches a limit within the detector's horizon;
  /// `lead` says how soon.
  predicted_limit,
  /// Errors came in a burst (error rate or error count over a window).
  error_burst,
  /// A peer node stopped answering and its connection is gone.
  peer_down,
  /// A peer node stopped answering but its connection is still up.
  peer_unreachable,
};

/// Returns the kind's name, e.g. "crash_loop".
const char* to_string(detection_kind x);

/// One observation of one detector about one target. Detectors publish a
/// raise (`active`) when the condition starts and a clear (`!active`) when
/// it ends, on the bus under "detection.<kind>" (see `topic`).
struct detection {
  detection_kind kind = detection_kind::threshold;
  /// True on raise, false on clear.
  bool active = true;
  /// The detector's name.
  std::string detector;
  std::string target;
  /// The metric it is about; empty for heartbeats and supervision.
  std::string metric;
  /// The observed value (metric value, phi, restart count...).
  double value = 0.0;
  /// How far past normal, in the detector's own unit (z-score, phi,
  /// value / limit); for ranking, not for comparing across detectors.
  double score = 0.0;
  /// For predictions, the time left until the limit is reached.
  caf::timespan lead{0};
  /// When, on CAF's actor clock.
  caf::timespan at{0};
  /// Human-readable context, e.g. "phi 9.1 >= 8 after 4.2 s of silence".
  std::string detail;

  /// A raise of `kind` about `target` at `at`; refine it with the `with_`
  /// functions: `detection::raise(detection_kind::hang, "db", at)
  /// .with_detail("no answer for 5 s")`.
  static detection raise(detection_kind kind, std::string target,
                         caf::timespan at);

  /// A raise of `kind` about the target, metric, value and time of `x`.
  static detection raise(detection_kind kind, const sample& x);

  /// A clear of `kind` about `target` at `at`.
  static detection clear(detection_kind kind, std::string target,
                         caf::timespan at);

  /// A clear of `kind` about the target, metric, value and time of `x`.
  static detection clear(detection_kind kind, const sample& x);

  detection&& with_metric(std::string x) && {
    metric = std::move(x);
    return std::move(*this);
  }

  detection&& with_value(double x) && {
    value = x;
    return std::move(*this);
  }

  detection&& with_score(double x) && {
    score = x;
    return std::move(*this);
  }

  detection&& with_lead(caf::timespan x) && {
    lead = x;
    return std::move(*this);
  }

  detection&& with_detail(std::string x) && {
    detail = std::move(x);
    return std::move(*this);
  }
};

/// "detection.<kind>".
std::string topic(const detection& x);

/// Whether `x` and `y` are the same condition (same detector, kind, target
/// and metric): a clear matches its raise this way.
bool same_condition(const detection& x, const detection& y);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, detection& x) {
  return f(caf::meta::type_name("remedy.detection"), x.kind, x.active,
           x.detector, x.target, x.metric, x.value, x.score, x.lead, x.at,
           x.detail);
}

/// Where detectors append what they found.
using detections = std::vector<detection>;

} // namespace remedy
