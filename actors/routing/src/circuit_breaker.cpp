#include "remedy/routing/circuit_breaker.hpp"

#include <algorithm>
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

const char* to_string(breaker_event_kind x) {
  switch (x) {
    case breaker_event_kind::success:
      return "success";
    case breaker_event_kind::error:
      return "error";
    case breaker_event_kind::ignored_error:
      return "ignored_error";
    case breaker_event_kind::failure_rate_exceeded:
      return "failure_rate_exceeded";
    case breaker_event_kind::slow_call_rate_exceeded:
      return "slow_call_rate_exceeded";
  }
  return "<invalid breaker_event_kind>";
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
  if (bucket_duration.count() <= 0)
    return fail("bucket_duration must be positive");
  if (minimum_calls == 0)
    return fail("minimum_calls must be positive");
  if (window == window_kind::count_based && minimum_calls > window_size)
    return fail("minimum_calls (" + std::to_string(minimum_calls)
                + ") exceeds the count-based window_size ("
                + std::to_string(window_size) + "): the rates would never "
                "count");
  if (open_duration.count() <= 0)
    return fail("open_duration must be positive");
  if (max_open_duration.count() < 0)
    return fail("max_open_duration must not be negative (0: automatic)");
  if (max_open_duration.count() != 0 && max_open_duration < open_duration)
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
      backoff::exponential(settings_.open_duration,
                           settings_.effective_max_open_duration())
        .with_multiplier(settings_.open_growth)
        .with_jitter(settings_.open_jitter)),
    window_(settings_.window, settings_.window_size,
            settings_.bucket_duration),
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

caf::timespan circuit_breaker::open_duration_for(const window_totals& why) {
  if (settings_.open_duration_fn) {
    breaker_open_context ctx{open_rounds_, why.calls, why.failures,
                             why.failure_rate()};
    return std::max(settings_.open_duration_fn(ctx), caf::timespan{1});
  }
  std::uniform_real_distribution<double> uniform{0.0, 1.0};
  return open_schedule_.delay(open_rounds_, uniform(rng_));
}

void circuit_breaker::open(time_point now, const window_totals& why,
                           std::string reason) {
  open_until_ = now + open_duration_for(why);
  transition(now, breaker_state::open, std::move(reason));
}

void circuit_breaker::enter_half_open(time_point now, std::string reason) {
  probes_permitted_ = 0;
  probe_totals_ = window_totals{};
  probe_deadline_ = now + settings_.half_open_max_duration;
  transition(now, breaker_state::half_open, std::move(reason));
}

void circuit_breaker::emit(breaker_event_kind kind, time_point now,
                           caf::timespan duration, double rate) {
  events_.push_back(breaker_event{kind, now, duration, rate});
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
  auto totals = window_.totals(now);
  if (settings_.consecutive_failures > 0
      && consecutive_ >= settings_.consecutive_failures) {
    reason = std::to_string(consecutive_) + " consecutive failures";
  } else if (totals.calls >= settings_.minimum_calls) {
    if (totals.failure_rate() >= settings_.failure_rate_threshold) {
      reason = "failure rate " + format_number(totals.failure_rate()) + " >= "
               + format_number(settings_.failure_rate_threshold) + " over "
               + std::to_string(totals.calls) + " calls";
      if (events_on_)
        emit(breaker_event_kind::failure_rate_exceeded, now, caf::timespan{0},
             totals.failure_rate());
    } else if (totals.slow_rate() >= settings_.slow_call_rate_threshold) {
      reason = "slow-call rate " + format_number(totals.slow_rate()) + " >= "
               + format_number(settings_.slow_call_rate_threshold) + " over "
               + std::to_string(totals.calls) + " calls";
      if (events_on_)
        emit(breaker_event_kind::slow_call_rate_exceeded, now,
             caf::timespan{0}, totals.slow_rate());
    }
  }
  if (reason.empty())
    return;
  if (state_ == breaker_state::metrics_only)
    ++counters_.would_open;
  else
    open(now, totals, std::move(reason));
}

void circuit_breaker::finish_probes(time_point now) {
  auto& p = probe_totals_;
  if (p.calls < settings_.half_open_probes)
    return;
  auto failing = p.failure_rate() >= settings_.failure_rate_threshold;
  if (failing || p.slow_rate() >= settings_.slow_call_rate_threshold) {
    if (events_on_)
      emit(failing ? breaker_event_kind::failure_rate_exceeded
                   : breaker_event_kind::slow_call_rate_exceeded,
           now, caf::timespan{0}, failing ? p.failure_rate() : p.slow_rate());
    ++open_rounds_;
    open(now, p,
         "probes failed: failure rate " + format_number(p.failure_rate())
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
  if (events_on_)
    emit(outcome == call_outcome::success   ? breaker_event_kind::success
         : outcome == call_outcome::failure ? breaker_event_kind::error
                                            : breaker_event_kind::ignored_error,
         now, duration, 0.0);
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
    enter_half_open(now, "open duration ended");
  } else if (state_ == breaker_state::half_open && now >= probe_deadline_) {
    // A round whose probes never came back counts as failed; a round without
    // any traffic does not make the next open period longer.
    if (probes_permitted_ > 0)
      ++open_rounds_;
    open(now, probe_totals_,
         probes_permitted_ > 0
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

void circuit_breaker::transition_to_open(time_point now) {
  if (state_ != breaker_state::open)
    open(now, window_totals{}, "opened by operator");
}

void circuit_breaker::transition_to_half_open(time_point now) {
  if (state_ != breaker_state::half_open)
    enter_half_open(now, "half-open by operator");
}

void circuit_breaker::transition_to_closed(time_point now) {
  transition(now, breaker_state::closed, "closed by operator");
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
