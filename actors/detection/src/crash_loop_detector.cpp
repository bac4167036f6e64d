#include "remedy/detection/crash_loop_detector.hpp"

#include "detector_support.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/supervision/restart_type.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy {

caf::error crash_loop_detector_settings::validate() const {
  if (name.empty())
    return detail::empty_name("crash loop detector");
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting("crash loop detector", name, what);
  };
  if (auto err = loop.validate())
    return fail(context_of(err));
  if (stable_after.count() <= 0)
    return fail("stable_after must be positive");
  if (check_interval.count() <= 0)
    return fail("check_interval must be positive");
  return caf::none;
}

crash_loop_detector::crash_loop_detector(crash_loop_detector_settings settings)
  : detector(settings.name), settings_(std::move(settings)) {
  // children appear with their first event
}

caf::expected<std::unique_ptr<detector>>
crash_loop_detector::make(crash_loop_detector_settings settings) {
  return make_detector<crash_loop_detector>(std::move(settings));
}

void crash_loop_detector::raise(const std::string& target, detection_kind kind,
                                double value, caf::timespan at,
                                std::string detail, detections& out) {
  detection d;
  d.kind = kind;
  d.active = true;
  d.target = target;
  d.value = value;
  d.score = kind == detection_kind::crash_loop
              ? value / settings_.loop.events
              : 1.0;
  d.at = at;
  d.detail = std::move(detail);
  emit(out, std::move(d));
}

void crash_loop_detector::on_supervision(const supervision_event& x,
                                         detections& out) {
  using kind = supervision_event_kind;
  bool escalation = x.kind == kind::escalated;
  if (!escalation && x.child.empty())
    return; // the supervisor's own shutdown: nothing about a child
  auto target = escalation ? x.supervisor : x.supervisor + "/" + x.child;
  auto i = children_.find(target);
  if (i == children_.end())
    i = children_.emplace(target, child{settings_.loop}).first;
  auto& c = i->second;
  if (c.last_event && x.at < *c.last_event) {
    ++stats_.ignored_backwards;
    return;
  }
  c.last_event = x.at;
  switch (x.kind) {
    case kind::child_exited:
    case kind::child_start_failed: {
      if (x.kind == kind::child_exited && is_normal_exit(x.reason))
        return;
      c.last_crash = x.at;
      c.up_since.reset();
      if (!c.crash) {
        c.crash = true;
        raise(target, detection_kind::crash, 1.0, x.at,
              std::string{to_string(x.kind)} + ": " + render(x.reason), out);
      }
      if (c.window.record(to_time_point(x.at)) && !c.loop) {
        c.loop = true;
        auto n = static_cast<double>(c.window.count(to_time_point(x.at)));
        raise(target, detection_kind::crash_loop, n, x.at,
              format_number(n) + " crashes within "
                + format_ms(settings_.loop.window),
              out);
      }
      return;
    }
    case kind::escalated:
      c.last_crash = x.at;
      c.up_since.reset();
      if (!c.loop) {
        c.loop = true;
        raise(target, detection_kind::crash_loop,
              static_cast<double>(x.restarts), x.at,
              "escalated after " + std::to_string(x.restarts)
                + " restarts: " + render(x.reason),
              out);
      }
      return;
    case kind::child_started:
    case kind::child_restarted:
      if (c.crash || c.loop)
        c.up_since = x.at;
      return;
    default:
      return;
  }
}

void crash_loop_detector::tick(time_point now, detections& out) {
  auto at = now.time_since_epoch();
  for (auto& kv : children_) {
    auto& c = kv.second;
    if (!c.up_since || at - *c.up_since < settings_.stable_after)
      continue;
    auto clear = [&, t = kv.first](detection_kind kind) {
      detection d;
      d.kind = kind;
      d.active = false;
      d.target = t;
      d.at = at;
      d.detail = "up for " + format_ms(at - *c.up_since);
      emit(out, std::move(d));
    };
    if (c.crash) {
      c.crash = false;
      clear(detection_kind::crash);
    }
    if (c.loop && c.window.count(now) < settings_.loop.events) {
      c.loop = false;
      clear(detection_kind::crash_loop);
    }
  }
}

} // namespace remedy
