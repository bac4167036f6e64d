#include "remedy/routing/circuit_breaker.hpp"

#include <cmath>

#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"

namespace remedy {

const char* to_string(breaker_state x) {
  switch (x) {
    case breaker_state::closed:
      return "closed";
    case breaker_state::open:
      return "open";
    case breaker_state::half_open:
      return "half_open";
    case breaker_state::forced_open:
      return "forced_open";
    case breaker_state::disabled:
      return "disabled";
    case breaker_state::metrics_only:
      return "metrics_only";
  }
  return "<invalid breaker_state>";
}

caf::error circuit_breaker_settings::validate() const {
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument,
                      "circuit breaker '" + name + "': " + what);
  };
  auto is_rate = [](double x) { return x > 0.0 && x <= 1.0; };
  if (name.empty())
    return make_error(errc::invalid_argument, "circuit breaker: empty name");
  if (!is_rate(failure_rate_threshold))
    return fail("failure_rate_threshold must be in (0, 1], got "
                + std::to_string(failure_rate_threshold));
  if (!is_rate(slow_call_rate_threshold))
    return fail("slow_call_rate_threshold must be in (0, 1], got "
                + std::to_string(slow_call_rate_threshold));
  if (slow_call_duration.count() <= 0)
    return fail("slow_call_duration must be positive");
  if (window != window_kind::count_based && window != window_kind::time_based)
    return fail("window: not a valid window kind");
  if (window_size == 0)
    return fail("window_size must be positive");
  if (minimum_calls == 0)
    return fail("minimum_calls must be positive");
  if (window == window_kind::count_based && minimum_calls > window_size)
    return fail("minimum_calls (" + std::to_string(minimum_calls)
                + ") exceeds the count-based window_size ("
                + std::to_string(window_size) + "): the rates would never "
                "count");
  if (open_duration.count() <= 0)
    return fail("open_duration must be positive");
  if (max_open_duration < open_duration)
    return fail("max_open_duration must not be below open_duration");
  if (!(open_growth >= 1.0) || std::isinf(open_growth))
    return fail("open_growth must be finite and >= 1");
  if (!(open_jitter >= 0.0 && open_jitter <= 1.0))
    return fail("open_jitter must be in [0, 1]");
  if (half_open_probes == 0)
    return fail("half_open_probes must be positive");
  if (half_open_max_duration.count() <= 0)
    return fail("half_open_max_duration must be positive");
  return caf::none;
}

circuit_breaker::circuit_breaker(circuit_breaker_settings settings,
                                 uint64_t seed)
  : settings_(std::move(settings)),
    open_schedule_(
      backoff::exponential(settings_.open_duration, settings_.max_open_duration)
        .with_multiplier(settings_.open_growth)
        .with_jitter(settings_.open_jitter)),
    window_(settings_.window, settings_.window_size),
    rng_(seed) {
  counters_.state = state_;
}

void circuit_breaker::transition(time_point now, breaker_state to,
                                 std::string reason) {
  if (to == state_)
    return;
  transitions_.push_back(breaker_transition{state_, to, now,
                                            std::move(reason)});
  state_ = to;
  ++generation_;
  consecutive_ = 0;
  if (to == breaker_state::closed || to == breaker_state::metrics_only)
    window_.clear();
  if (to == breaker_state::closed)
    open_rounds_ = 0;
}

void circuit_breaker::open(time_point now, std::string reason) {
  std::uniform_real_distribution<double> uniform{0.0, 1.0};
  auto duration = open_schedule_.delay(open_rounds_, uniform(rng_));
  open_until_ = now + duration;
  transition(now, breaker_state::open, std::move(reason));
}

breaker_permit circuit_breaker::acquire(time_point now) {
  advance(now);
  switch (state_) {
    case breaker_state::closed:
    case breaker_state::disabled:
    case breaker_state::metrics_only:
      ++counters_.permitted;
      return {true, generation_};
    case breaker_state::half_open:
      if (probes_permitted_ < settings_.half_open_probes) {
        ++probes_permitted_;
        ++counters_.permitted;
        return {true, generation_};
      }
      break;
    case breaker_state::open:
    case breaker_state::forced_open:
      break;
  }
  ++counters_.rejected;
  return {false, generation_};
}

void circuit_breaker::evaluate_closed(time_point now) {
  std::string reason;
  if (settings_.consecutive_failures > 0
      && consecutive_ >= settings_.consecutive_failures) {
    reason = std::to_string(consecutive_) + " consecutive failures";
  } else {
    auto totals = window_.totals(now);
    if (totals.calls >= settings_.minimum_calls) {
      if (totals.failure_rate() >= settings_.failure_rate_threshold)
        reason = "failure rate " + format_number(totals.failure_rate())
                 + " >= " + format_number(settings_.failure_rate_threshold)
                 + " over " + std::to_string(totals.calls) + " calls";
      else if (totals.slow_rate() >= settings_.slow_call_rate_threshold)
        reason = "slow-call rate " + format_number(totals.slow_rate())
                 + " >= " + format_number(settings_.slow_call_rate_threshold)
                 + " over " + std::to_string(totals.calls) + " calls";
    }
  }
  if (reason.empty())
    return;
  if (state_ == breaker_state::metrics_only)
    ++counters_.would_open;
  else
    open(now, std::move(reason));
}

void circuit_breaker::finish_probes(time_point now) {
  auto& p = probe_totals_;
  if (p.calls < settings_.half_open_probes)
    return;
  if (p.failure_rate() >= settings_.failure_rate_threshold
      || p.slow_rate() >= settings_.slow_call_rate_threshold) {
    ++open_rounds_;
    open(now, "probes failed: failure rate " + format_number(p.failure_rate())
                + ", slow-call rate " + format_number(p.slow_rate()));
    return;
  }
  transition(now, breaker_state::closed,
             "probes succeeded: " + std::to_string(p.calls) + " calls");
}

void circuit_breaker::record(time_point now, const breaker_permit& permit,
                             call_outcome outcome, caf::timespan duration) {
  if (!permit.granted)
    return;
  if (outcome == call_outcome::ignored) {
    ++counters_.ignored;
    // Resilience4j releases the permission of an ignored call: an ignored
    // probe must not use up a slot, or the round could never complete and
    // would reopen at half_open_max_duration as if the probe had failed.
    if (state_ == breaker_state::half_open && permit.generation == generation_
        && probes_permitted_ > 0)
      --probes_permitted_;
    return;
  }
  bool failure = outcome == call_outcome::failure;
  bool slow = duration >= settings_.slow_call_duration;
  if (failure)
    ++counters_.failures;
  else
    ++counters_.successes;
  if (permit.generation != generation_) {
    ++counters_.stale;
    return;
  }
  switch (state_) {
    case breaker_state::closed:
    case breaker_state::metrics_only: {
      // A fast success in a count window that held `minimum_calls` already
      // replaces an older call: no rate can rise, so nothing can trip.
      bool cannot_trip = !failure && !slow
                         && window_.kind() == window_kind::count_based
                         && window_.calls() >= settings_.minimum_calls;
      consecutive_ = failure ? consecutive_ + 1 : 0;
      window_.record(now, failure, slow);
      if (!cannot_trip)
        evaluate_closed(now);
      break;
    }
    case breaker_state::half_open:
      probe_totals_.calls += 1;
      probe_totals_.failures += failure ? 1 : 0;
      probe_totals_.slow += slow ? 1 : 0;
      finish_probes(now);
      break;
    default:
      break;
  }
}

bool circuit_breaker::record_needs_time(call_outcome outcome) const {
  if (times_calls() || window_.kind() != window_kind::count_based)
    return true;
  if (outcome == call_outcome::ignored)
    return false;
  switch (state_) {
    case breaker_state::closed:
    case breaker_state::metrics_only:
      return outcome != call_outcome::success
             || window_.calls() < settings_.minimum_calls;
    case breaker_state::half_open:
      return true;
    default:
      return false;
  }
}

void circuit_breaker::advance(time_point now) {
  if (state_ == breaker_state::open && now >= open_until_) {
    probes_permitted_ = 0;
    probe_totals_ = window_totals{};
    probe_deadline_ = now + settings_.half_open_max_duration;
    transition(now, breaker_state::half_open, "open duration ended");
  } else if (state_ == breaker_state::half_open && now >= probe_deadline_) {
    // A round whose probes never came back counts as failed; a round without
    // any traffic does not make the next open period longer.
    if (probes_permitted_ > 0)
      ++open_rounds_;
    open(now, probes_permitted_ > 0
                ? "probes did not complete within half_open_max_duration"
                : "no probe within half_open_max_duration");
  }
}

std::optional<circuit_breaker::time_point>
circuit_breaker::next_deadline() const {
  if (state_ == breaker_state::open)
    return open_until_;
  if (state_ == breaker_state::half_open)
    return probe_deadline_;
  return std::nullopt;
}

void circuit_breaker::force_open(time_point now) {
  transition(now, breaker_state::forced_open, "forced open by operator");
}

void circuit_breaker::disable(time_point now) {
  transition(now, breaker_state::disabled, "disabled by operator");
}

void circuit_breaker::metrics_only(time_point now) {
  transition(now, breaker_state::metrics_only, "metrics only by operator");
}

void circuit_breaker::reset(time_point now) {
  auto was = state_;
  transition(now, breaker_state::closed, "reset by operator");
  if (was == breaker_state::closed) {
    // No transition, but a reset still forgets the past, including calls
    // in flight: like every other reset they now count as stale.
    window_.clear();
    consecutive_ = 0;
    open_rounds_ = 0;
    ++generation_;
  }
}

breaker_metrics circuit_breaker::metrics(time_point now) {
  auto result = counters_;
  result.state = state_;
  result.window = state_ == breaker_state::half_open ? probe_totals_
                                                      : window_.totals(now);
  result.consecutive_failures = consecutive_;
  result.open_rounds = open_rounds_;
  return result;
}

} // namespace remedy
