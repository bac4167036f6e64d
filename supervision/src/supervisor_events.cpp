// The supervisor's reports: each supervision event goes to the log (at a
// level by its kind) and to the event bus.

#include <string>
#include <utility>

#include <caf/make_message.hpp>

#include "remedy/core/event_bus.hpp"
#include "remedy/supervision/type_ids.hpp"

#include "supervisor_state.hpp"

namespace remedy::detail {

namespace {

/// The log level of a supervisor report: progress at debug, exits at warn
/// (info when normal), failed starts and escalations at error.
spdlog::level::level_enum event_level(kind k, const caf::error& reason) {
  auto level = spdlog::level::info;
  switch (k) {
    case kind::child_started:
    case kind::child_restarting:
    case kind::child_restarted:
    case kind::child_terminated:
      // Progress reports: one per child, so 50k of them on a mass restart.
      level = spdlog::level::debug;
      break;
    case kind::child_exited:
      level = is_normal_exit(reason) ? spdlog::level::info
                                     : spdlog::level::warn;
      break;
    case kind::child_start_failed:
    case kind::escalated:
      level = spdlog::level::err;
      break;
    default:
      break;
  }
  return level;
}

} // namespace

void emit(supervisor_impl* self, kind k, const child_record* rec,
          caf::error reason, caf::timespan delay, std::string cause) {
  auto& st = self->state;
  auto level = event_level(k, reason);
  auto to_log = st.log->should_log(level);
  auto to_bus = st.topics == nullptr || !st.topics->empty();
  if (!to_log && !to_bus)
    return; // nobody listens: build nothing
  supervision_event ev;
  ev.kind = k;
  ev.supervisor = st.flags.name;
  if (rec != nullptr) {
    ev.child = rec->id;
    ev.actor = rec->current ? rec->current.id() : 0;
    ev.restarts = rec->restarts;
  }
  ev.reason = std::move(reason);
  ev.delay = delay;
  ev.cause = std::move(cause);
  ev.at = now(self).time_since_epoch();
  if (k == kind::escalated)
    ev.restarts = st.intensity.count(now(self));
  if (to_log)
    st.log->log(level, "{}", to_string(ev));
  if (to_bus) {
    auto t = topic(ev);
    publish(self, t, caf::make_message(std::move(ev)));
  }
}

} // namespace remedy::detail
