#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <caf/expected.hpp>

#include "remedy/detection/crash_loop_window.hpp"
#include "remedy/detection/detector.hpp"

namespace remedy {

/// The rules of a `crash_loop_detector`.
struct crash_loop_detector_settings {
  std::string name = "crash_loop";
  /// N restarts within T of one child are a crash loop (5 in 60 s).
  crash_loop_settings loop;
  /// A crashed child counts as recovered once it has run this long
  /// (positive) without crashing again: then its `crash` clears, and its
  /// `crash_loop` too once fewer than N crashes are in the window.
  caf::timespan stable_after = std::chrono::seconds(10);
  /// How often recovery is checked (positive).
  caf::timespan check_interval = std::chrono::milliseconds(500);

  caf::error validate() const;
};

/// Reads supervision events. Per child (target "<supervisor>/<child>", the
/// child's supervision path):
/// - an abnormal exit raises `crash` (one raise per outage; more crashes
///   before it recovered update nothing),
/// - N abnormal exits within T raise `crash_loop`,
/// - an escalation raises `crash_loop` for the supervisor itself (target
///   "<supervisor>"): its children loop beyond its restart intensity.
/// Both clear once the child ran `stable_after` without crashing (and, for
/// the loop, the window holds fewer than N crashes).
class crash_loop_detector : public detector {
public:
  explicit crash_loop_detector(crash_loop_detector_settings settings);

  static caf::expected<std::unique_ptr<detector>>
  make(crash_loop_detector_settings settings);

  unsigned inputs() const override {
    return supervision;
  }

  void on_supervision(const supervision_event& x, detections& out) override;

  void tick(time_point now, detections& out) override;

  caf::timespan tick_interval() const override {
    return settings_.check_interval;
  }

private:
  struct child {
    explicit child(const crash_loop_settings& s) : window(s) {
      // nothing else
    }
    crash_loop_window window;
    std::optional<caf::timespan> last_event;
    std::optional<caf::timespan> last_crash;
    /// When it last started after a crash (none while down).
    std::optional<caf::timespan> up_since;
    bool crash = false;
    bool loop = false;
  };

  void raise(const std::string& target, detection_kind kind, double value,
             caf::timespan at, std::string detail, detections& out);

  crash_loop_detector_settings settings_;
  std::map<std::string, child> children_;
};

} // namespace remedy
