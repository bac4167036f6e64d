#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "remedy/detection/detector.hpp"
#include "remedy/detection/phi_accrual.hpp"

namespace remedy {

/// The rules of a `heartbeat_detector`.
struct heartbeat_detector_settings {
  std::string name = "heartbeat";
  /// The phi accrual estimator per target (threshold 8 and Remedy's other
  /// defaults; `phi_accrual_settings::akka()` for Akka's).
  phi_accrual_settings phi;
  /// How often phi is evaluated (positive): the detection latency's
  /// granularity.
  caf::timespan check_interval = std::chrono::milliseconds(100);
  /// The targets to watch; empty watches every target that sends a
  /// heartbeat. With a list, heartbeats of other targets are ignored and
  /// counted, and a listed target that never beats is not suspected (phi
  /// needs a first heartbeat).
  std::vector<std::string> targets;

  caf::error validate() const;
};

/// Watches heartbeats with one phi accrual estimator per target
/// (Hayashibara et al. 2004, as in Akka):
/// - phi reaches the threshold while the sender lives (or its sender is not
///   known): raises `hang` (`heartbeat_missed` when the heartbeats carry no
///   sender address), cleared by the next heartbeat;
/// - the sender's actor exits: raises `target_down` (and clears a `hang`),
///   cleared when heartbeats come again from a new incarnation, whose
///   history starts afresh.
class heartbeat_detector : public detector {
public:
  explicit heartbeat_detector(heartbeat_detector_settings settings);

  /// Validates `settings` and makes a detector, for `spawn_detector` and
  /// `detector_start`.
  static caf::expected<std::unique_ptr<detector>>
  make(heartbeat_detector_settings settings);

  unsigned inputs() const override {
    return heartbeats;
  }

  void on_heartbeat(const heartbeat& x, time_point now,
                    detections& out) override;

  void on_down(const caf::actor_addr& source, const caf::error& reason,
               time_point now, detections& out) override;

  void tick(time_point now, detections& out) override;

  caf::timespan tick_interval() const override {
    return settings_.check_interval;
  }

  /// phi of `target` at `now` (0 for unknown targets).
  double phi(const std::string& target, time_point now) const;

private:
  struct watch {
    explicit watch(const phi_accrual_settings& s) : phi(s) {
      // nothing else
    }
    phi_accrual phi;
    caf::actor_addr source;
    /// The raised silence detection, if any (hang or heartbeat_missed).
    std::optional<detection_kind> silent;
    /// The last source exited; its heartbeats no longer count.
    bool down = false;
    /// ... and target_down was raised for it (an abnormal exit).
    bool down_raised = false;
  };

  watch* find_or_add(const std::string& target);

  heartbeat_detector_settings settings_;
  std::map<std::string, watch> watches_;
};

} // namespace remedy
