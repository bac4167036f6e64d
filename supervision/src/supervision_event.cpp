#include "remedy/supervision/supervision_event.hpp"

#include <chrono>

#include "remedy/core/error.hpp"

namespace remedy {

const char* to_string(supervision_event_kind x) {
  switch (x) {
    case supervision_event_kind::child_started:
      return "child_started";
    case supervision_event_kind::child_exited:
      return "child_exited";
    case supervision_event_kind::child_restarting:
      return "child_restarting";
    case supervision_event_kind::child_restarted:
      return "child_restarted";
    case supervision_event_kind::child_start_failed:
      return "child_start_failed";
    case supervision_event_kind::child_terminated:
      return "child_terminated";
    case supervision_event_kind::escalated:
      return "escalated";
    case supervision_event_kind::supervisor_shutdown:
      return "supervisor_shutdown";
  }
  return "<invalid supervision_event_kind>";
}

std::string topic(const supervision_event& x) {
  std::string result = "supervision.";
  result += to_string(x.kind);
  return result;
}

std::string to_string(const supervision_event& x) {
  // Shaped like OTP's supervisor report: who, what happened, why, offender.
  std::string result = "supervisor report: supervisor=";
  result += x.supervisor;
  result += " context=";
  result += to_string(x.kind);
  if (x.reason) {
    result += " reason=";
    result += render(x.reason);
  }
  if (!x.child.empty()) {
    result += " offender=[id=";
    result += x.child;
    if (x.actor != 0) {
      result += ", actor=";
      result += std::to_string(x.actor);
    }
    result += ", restarts=";
    result += std::to_string(x.restarts);
    result += ']';
  } else if (x.kind == supervision_event_kind::escalated) {
    result += " restarts_in_period=";
    result += std::to_string(x.restarts);
  }
  if (!x.cause.empty()) {
    result += " cause=";
    result += x.cause;
  }
  if (x.kind == supervision_event_kind::child_restarting) {
    result += " delay=";
    result += std::to_string(
      std::chrono::duration_cast<std::chrono::microseconds>(x.delay).count());
    result += "us";
  }
  return result;
}

} // namespace remedy
