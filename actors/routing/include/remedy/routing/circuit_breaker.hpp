#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "remedy/routing/breaker_state.hpp"
#include "remedy/routing/circuit_breaker_settings.hpp"
#include "remedy/routing/sliding_window.hpp"
#include "remedy/supervision/backoff.hpp"

namespace remedy {

/// How a call ended, as the breaker sees it (Resilience4j's three kinds).
enum class call_outcome : uint8_t {
  /// A healthy answer: a value, or an error classified as a success (a
  /// business error such as "no such order" says the target works).
  success,
  /// An error classified as a failure (every error by default), a value
  /// that a result predicate marks as a failure, a timeout, a target down.
  failure,
  /// Not recorded at all (an error classified as ignored, e.g. by
  /// `failure_if`, or a bulkhead rejection); a half-open probe slot is freed.
  ignored,
};

/// Classifies an error reply (the `classify_error` of routes and guards).
using error_classifier = std::function<call_outcome(const caf::error&)>;

/// Decides whether a value reply is a failure (the `failure_on_result` of
/// routes and guards; Resilience4j's `recordResult`, Polly's
/// `ShouldHandle` on results).
using result_predicate = std::function<bool(const caf::message&)>;

/// The classifier a route or guard uses for error replies: `classify` if set,
/// else `failure_if` as a shorthand (true: failure, false: ignored), else
/// every error is a failure.
inline call_outcome
classify_error_reply(const error_classifier& classify,
                     const std::function<bool(const caf::error&)>& failure_if,
                     const caf::error& err) {
  if (classify)
    return classify(err);
  if (failure_if && !failure_if(err))
    return call_outcome::ignored;
  return call_outcome::failure;
}

/// What a per-call event reports (see `circuit_breaker::record_events`):
/// Resilience4j's `onSuccess`, `onError`, `onIgnoredError`,
/// `onFailureRateExceeded`, `onSlowCallRateExceeded`.
enum class breaker_event_kind : uint8_t {
  success,
  error,
  ignored_error,
  failure_rate_exceeded,
  slow_call_rate_exceeded,
};

/// Returns the kind's name, e.g. "ignored_error".
const char* to_string(breaker_event_kind x);

/// One per-call event.
struct breaker_event {
  breaker_event_kind kind = breaker_event_kind::success;
  caf::actor_clock::time_point at;
  /// The call's duration (calls only).
  caf::timespan duration{0};
  /// The rate that reached its threshold (the `_exceeded` kinds only).
  double rate = 0.0;
};

/// A permission to make one call, from `circuit_breaker::acquire`.
struct breaker_permit {
  /// Whether the call may go through; otherwise it fails fast.
  bool granted = false;
  /// Identifies the breaker phase the call started in, so that a call that
  /// completes after the breaker changed state does not count twice.
  uint64_t generation = 0;
};

/// One state change, for events and logs.
struct breaker_transition {
  breaker_state from;
  breaker_state to;
  caf::actor_clock::time_point at;
  /// What caused it, e.g. "failure rate 0.5 >= 0.5 over 100 calls".
  std::string reason;
};

/// Counters and rates for queries.
struct breaker_metrics {
  breaker_state state = breaker_state::closed;
  window_totals window;
  uint64_t consecutive_failures = 0;
  uint64_t rejected = 0;
  uint64_t permitted = 0;
  uint64_t successes = 0;
  uint64_t failures = 0;
  uint64_t ignored = 0;
  uint64_t stale = 0;
  /// In metrics_only: calls after which a trip rule held (would have opened).
  uint64_t would_open = 0;
  /// Failed probe rounds since the breaker was last closed.
  uint32_t open_rounds = 0;
};

/// A circuit breaker as a value: the state machine of Resilience4j's breaker
/// (closed, open, half-open, plus forced-open, disabled and metrics-only),
/// driven by the caller with explicit times. No actor, no clock, no I/O: the
/// routing actor owns one, feeds it CAF's clock, and turns its transitions
/// into events.
///
/// - closed: every call is permitted; outcomes enter the sliding window.
///   The breaker opens when `consecutive_failures` failures arrive in a row,
///   or, once the window holds `minimum_calls` calls, when the failure rate
///   or the slow-call rate reaches its threshold: exactly at the threshold,
///   not one call earlier.
/// - open: calls are rejected until the open duration ends (checked on
///   `acquire` and `advance`), then half-open. The open duration is
///   `backoff::exponential(open_duration, max_open_duration)` with
///   multiplier `open_growth` and jitter `open_jitter`, indexed by the number
///   of failed probe rounds since the last close.
/// - half-open: `half_open_probes` calls are permitted, the rest rejected.
///   When all probes completed, their failure and slow-call rates decide:
///   below both thresholds closes (window and open rounds reset), otherwise
///   opens again with a longer duration (or `open_duration_fn`'s). A probe
///   round that has not completed within `half_open_max_duration` opens
///   again too (longer only if some probe was admitted: a quiet target is
///   not penalised).
/// - Manual transitions (`transition_to_open`, `transition_to_half_open`,
///   `transition_to_closed`) move to a regular state from any state.
/// - A call is slow when it took at least `slow_call_duration` (Resilience4j
///   counts only longer calls; "at least" makes a threshold of exactly the
///   measured time mean what it says).
/// - Calls that started in an earlier phase (see `breaker_permit`) are
///   counted as stale and change nothing.
class circuit_breaker {
public:
  using time_point = caf::actor_clock::time_point;

  /// `seed` picks the jitter of open durations.
  explicit circuit_breaker(circuit_breaker_settings settings,
                           uint64_t seed = 1);

  /// Asks to make a call at `now`.
  breaker_permit acquire(time_point now);

  /// Records the end of a call permitted under `permit`, at `now`, after
  /// `duration`. A call at least `slow_call_duration` long is slow.
  void record(time_point now, const breaker_permit& permit,
              call_outcome outcome, caf::timespan duration);

  /// Applies time-driven transitions due at `now`: open -> half_open when
  /// the open duration ended; half_open -> open when the probe deadline
  /// passed. The owner calls it at `next_deadline()`.
  void advance(time_point now);

  /// When `advance` has something to do next, if ever.
  std::optional<time_point> next_deadline() const;

  // -- operator overrides ---------------------------------------------------

  void force_open(time_point now);
  void disable(time_point now);
  void metrics_only(time_point now);
  /// Back to closed with an empty window, from any state.
  void reset(time_point now);

  // -- manual transitions (Resilience4j's transitionTo...State, Polly's
  //    Isolate/Close); from any state, a no-op in the state itself --------

  /// Opens as if a rule had tripped: calls fail fast for the next open
  /// duration (of the current round), then half-open.
  void transition_to_open(time_point now);

  /// Starts a probe round now: `half_open_probes` calls pass and decide.
  void transition_to_half_open(time_point now);

  /// Closes with an empty window (and no failed rounds); calls in flight
  /// become stale. Unlike `reset`, closing a closed breaker changes nothing.
  void transition_to_closed(time_point now);

  // -- per-call events (off by default) --------------------------------------

  /// Turns per-call events on or off. While on, every `record` of a granted
  /// call adds a `success`, `error` or `ignored_error` event, and every trip
  /// by a rate (also a failed probe round, also in metrics-only) a
  /// `failure_rate_exceeded` or `slow_call_rate_exceeded` event. While off
  /// (the default) nothing is collected: the hot path pays one branch.
  void record_events(bool on) {
    events_on_ = on;
  }

  /// Whether `take_events` has anything.
  bool has_events() const {
    return !events_.empty();
  }

  /// Events since the last call, oldest first.
  std::vector<breaker_event> take_events() {
    return std::move(events_);
  }

  // -- observers -------------------------------------------------------------

  breaker_state state() const {
    return state_;
  }

  breaker_metrics metrics(time_point now);

  const circuit_breaker_settings& settings() const {
    return settings_;
  }

  /// The open duration the next trip would use (without jitter; with
  /// `open_duration_fn`, its result for the window as of the last call).
  caf::timespan next_open_duration() const {
    if (settings_.open_duration_fn) {
      auto& w = window_.last_totals();
      return settings_.open_duration_fn(
        breaker_open_context{open_rounds_, w.calls, w.failures,
                             w.failure_rate()});
    }
    return open_schedule_.base_delay(open_rounds_);
  }

  /// Whether `acquire` needs the current time: only while a timer of the
  /// breaker's can fire (open, half-open). In other states any time will do.
  bool acquire_needs_time() const {
    return state_ == breaker_state::open || state_ == breaker_state::half_open;
  }

  /// Whether the slow-call rule is on, so that `record` needs each call's
  /// duration. `slow_call_duration = caf::timespan::max()` turns it off.
  bool times_calls() const {
    return settings_.slow_call_duration != caf::timespan::max();
  }

  /// Whether recording `outcome` now needs the current time (and the call's
  /// duration). False only where neither can change anything: a count-based
  /// window, the slow-call rule off, and either an ignored call, or a
  /// success while closed (or metrics-only) in a window that already holds
  /// `minimum_calls` (a success then cannot raise a rate), or any outcome
  /// while disabled, open or forced open. Lets a caller skip a clock read
  /// per call on its hot path.
  bool record_needs_time(call_outcome outcome) const;

  /// Whether `take_transitions` has anything.
  bool has_transitions() const {
    return !transitions_.empty();
  }

  /// Transitions since the last call, oldest first.
  std::vector<breaker_transition> take_transitions() {
    return std::move(transitions_);
  }

private:
  void transition(time_point now, breaker_state to, std::string reason);
  caf::timespan open_duration_for(const window_totals& why);
  void open(time_point now, const window_totals& why, std::string reason);
  void enter_half_open(time_point now, std::string reason);
  void emit(breaker_event_kind kind, time_point now, caf::timespan duration,
            double rate);
  void evaluate_closed(time_point now);
  void finish_probes(time_point now);

  circuit_breaker_settings settings_;
  backoff open_schedule_;
  breaker_state state_ = breaker_state::closed;
  uint64_t generation_ = 1;
  sliding_window window_;
  uint64_t consecutive_ = 0;
  uint32_t open_rounds_ = 0;
  time_point open_until_{};
  // half-open
  uint32_t probes_permitted_ = 0;
  window_totals probe_totals_;
  time_point probe_deadline_{};
  // counters
  breaker_metrics counters_;
  std::vector<breaker_transition> transitions_;
  bool events_on_ = false;
  std::vector<breaker_event> events_;
  std::mt19937_64 rng_;
};

} // namespace remedy
