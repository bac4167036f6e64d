#include "remedy/scheduling/scheduler_settings.hpp"

#include <cmath>

#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"

namespace remedy {

const char* to_string(placement_policy x) {
  switch (x) {
    case placement_policy::least_loaded:
      return "least_loaded";
    case placement_policy::round_robin:
      return "round_robin";
    case placement_policy::random:
      return "random";
  }
  return "<invalid placement_policy>";
}

caf::error scheduler_settings::validate() const {
  if (name.empty())
    return make_error(errc::invalid_argument, "scheduler: empty name");
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument,
                      "scheduler '" + name + "': " + what);
  };
  if (policy != placement_policy::least_loaded
      && policy != placement_policy::round_robin
      && policy != placement_policy::random)
    return fail("policy: not a valid placement policy");
  if (max_per_worker == 0)
    return fail("max_per_worker must be >= 1");
  if (default_deadline.count() <= 0)
    return fail("default_deadline must be positive");
  if (default_attempts == 0)
    return fail("default_attempts must be >= 1");
  if (attempt_timeout.count() <= 0)
    return fail("attempt_timeout must be positive");
  if (queue_capacity == 0)
    return fail("queue_capacity must be >= 1");
  if (max_queued == 0)
    return fail("max_queued must be >= 1");
  if (metrics_interval.count() < 0)
    return fail("metrics_interval must be 0 (off) or positive");
  if (latency_decay.count() <= 0)
    return fail("latency_decay must be positive");
  if (!(suspect_penalty >= 1.0) || !std::isfinite(suspect_penalty))
    return fail("suspect_penalty must be >= 1 and finite, got "
                + format_number(suspect_penalty));
  if (!(eject_latency_factor == 0.0 || eject_latency_factor > 1.0)
      || !std::isfinite(eject_latency_factor))
    return fail("eject_latency_factor must be 0 (off) or > 1, got "
                + format_number(eject_latency_factor));
  if (base_ejection.count() <= 0)
    return fail("base_ejection must be positive");
  if (max_ejection < base_ejection)
    return fail("max_ejection must be >= base_ejection");
  if (!(max_ejection_share >= 0.0 && max_ejection_share <= 1.0))
    return fail("max_ejection_share must be in [0, 1], got "
                + format_number(max_ejection_share));
  if (!(hedge_budget >= 0.0 && hedge_budget <= 1.0))
    return fail("hedge_budget must be in [0, 1], got "
                + format_number(hedge_budget));
  if (!(hedge_quantile > 0.0 && hedge_quantile < 1.0))
    return fail("hedge_quantile must be in (0, 1), got "
                + format_number(hedge_quantile));
  if (hedge_min_delay.count() < 0)
    return fail("hedge_min_delay must be >= 0");
  if (tick_interval.count() <= 0)
    return fail("tick_interval must be positive");
  return caf::none;
}

} // namespace remedy
