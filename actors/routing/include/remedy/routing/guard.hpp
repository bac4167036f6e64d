#pragma once

// In-caller resilience: the circuit breaker, bulkhead and retry of a route,
// applied by the client actor itself around its own requests, without the
// route's extra hop (like Akka's `CircuitBreaker::withCircuitBreaker` and
// Resilience4j's decorators).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/behavior.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/duration.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/message_priority.hpp>
#include <caf/timespan.hpp>

#include "remedy/routing/breaker_state.hpp"
#include "remedy/routing/bulkhead.hpp"
#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/circuit_breaker.hpp"
#include "remedy/routing/circuit_breaker_settings.hpp"
#include "remedy/routing/retry_policy.hpp"

namespace remedy {

/// A guard's stages, all optional: a guard without any passes every request
/// through and only counts it.
struct guard_settings {
  /// Names the guard in its errors, e.g. "guard 'quotes': circuit breaker is
  /// open".
  std::string name = "guard";
  /// The circuit breaker, if any. Each attempt is one call.
  std::optional<circuit_breaker_settings> breaker;
  /// The bulkhead, if any. Each attempt holds one permit until its outcome.
  /// `max_queue` must be 0: a guard rejects a request at once when all
  /// permits are taken (a route can queue it).
  std::optional<bulkhead_settings> bulkhead;
  /// Retries of failed attempts, if any (default: one attempt).
  std::optional<retry_policy> retry;
  /// Which error replies count as breaker failures (default: every error):
  /// a shorthand for `classify_error`. Errors it rejects are recorded as
  /// `call_outcome::ignored`. Timeouts always count. Set at most one of
  /// `is_failure` and `classify_error`.
  std::function<bool(const caf::error&)> is_failure;
  /// How the breaker records each error reply: `failure`, `ignored`, or
  /// `success` (a healthy answer such as a business error). Default: every
  /// error is a failure. Timeouts always count as failures.
  error_classifier classify_error;
  /// Which value replies are failures (default: none): recorded as breaker
  /// failures and retried as failed attempts (see
  /// `retry_policy::with_retry_on_result`; a retry needs copyable handlers).
  /// The handler gets the last reply when no retry is left. Costs a message
  /// built from each reply while set.
  result_predicate failure_on_result;
  /// Called with every per-call event of the breaker (default: none, and
  /// then none is collected): success, error, ignored error, failure rate
  /// or slow-call rate exceeded. Needs a breaker. Inside the guarded actor.
  std::function<void(const breaker_event&)> on_call_event;
  /// Called with every breaker transition (default: none), inside the
  /// guarded actor, e.g. to log or publish it.
  std::function<void(const breaker_transition&)> on_transition;
  /// Seeds the jitter of the breaker's open durations and of retry delays.
  uint64_t seed = 1;

  /// Returns an error naming the guard and the bad field, or none.
  caf::error validate() const;
};

/// A guard's counters, all since construction except `in_flight`.
struct guard_stats {
  /// Guarded requests started (`then` called).
  uint64_t requests = 0;
  /// Requests answered with a value.
  uint64_t succeeded = 0;
  /// Requests answered with an error (rejections included).
  uint64_t failed = 0;
  /// Attempts that reached the target.
  uint64_t attempts = 0;
  /// Attempts after the first (started or rejected).
  uint64_t retries = 0;
  /// Attempts that got no reply within their timeout.
  uint64_t timeouts = 0;
  /// Attempts rejected by the breaker (`errc::breaker_open`).
  uint64_t rejected_open = 0;
  /// Attempts rejected by the bulkhead (`errc::bulkhead_full`).
  uint64_t rejected_full = 0;
  /// Attempts at the target now.
  uint64_t in_flight = 0;
};

namespace detail {

/// How an attempt entered the guard (internal).
enum class guard_verdict : uint8_t { admitted, breaker_open, bulkhead_full };

/// What an attempt took from the guard's stages (internal).
struct guard_token {
  breaker_permit permit;
  bulkhead_ticket ticket = 0;
  caf::actor_clock::time_point start{};
  guard_verdict verdict = guard_verdict::admitted;
  bool timed = false;
};

/// Where a guard reads the time: the actor's clock, and the id of the
/// response the actor is handling (0 if none). A response id is unique for
/// the life of the actor, so a time read while handling one is reused for
/// the rest of that handler: the outcome of one request and the start of
/// the next one it triggers cost one clock read (internal).
struct guard_time_source {
  caf::actor_clock* clock;
  uint64_t message;
};

template <class Self>
guard_time_source time_source(Self* self) {
  auto* x = self->current_mailbox_element();
  auto key = x != nullptr && x->mid.is_response() ? x->mid.integer_value()
                                                  : uint64_t{0};
  return {&self->clock(), key};
}

/// The non-template part of a guard; it stays at one address for the life
/// of the guard, so pending handlers may point to it (internal).
class guard_core {
public:
  explicit guard_core(guard_settings settings);

  /// Asks the breaker, then the bulkhead, for one attempt.
  guard_token enter(const guard_time_source& src, bool timed, bool retry);

  /// Records a reply: success for the breaker, the permit back.
  void succeeded(const guard_time_source& src, const guard_token& tok);

  /// Records an error reply of an admitted attempt (`err` becomes
  /// `errc::timeout` if CAF timed the attempt out) and gives its permit
  /// back.
  void failed(const guard_time_source& src, const guard_token& tok,
              caf::error& err);

  /// The error for a rejected attempt.
  caf::error rejection(const guard_token& tok) const;

  /// Whether a retry policy is set.
  bool has_retry() const {
    return settings_.retry.has_value();
  }

  /// The time at `src`: read from the clock, or reused within one handler.
  caf::actor_clock::time_point now(const guard_time_source& src) {
    if (src.message == 0 || src.message != time_key_) {
      time_ = src.clock->now();
      time_key_ = src.message;
    }
    return time_;
  }

  /// Decides about a retry after failed attempt `attempt`.
  retry_decision decide(uint32_t attempt, const caf::error& err);

  /// Decides about a retry after attempt `attempt` got a failed result.
  retry_decision decide_result(uint32_t attempt);

  /// Whether value replies go through `failure_on_result`.
  bool checks_results() const {
    return static_cast<bool>(settings_.failure_on_result);
  }

  /// Whether a failed result may be retried.
  bool retries_results() const {
    return checks_results() && settings_.retry
           && settings_.retry->retries_results();
  }

  /// Records a value reply `msg` as a success or, if `failure_on_result`
  /// says so, a failure (returns true), and gives its permit back.
  bool result_failed(const guard_time_source& src, const guard_token& tok,
                     const caf::message& msg);

  void count_request() {
    ++stats_.requests;
  }

  void count_answer(bool ok) {
    ++(ok ? stats_.succeeded : stats_.failed);
  }

  const guard_settings& settings() const {
    return settings_;
  }

  const guard_stats& stats() const {
    return stats_;
  }

  std::optional<circuit_breaker>& breaker() {
    return breaker_;
  }

  std::optional<remedy::bulkhead>& pool() {
    return bulkhead_;
  }

private:
  void finish(const guard_time_source& src, const guard_token& tok,
              call_outcome outcome);
  void drain_transitions();
  void drain_events();
  /// A uniform sample in [0, 1) for the retry's jitter (0 without jitter).
  double jitter_sample();

  guard_settings settings_;
  std::optional<circuit_breaker> breaker_;
  std::optional<remedy::bulkhead> bulkhead_;
  bulkhead_ticket next_ticket_ = 0;
  caf::actor_clock::time_point time_{};
  uint64_t time_key_ = 0;
  guard_stats stats_;
  caf::error open_error_;
  caf::error full_error_;
  caf::error timeout_error_;
  std::mt19937_64 rng_;
};

/// One guarded request: everything a retry needs to send it again.
template <class Self, class Handle, class F, class G, class... Ts>
struct guarded_call {
  using self_type = Self;
  using handle_type = Handle;
  using value_handler = F;

  guard_core* core;
  Self* self;
  Handle dest;
  caf::duration timeout;
  std::tuple<Ts...> args;
  F on_value;
  G on_error;
  uint32_t attempt = 0;
};

template <class Call>
void start_attempt(Call c, const typename Call::handle_type* first = nullptr);

/// Starts the next attempt of `c` after `delay` (at once for 0).
template <class Call>
void retry_attempt(Call c, caf::timespan delay) {
  if (delay.count() <= 0) {
    start_attempt(std::move(c));
    return;
  }
  auto* core = c.core;
  auto* self = c.self;
  // The delay is a request timeout without a request: CAF's clock
  // delivers `sec::request_timeout` to a response handler of ours, so
  // the actor's own behavior never sees it.
  auto rid = self->new_request_id(caf::message_priority::normal).response_id();
  auto at = core->now(time_source(self)) + delay;
  auto next = [c{std::move(c)}](caf::error&) mutable {
    start_attempt(std::move(c));
  };
  self->add_multiplexed_response_handler(rid, caf::behavior{std::move(next)});
  self->clock().set_request_timeout(at, self, rid);
}

/// Wraps the user's value handler with the same argument types, so that
/// CAF matches (and type-checks) the reply against the user's signature.
template <class Call, class Args>
struct guard_value_fn;

template <class Call, class... Xs>
struct guard_value_fn<Call, caf::detail::type_list<Xs...>> {
  guard_core* core;
  typename Call::self_type* self;
  guard_token tok;
  typename Call::value_handler f;
  /// The call, for a retry of a failed result (only when one may happen).
  std::shared_ptr<Call> again;

  void operator()(Xs... xs) {
    if (!core->checks_results()) {
      core->succeeded(time_source(self), tok);
    } else if (core->result_failed(time_source(self), tok,
                                   caf::make_message(xs...))
               && again) {
      auto d = core->decide_result(again->attempt);
      if (d.retry()) {
        retry_attempt(std::move(*again), d.delay);
        return;
      }
    }
    core->count_answer(true);
    f(std::forward<Xs>(xs)...);
  }
};

/// Records an error, then retries or hands it to the user's error handler.
template <class Call>
struct guard_error_fn {
  Call c;
  guard_token tok;

  void operator()(caf::error& err) {
    auto* core = c.core;
    if (tok.verdict == guard_verdict::admitted)
      core->failed(time_source(c.self), tok, err);
    if (core->has_retry()) {
      auto d = core->decide(c.attempt, err);
      if (d.retry()) {
        retry_attempt(std::move(c), d.delay);
        return;
      }
    }
    core->count_answer(false);
    c.on_error(err);
  }
};

/// Starts attempt `c.attempt + 1`. The first attempt of a request without
/// retries goes to `*first`, the caller's own handle, so that the call keeps
/// no copy of it (a handle copy is two atomic operations per request).
template <class Call>
void start_attempt(Call c, const typename Call::handle_type* first) {
  auto* core = c.core;
  auto* self = c.self;
  ++c.attempt;
  auto tok = core->enter(time_source(self), c.timeout.valid(), c.attempt > 1);
  if (tok.verdict != guard_verdict::admitted) {
    // Fail fast, but asynchronously, as CAF answers a request to an invalid
    // handle: the handler runs in a later message, never inside `then`.
    auto rid
      = self->new_request_id(caf::message_priority::normal).response_id();
    auto err = core->rejection(tok);
    guard_error_fn<Call> on_error{std::move(c), tok};
    self->add_multiplexed_response_handler(rid,
                                           caf::behavior{std::move(on_error)});
    self->eq_impl(rid, self->ctrl(), self->context(), std::move(err));
    return;
  }
  using f_type = typename Call::value_handler;
  using args_t = typename caf::detail::get_callable_trait<f_type>::arg_types;
  using value_fn = guard_value_fn<Call, args_t>;
  const auto& dest = first != nullptr ? *first : c.dest;
  auto send = [&](auto&&... xs) {
    return self->request(dest, c.timeout, std::forward<decltype(xs)>(xs)...);
  };
  // Without retries the arguments and the value handler are needed once:
  // move them.
  auto retries = core->has_retry();
  value_fn on_value{core, self, tok,
                    retries ? c.on_value : std::move(c.on_value), nullptr};
  if constexpr (std::is_copy_constructible_v<Call>)
    if (core->retries_results())
      on_value.again = std::make_shared<Call>(c);
  auto handle = retries ? std::apply(send, std::as_const(c.args))
                        : std::apply(send, std::move(c.args));
  handle.then(std::move(on_value), guard_error_fn<Call>{std::move(c), tok});
}

} // namespace detail

/// A guarded request, made by `guard::request`: nothing is sent until
/// `then` is called on it. It refers to the caller's handle without copying
/// it, so call `then` in the expression that made it
/// (`g.request(self, dest, ...).then(...)`), while that handle lives.
template <class Self, class Handle, class... Ts>
class [[nodiscard]] guarded_request {
public:
  /// Made by `guard::request` only.
  guarded_request(detail::guard_core* core, Self* self, const Handle& dest,
                  caf::duration timeout, std::tuple<Ts...> args)
    : core_(core),
      self_(self),
      dest_(&dest),
      timeout_(timeout),
      args_(std::move(args)) {
  }

  /// Sends the request through the guard's stages; calls `f` with the reply
  /// or `g` with the error, exactly once, always in a later message (never
  /// inside `then`). `f` takes the reply's values, as in CAF's `then`.
  template <class F, class G>
  void then(F f, G g) && {
    using call = detail::guarded_call<Self, Handle, F, G, Ts...>;
    core_->count_request();
    // Only a retry sends again later: only then does the call keep its own
    // copy of the handle.
    if (core_->has_retry())
      detail::start_attempt(call{core_, self_, *dest_, timeout_,
                                 std::move(args_), std::move(f), std::move(g),
                                 0});
    else
      detail::start_attempt(call{core_, self_, Handle{}, timeout_,
                                 std::move(args_), std::move(f), std::move(g),
                                 0},
                            dest_);
  }

  /// As `then(f, g)`, with the actor's error handler for errors (as CAF's
  /// one-argument `then`).
  template <class F>
  void then(F f) && {
    auto* self = self_;
    std::move(*this).then(std::move(f), [self](caf::error& err) {
      self->call_error_handler(err);
    });
  }

private:
  detail::guard_core* core_;
  Self* self_;
  const Handle* dest_;
  caf::duration timeout_;
  std::tuple<Ts...> args_;
};

/// A circuit breaker, a bulkhead and a retry policy that a client actor
/// holds as a value (a member of its state) and applies around its own
/// requests, without an extra actor: the in-caller counterpart of a route.
///
///     remedy::guard g{settings};  // in the actor's state
///     g.request(self, target, 1s, get_atom::value, key)
///       .then([](int x) { ... }, [](caf::error& err) { ... });
///
/// Composition order, fixed, outermost first (Resilience4j's default order):
///
///     retry -> circuit breaker -> bulkhead -> timeout -> target
///
/// - Retry is outermost: each attempt asks the breaker and the bulkhead
///   again. `breaker_open` and `bulkhead_full` end the request unless the
///   policy opts in. Delays run on CAF's clock.
/// - The breaker is outside the bulkhead: an open breaker rejects without
///   taking a permit, and a bulkhead rejection is recorded as ignored (it
///   frees a half-open probe slot), not as a failure.
/// - The bulkhead holds a permit from the attempt's start to its outcome
///   (reply, error or timeout), released exactly once; it never queues.
/// - The timeout applies per attempt (CAF's request timeout): a timed-out
///   attempt is a breaker failure and reaches the caller (or the retry) as
///   `errc::timeout`. With retries, a request may take up to
///   `max_attempts` timeouts plus the delays.
///
/// Rejected attempts (`errc::breaker_open`, `errc::bulkhead_full`) never
/// reach the target; the error handler still runs in a later message, as for
/// every answer. Times come from the actor's clock (`self->clock().now()`),
/// so CAF's test coordinator drives a guard in virtual time. The clock is
/// read only when the breaker can use the time, at most once per message
/// the actor handles (the reply that ends one attempt and the next request
/// its handler makes share one read). A breaker with a count-based window
/// and the slow-call rule off (`slow_call_duration = caf::timespan::max()`)
/// needs no time while closed and its calls succeed: that steady state
/// reads no clock at all (see `circuit_breaker::record_needs_time`). A guard belongs to one actor: it is not thread-safe, and it must
/// outlive the requests it guards (a member of the actor's state does).
/// Moving a guard keeps its pending requests valid.
class guard {
public:
  /// A guard without stages: requests pass through and are only counted.
  guard();

  /// A guard with `settings`; throws `std::invalid_argument` naming the bad
  /// field if `settings.validate()` fails (see `make` for no exception).
  explicit guard(guard_settings settings);

  /// Returns a guard with `settings`, or the error of `settings.validate()`.
  static caf::expected<guard> make(guard_settings settings);

  /// Moves the guard; requests it has pending stay valid (they refer to
  /// its core, which does not move). A moved-from guard may only be
  /// assigned to or destroyed.
  guard(guard&&) noexcept = default;

  /// Move-assigns; see the move constructor.
  guard& operator=(guard&&) noexcept = default;

  /// Destroys the guard. Its pending requests must be gone (they are when
  /// the guard is a member of the actor's state and the actor exits).
  ~guard();

  /// Prepares request `xs...` from `self` to `dest` with a timeout per
  /// attempt; call `then` on the result to send it. `self` is an
  /// event-based actor (typed or not); `dest` a handle CAF's `request`
  /// accepts.
  template <class Self, class Handle, class... Ts>
  guarded_request<Self, Handle, std::decay_t<Ts>...>
  request(Self* self, const Handle& dest, caf::timespan timeout, Ts&&... xs) {
    return {core_.get(), self, dest, caf::duration{timeout},
            std::tuple<std::decay_t<Ts>...>{std::forward<Ts>(xs)...}};
  }

  /// As above, without a timeout (`caf::infinite`): no timer per attempt,
  /// so it is the fastest; an attempt ends only with a reply or an error.
  template <class Self, class Handle, class... Ts>
  guarded_request<Self, Handle, std::decay_t<Ts>...>
  request(Self* self, const Handle& dest, caf::infinite_t, Ts&&... xs) {
    return {core_.get(), self, dest, caf::duration{caf::infinite},
            std::tuple<std::decay_t<Ts>...>{std::forward<Ts>(xs)...}};
  }

  /// As above, with a CAF duration (`caf::infinite` for none).
  template <class Self, class Handle, class... Ts>
  guarded_request<Self, Handle, std::decay_t<Ts>...>
  request(Self* self, const Handle& dest, const caf::duration& timeout,
          Ts&&... xs) {
    return {core_.get(), self, dest, timeout,
            std::tuple<std::decay_t<Ts>...>{std::forward<Ts>(xs)...}};
  }

  /// The breaker's state (`closed` without a breaker). An open breaker turns
  /// half-open at the first attempt after its open duration, not before.
  breaker_state state() const;

  /// The counters.
  guard_stats stats() const;

  /// The breaker, if the guard has one: for its metrics, and for the
  /// operator overrides (`force_open`, `disable`, `reset`, and the manual
  /// transitions `transition_to_open`, `transition_to_half_open`,
  /// `transition_to_closed`; pass `self->clock().now()`), which take effect
  /// at the next attempt. Transitions they make reach `on_transition` at the
  /// guard's next attempt or outcome.
  circuit_breaker* breaker();

  /// As above, read-only.
  const circuit_breaker* breaker() const;

  /// The bulkhead, if the guard has one: for its metrics, and `resize`
  /// (a guard never queues: with a `max_queue` above 0, an attempt that
  /// would wait is withdrawn and rejected as `bulkhead_full`).
  remedy::bulkhead* pool();

  /// As above, read-only.
  const remedy::bulkhead* pool() const;

  /// The settings the guard was made with.
  const guard_settings& settings() const;

private:
  explicit guard(std::unique_ptr<detail::guard_core> core);

  std::unique_ptr<detail::guard_core> core_;
};

} // namespace remedy
