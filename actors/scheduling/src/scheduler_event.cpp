#include "remedy/scheduling/scheduler_event.hpp"

namespace remedy {

const char* to_string(scheduler_event_kind x) {
  switch (x) {
    case scheduler_event_kind::ejected:
      return "ejected";
    case scheduler_event_kind::returned:
      return "returned";
  }
  return "<invalid scheduler_event_kind>";
}

std::string topic(const scheduler_event& x) {
  return std::string{"scheduler."} + to_string(x.kind);
}

} // namespace remedy
