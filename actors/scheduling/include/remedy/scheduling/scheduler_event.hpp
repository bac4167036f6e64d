#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

enum class scheduler_event_kind : uint8_t {
  /// The scheduler took a worker out (outlier ejection).
  ejected,
  /// An ejected worker's probe succeeded: it is back.
  returned,
};

const char* to_string(scheduler_event_kind x);

/// What a scheduler tells the bus, on topic "scheduler.<kind>".
struct scheduler_event {
  scheduler_event_kind kind = scheduler_event_kind::ejected;
  std::string scheduler;
  std::string worker;
  /// Why, e.g. "5 failed attempts in a row"; for how long.
  std::string reason;
  caf::timespan duration{0};
  caf::timespan at{0};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scheduler_event& x) {
  return f(caf::meta::type_name("remedy.scheduler_event"), x.kind, x.scheduler,
           x.worker, x.reason, x.duration, x.at);
}

std::string topic(const scheduler_event& x);

} // namespace remedy
