#include "remedy/detection/heartbeat_detector.hpp"

#include <algorithm>

#include "detector_support.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/supervision/restart_type.hpp"

namespace remedy {

caf::error heartbeat_detector_settings::validate() const {
  if (name.empty())
    return detail::empty_name("heartbeat detector");
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting("heartbeat detector", name, what);
  };
  if (auto err = phi.validate())
    return fail(context_of(err));
  if (check_interval.count() <= 0)
    return fail("check_interval must be positive");
  for (auto& t : targets)
    if (t.empty())
      return fail("targets: empty target name");
  return caf::none;
}

heartbeat_detector::heartbeat_detector(heartbeat_detector_settings settings)
  : detector(settings.name), settings_(std::move(settings)) {
  for (auto& t : settings_.targets)
    watches_.emplace(t, watch{settings_.phi});
}

caf::expected<std::unique_ptr<detector>>
heartbeat_detector::make(heartbeat_detector_settings settings) {
  return make_detector<heartbeat_detector>(std::move(settings));
}

heartbeat_detector::watch*
heartbeat_detector::find_or_add(const std::string& target) {
  auto i = watches_.find(target);
  if (i != watches_.end())
    return &i->second;
  if (!settings_.targets.empty() || target.empty())
    return nullptr;
  return &watches_.emplace(target, watch{settings_.phi}).first->second;
}

void heartbeat_detector::on_heartbeat(const heartbeat& x, time_point now,
                                      detections& out) {
  auto* w = find_or_add(x.target);
  if (w == nullptr) {
    ++stats_.ignored_unknown;
    return;
  }
  auto at = now.time_since_epoch();
  if (w->down) {
    // A heartbeat after a down: from a new incarnation (a restart). Its
    // history starts afresh: the outage is not a heartbeat interval.
    if (x.source && x.source == w->source)
      return; // a late heartbeat of the dead incarnation
    w->down = false;
    w->phi.reset();
    if (w->down_raised) {
      w->down_raised = false;
      detection d{detection_kind::target_down, false, {}, x.target, {},
                  0.0, 0.0, caf::timespan{0}, at, "heartbeats again"};
      emit(out, std::move(d));
    }
  }
  if (!w->phi.heartbeat(now)) {
    ++stats_.ignored_backwards;
    return;
  }
  w->source = x.source;
  if (w->silent) {
    detection d{*w->silent, false, {}, x.target, {}, 0.0, 0.0,
                caf::timespan{0}, at, "heartbeat received"};
    w->silent.reset();
    emit(out, std::move(d));
  }
}

void heartbeat_detector::on_down(const caf::actor_addr& source,
                                 const caf::error& reason, time_point now,
                                 detections& out) {
  auto at = now.time_since_epoch();
  for (auto& [target, w] : watches_) {
    if (w.down || !w.source || w.source != source)
      continue;
    if (w.silent) {
      detection d{*w.silent, false, {}, target, {}, 0.0, 0.0,
                  caf::timespan{0}, at, "the target exited: not a hang"};
      w.silent.reset();
      emit(out, std::move(d));
    }
    w.down = true;
    // A normal exit (exit_reason::normal, user_shutdown: a deliberate stop,
    // e.g. a restart by a healer) is no crash: the target is only no longer
    // watched until a new incarnation beats.
    if (is_normal_exit(reason))
      continue;
    w.down_raised = true;
    detection d{detection_kind::target_down, true, {}, target, {}, 1.0, 1.0,
                caf::timespan{0}, at, "exited: " + render(reason)};
    emit(out, std::move(d));
  }
}

void heartbeat_detector::tick(time_point now, detections& out) {
  auto threshold = settings_.phi.threshold;
  for (auto& [target, w] : watches_) {
    if (w.down || w.silent || !w.phi.monitoring())
      continue;
    auto p = w.phi.phi(now);
    if (p < threshold)
      continue;
    auto kind = w.source ? detection_kind::hang
                         : detection_kind::heartbeat_missed;
    w.silent = kind;
    auto silence = now - *w.phi.last_heartbeat();
    detection d{kind,
                true,
                {},
                target,
                {},
                p,
                p / threshold,
                caf::timespan{0},
                now.time_since_epoch(),
                "phi " + format_number(p) + " >= " + format_number(threshold)
                  + " after " + format_ms(silence) + " without a heartbeat"};
    emit(out, std::move(d));
  }
}

double heartbeat_detector::phi(const std::string& target,
                               time_point now) const {
  auto i = watches_.find(target);
  return i == watches_.end() ? 0.0 : i->second.phi.phi(now);
}

} // namespace remedy
