#include "remedy/routing/retry_policy.hpp"

#include <cmath>

#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/supervision/backoff.hpp"

namespace remedy {

const char* to_string(retry_backoff_kind x) {
  switch (x) {
    case retry_backoff_kind::constant:
      return "constant";
    case retry_backoff_kind::linear:
      return "linear";
    case retry_backoff_kind::exponential:
      return "exponential";
  }
  return "<invalid retry_backoff_kind>";
}

const char* to_string(retry_verdict x) {
  switch (x) {
    case retry_verdict::retry:
      return "retry";
    case retry_verdict::exhausted:
      return "exhausted";
    case retry_verdict::not_retryable:
      return "not_retryable";
  }
  return "<invalid retry_verdict>";
}

// -- factories ----------------------------------------------------------------

retry_policy retry_policy::none() {
  return immediate(1);
}

retry_policy retry_policy::immediate(uint32_t max_attempts) {
  return constant(max_attempts, caf::timespan{0});
}

retry_policy retry_policy::constant(uint32_t max_attempts,
                                    caf::timespan delay) {
  retry_policy result;
  result.max_attempts_ = max_attempts;
  result.kind_ = retry_backoff_kind::constant;
  result.base_ = delay;
  result.cap_ = delay;
  result.multiplier_ = 1.0;
  return result;
}

retry_policy retry_policy::linear(uint32_t max_attempts, caf::timespan base,
                                  caf::timespan cap) {
  auto result = constant(max_attempts, base);
  result.kind_ = retry_backoff_kind::linear;
  result.cap_ = cap;
  return result;
}

retry_policy retry_policy::exponential(uint32_t max_attempts,
                                       caf::timespan base, caf::timespan cap) {
  auto result = linear(max_attempts, base, cap);
  result.kind_ = retry_backoff_kind::exponential;
  result.multiplier_ = 2.0;
  return result;
}

retry_policy retry_policy::with_max_attempts(uint32_t n) const {
  auto result = *this;
  result.max_attempts_ = n;
  return result;
}

retry_policy retry_policy::with_jitter(double fraction) const {
  auto result = *this;
  result.jitter_ = fraction;
  return result;
}

retry_policy retry_policy::with_multiplier(double factor) const {
  auto result = *this;
  result.multiplier_ = factor;
  return result;
}

retry_policy retry_policy::with_retry_on(predicate f) const {
  auto result = *this;
  result.retry_on_ = std::move(f);
  return result;
}

retry_policy retry_policy::with_retry_breaker_open(bool enabled) const {
  auto result = *this;
  result.retry_breaker_open_ = enabled;
  return result;
}

retry_policy retry_policy::with_retry_bulkhead_full(bool enabled) const {
  auto result = *this;
  result.retry_bulkhead_full_ = enabled;
  return result;
}

// -- decisions ----------------------------------------------------------------

bool retry_policy::retries(const caf::error& err) const {
  if (!err)
    return false;
  if (is(err, errc::breaker_open) && !retry_breaker_open_)
    return false;
  if (is(err, errc::bulkhead_full) && !retry_bulkhead_full_)
    return false;
  return !retry_on_ || retry_on_(err);
}

caf::timespan retry_policy::base_delay(uint32_t attempt) const {
  return delay(attempt, 0.0);
}

caf::timespan retry_policy::delay(uint32_t attempt, double random) const {
  // Retry n = attempt (1-based) is backoff attempt n - 1 (0-based).
  auto n = attempt == 0 ? 0u : attempt - 1;
  switch (kind_) {
    case retry_backoff_kind::constant:
      return backoff::constant(base_).with_jitter(jitter_).delay(n, random);
    case retry_backoff_kind::exponential:
      return backoff::exponential(base_, cap_)
        .with_multiplier(multiplier_)
        .with_jitter(jitter_)
        .delay(n, random);
    case retry_backoff_kind::linear:
      break;
  }
  // Linear: base * (n + 1), computed in double and clamped before converting
  // back, so large attempt numbers saturate at the cap instead of
  // overflowing. The jitter is backoff's, applied to that base.
  auto linear = static_cast<double>(base_.count())
                * (static_cast<double>(n) + 1.0);
  auto base = !(linear < static_cast<double>(cap_.count()))
                ? cap_
                : caf::timespan{static_cast<caf::timespan::rep>(linear)};
  return backoff::constant(base).with_jitter(jitter_).delay(0, random);
}

caf::expected<retry_decision> retry_policy::decide(uint32_t attempt,
                                                   const caf::error& err,
                                                   double random) const {
  if (attempt == 0)
    return make_error(errc::invalid_argument,
                      "retry policy: decide: attempt numbers start at 1 (the "
                      "first call), got 0");
  if (!err)
    return make_error(errc::invalid_argument,
                      "retry policy: decide: no error (a successful attempt "
                      "is never retried)");
  if (!retries(err))
    return retry_decision{}; // not_retryable
  return next(attempt, random);
}

retry_policy retry_policy::with_retry_on_result(bool enabled) const {
  auto result = *this;
  result.retry_on_result_ = enabled;
  return result;
}

retry_decision retry_policy::decide_result(uint32_t attempt,
                                           double random) const {
  if (!retry_on_result_)
    return retry_decision{}; // not_retryable
  return next(attempt == 0 ? 1 : attempt, random);
}

retry_decision retry_policy::next(uint32_t attempt, double random) const {
  retry_decision result;
  if (attempt >= max_attempts_) {
    result.verdict = retry_verdict::exhausted;
    return result;
  }
  result.verdict = retry_verdict::retry;
  result.delay = delay(attempt, random);
  return result;
}

caf::error retry_policy::validate() const {
  auto fail = [](const std::string& what) {
    return make_error(errc::invalid_argument, "retry policy: " + what);
  };
  auto kind_name = std::string{to_string(kind_)};
  if (kind_ != retry_backoff_kind::constant
      && kind_ != retry_backoff_kind::linear
      && kind_ != retry_backoff_kind::exponential)
    return fail("kind: not a valid backoff kind");
  if (max_attempts_ == 0)
    return fail("max_attempts must be at least 1 (it counts the first call; "
                "1 means no retry)");
  if (base_.count() < 0)
    return fail("base delay must not be negative");
  if (kind_ != retry_backoff_kind::constant && base_.count() == 0)
    return fail("base delay must be positive for " + kind_name
                + " backoff (use immediate() for no delay)");
  if (cap_ < base_)
    return fail("cap must not be below the base delay");
  if (!(jitter_ >= 0.0 && jitter_ <= 1.0))
    return fail("jitter must be in [0, 1], got " + std::to_string(jitter_));
  if (!(multiplier_ >= 1.0) || std::isinf(multiplier_))
    return fail("multiplier must be finite and >= 1, got "
                + std::to_string(multiplier_));
  if (kind_ != retry_backoff_kind::exponential && multiplier_ != 1.0)
    return fail("multiplier applies to exponential backoff only, not "
                + kind_name);
  return caf::none;
}

std::string to_string(const retry_policy& x) {
  std::string result = to_string(x.kind());
  result += '(';
  result += std::to_string(x.max_attempts());
  result += x.max_attempts() == 1 ? " attempt, " : " attempts, ";
  result += format_ms(x.base());
  if (x.kind() != retry_backoff_kind::constant) {
    result += "..";
    result += format_ms(x.cap());
  }
  if (x.kind() == retry_backoff_kind::exponential) {
    result += ", x";
    result += format_number(x.multiplier());
  }
  if (x.jitter() != 0.0) {
    result += ", jitter ";
    result += format_number(x.jitter());
  }
  if (x.has_retry_on())
    result += ", retry_on";
  if (x.retries_breaker_open())
    result += ", retries breaker_open";
  if (x.retries_bulkhead_full())
    result += ", retries bulkhead_full";
  if (!x.retries_results())
    result += ", not on results";
  result += ')';
  return result;
}

} // namespace remedy
