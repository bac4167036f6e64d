#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// How retry delays grow from one retry to the next.
enum class retry_backoff_kind : uint8_t {
  /// Always `base`.
  constant,
  /// `base * n` for retry n = 1, 2, ..., capped at `cap`.
  linear,
  /// `base * multiplier^(n - 1)` for retry n = 1, 2, ..., capped at `cap`.
  exponential,
};

/// Returns "constant", "linear" or "exponential".
const char* to_string(retry_backoff_kind x);

/// What a retry stage does after a failed attempt.
enum class retry_verdict : uint8_t {
  /// Try again after `retry_decision::delay`.
  retry,
  /// Give up: the failed attempt was attempt number `max_attempts`.
  exhausted,
  /// Give up: this error is not retried (see `retry_policy::retries`).
  not_retryable,
};

/// Returns "retry", "exhausted" or "not_retryable".
const char* to_string(retry_verdict x);

/// The answer of `retry_policy::decide`.
struct retry_decision {
  /// Retry, or give up and why. On giving up the client gets the error of
  /// the last attempt.
  retry_verdict verdict = retry_verdict::not_retryable;
  /// How long to wait before the next attempt (0 unless `retry`).
  caf::timespan delay{0};

  /// Whether to try again.
  bool retry() const {
    return verdict == retry_verdict::retry;
  }
};

/// When and how often a retry stage tries a failed request again, as an
/// immutable value refined fluently:
///
///     retry_policy::exponential(4, 100ms, 1s).with_jitter(0.2)
///
/// makes at most 4 attempts in all. **`max_attempts` counts the first
/// call** (as Resilience4j's `maxAttempts`; unlike Polly's retry count):
/// 1 means no retry, 4 means the first call and up to 3 retries.
///
/// After failed attempt number `a` (1-based: the first call is attempt 1)
/// the stage waits the delay of retry `n = a` before attempt `a + 1`. The
/// base delay of retry n is, with `base` and `cap`:
///
/// - constant: `base` (100 ms, 100 ms, 100 ms, ...);
/// - linear: `min(base * n, cap)` (100 ms, 200 ms, 300 ms, ..., cap);
/// - exponential: `min(base * multiplier^(n - 1), cap)`, multiplier 2 by
///   default (100 ms, 200 ms, 400 ms, 800 ms, 1 s, 1 s, ...).
///
/// Jitter works as in `remedy::backoff` (which computes constant and
/// exponential delays): a delay is `base + base * jitter * random` for a
/// uniform `random` in [0, 1), so it lies in `[base, base * (1 + jitter)]`;
/// the cap bounds the base, so no delay exceeds `cap * (1 + jitter)`.
/// Products that would overflow saturate at the cap.
///
/// Which errors are retried: an error is retried when `retry_on` (default:
/// every error) says so, except that `errc::breaker_open` and
/// `errc::bulkhead_full` are never retried unless opted in with
/// `with_retry_breaker_open()` / `with_retry_bulkhead_full()`, whatever
/// `retry_on` says: retrying into an open breaker or a full pool only adds
/// load where the system is shedding it. All other errors, including
/// `errc::timeout` and `errc::bulkhead_timeout`, go to `retry_on`.
///
/// The default-constructed policy is Resilience4j's default: 3 attempts with
/// a constant 500 ms between them, no jitter.
class retry_policy {
public:
  /// Decides whether an error may be retried; an empty function retries
  /// every error.
  using predicate = std::function<bool(const caf::error&)>;

  /// Resilience4j's default: 3 attempts, constant 500 ms.
  retry_policy() = default;

  /// No retries: one attempt.
  static retry_policy none();

  /// Up to `max_attempts` attempts without delay between them.
  static retry_policy immediate(uint32_t max_attempts);

  /// Up to `max_attempts` attempts, `delay` apart.
  static retry_policy constant(uint32_t max_attempts, caf::timespan delay);

  /// Up to `max_attempts` attempts; retry n waits `min(base * n, cap)`.
  static retry_policy linear(uint32_t max_attempts, caf::timespan base,
                             caf::timespan cap);

  /// Up to `max_attempts` attempts; retry n waits `min(base * 2^(n-1), cap)`
  /// (see `with_multiplier`).
  static retry_policy exponential(uint32_t max_attempts, caf::timespan base,
                                  caf::timespan cap);

  /// Returns a copy with at most `n` attempts in all (the first included).
  retry_policy with_max_attempts(uint32_t n) const;

  /// Returns a copy that adds up to `fraction` (0 to 1) of random delay.
  retry_policy with_jitter(double fraction) const;

  /// Returns a copy whose exponential delay grows by `factor` (>= 1) per
  /// retry. Only valid for exponential policies.
  retry_policy with_multiplier(double factor) const;

  /// Returns a copy that retries only errors for which `f` returns true
  /// (still never `breaker_open` or `bulkhead_full` without opting in).
  retry_policy with_retry_on(predicate f) const;

  /// Returns a copy that also retries `errc::breaker_open` (if `retry_on`
  /// agrees), or not.
  retry_policy with_retry_breaker_open(bool enabled = true) const;

  /// Returns a copy that also retries `errc::bulkhead_full` (if `retry_on`
  /// agrees), or not.
  retry_policy with_retry_bulkhead_full(bool enabled = true) const;

  /// Returns a copy that retries, or not, a value reply that the route's or
  /// guard's `failure_on_result` marks as a failure (Resilience4j's
  /// `retryOnResult`, Polly's `ShouldHandle` on results). On by default:
  /// such a reply is a failed attempt like an error. When the attempts run
  /// out, the client gets that last reply (a value, not an error).
  retry_policy with_retry_on_result(bool enabled = true) const;

  /// Decides what to do after attempt number `attempt` (1-based) got a value
  /// reply marked as a failure: `not_retryable` if results are not retried,
  /// else as `decide` for a retryable error. Attempt 0 counts as 1.
  retry_decision decide_result(uint32_t attempt, double random) const;

  /// Decides what to do after attempt number `attempt` (1-based) failed
  /// with `err`; `random` is a uniform sample from [0, 1) for the jitter
  /// (pass 0 for the base delay). Not retryable errors give up at once,
  /// whatever the attempt; otherwise the policy retries while `attempt <
  /// max_attempts`. Refuses (with `invalid_argument`) attempt 0 and an
  /// empty `err` (nothing failed).
  caf::expected<retry_decision> decide(uint32_t attempt, const caf::error& err,
                                       double random) const;

  /// Whether `err` may be retried at all (ignoring the attempt count).
  bool retries(const caf::error& err) const;

  /// The delay after failed attempt `attempt` (1-based), i.e. before
  /// attempt `attempt + 1`, with jitter picked by `random` in [0, 1).
  /// Attempt 0 counts as 1.
  caf::timespan delay(uint32_t attempt, double random) const;

  /// The delay after failed attempt `attempt` without jitter.
  caf::timespan base_delay(uint32_t attempt) const;

  /// Returns an error naming the bad value, or none: `max_attempts >= 1`;
  /// `base` not negative (positive for linear and exponential, whose delays
  /// would all be 0 otherwise: use `immediate`); `cap >= base`; jitter in
  /// [0, 1]; multiplier finite and >= 1, and 1 unless exponential.
  caf::error validate() const;

  // -- observers -------------------------------------------------------------

  uint32_t max_attempts() const {
    return max_attempts_;
  }

  retry_backoff_kind kind() const {
    return kind_;
  }

  caf::timespan base() const {
    return base_;
  }

  caf::timespan cap() const {
    return cap_;
  }

  double jitter() const {
    return jitter_;
  }

  double multiplier() const {
    return multiplier_;
  }

  bool retries_breaker_open() const {
    return retry_breaker_open_;
  }

  bool retries_bulkhead_full() const {
    return retry_bulkhead_full_;
  }

  bool retries_results() const {
    return retry_on_result_;
  }

  /// Whether a custom `retry_on` predicate is set.
  bool has_retry_on() const {
    return static_cast<bool>(retry_on_);
  }

private:
  /// Retry after failed attempt `attempt` unless the attempts ran out.
  retry_decision next(uint32_t attempt, double random) const;

  uint32_t max_attempts_ = 3;
  retry_backoff_kind kind_ = retry_backoff_kind::constant;
  caf::timespan base_ = std::chrono::milliseconds(500);
  caf::timespan cap_ = std::chrono::milliseconds(500);
  double multiplier_ = 1.0;
  double jitter_ = 0.0;
  predicate retry_on_;
  bool retry_breaker_open_ = false;
  bool retry_bulkhead_full_ = false;
  bool retry_on_result_ = true;
};

/// Renders e.g. "exponential(4 attempts, 100ms..1000ms, x2, jitter 0.2)" or
/// "constant(3 attempts, 500ms)"; notes opt-ins and a custom predicate.
std::string to_string(const retry_policy& x);

} // namespace remedy
