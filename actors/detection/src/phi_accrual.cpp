#include "remedy/detection/phi_accrual.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "detector_support.hpp"

namespace remedy {

namespace {

constexpr const char* kind = "phi accrual detector";

constexpr uint32_t max_samples = 1'000'000;

constexpr double two_pow_64 = 18446744073709551616.0;

// The cap of an interval in microseconds: 3.6e9 fits 32 bits and its
// square 64 bits.
constexpr int64_t max_interval_us
  = std::chrono::duration_cast<std::chrono::microseconds>(
      phi_accrual::max_interval)
      .count();

// `us` clamped to [0, max_interval].
uint32_t clamp_us(int64_t us) {
  return static_cast<uint32_t>(std::clamp<int64_t>(us, 0, max_interval_us));
}

// Microseconds of `x`, truncated and clamped to [0, max_interval].
uint32_t interval_us(caf::timespan x) {
  return clamp_us(
    std::chrono::duration_cast<std::chrono::microseconds>(x).count());
}

} // namespace

double phi_of(double elapsed_ms, double mean_ms, double sd_ms) {
  if (!(sd_ms > 0.0))
    sd_ms = std::numeric_limits<double>::denorm_min();
  auto y = (elapsed_ms - mean_ms) / sd_ms;
  if (std::isnan(y))
    return 0.0;
  // -log10(e / (1 + e)) with e = exp(-a) is log10(1 + exp(a)), the softplus
  // of a in base 10; the split form never overflows for a finite a.
  // Finite, or +-inf when y^3 overflows (then phi is max_phi or 0).
  auto a = y * (1.5976 + 0.070566 * y * y);
  auto softplus = std::max(a, 0.0) + std::log1p(std::exp(-std::fabs(a)));
  auto phi = softplus / std::log(10.0);
  return std::clamp(phi, 0.0, phi_accrual::max_phi);
}

phi_accrual_settings phi_accrual_settings::akka(std::string name) {
  phi_accrual_settings result;
  result.name = std::move(name);
  result.threshold = 8.0;
  result.max_sample_size = 1000;
  result.min_std_deviation = std::chrono::milliseconds(100);
  result.acceptable_heartbeat_pause = std::chrono::seconds(3);
  result.first_heartbeat_estimate = std::chrono::seconds(1);
  return result;
}

caf::error phi_accrual_settings::validate() const {
  using detail::describe;
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting(kind, name, what);
  };
  if (name.empty())
    return detail::empty_name(kind);
  if (!(threshold > 0.0 && threshold <= phi_accrual::max_phi))
    return fail("threshold must be in (0, " + describe(phi_accrual::max_phi)
                + "], got " + describe(threshold));
  if (max_sample_size < 1 || max_sample_size > max_samples)
    return fail("max_sample_size must be in [1, " + std::to_string(max_samples)
                + "], got " + std::to_string(max_sample_size));
  if (min_std_deviation.count() <= 0)
    return fail("min_std_deviation must be positive, got "
                + describe(min_std_deviation));
  if (acceptable_heartbeat_pause.count() < 0)
    return fail("acceptable_heartbeat_pause must not be negative, got "
                + describe(acceptable_heartbeat_pause));
  if (first_heartbeat_estimate.count() <= 0
      || first_heartbeat_estimate > phi_accrual::max_interval)
    return fail("first_heartbeat_estimate must be in (0, "
                + describe(phi_accrual::max_interval) + "], got "
                + describe(first_heartbeat_estimate));
  return caf::none;
}

phi_accrual::phi_accrual(phi_accrual_settings settings)
  : settings_(std::move(settings)),
    min_sd_ms_(detail::ms_of(settings_.min_std_deviation)),
    pause_ms_(detail::ms_of(
      std::max(settings_.acceptable_heartbeat_pause, caf::timespan{0}))) {
  ring_.resize(std::clamp<uint32_t>(settings_.max_sample_size, 1, max_samples));
  reset();
}

void phi_accrual::reset() {
  head_ = 0;
  size_ = 0;
  sum_ = 0;
  squares_lo_ = 0;
  squares_hi_ = 0;
  last_.reset();
  // Akka's seed: mean = estimate, deviation = estimate / 4 (integer
  // division in Akka's milliseconds, here in microseconds).
  int64_t mean = interval_us(settings_.first_heartbeat_estimate);
  auto sd = mean / 4;
  push(clamp_us(mean - sd));
  push(clamp_us(mean + sd));
}

void phi_accrual::push(uint32_t interval_us) {
  auto x = static_cast<uint64_t>(interval_us);
  auto sq = x * x; // < 2^64: intervals are at most 3.6e9 us
  if (size_ == ring_.size()) {
    auto old = static_cast<uint64_t>(ring_[head_]);
    auto old_sq = old * old;
    sum_ -= old;
    if (squares_lo_ < old_sq)
      --squares_hi_;
    squares_lo_ -= old_sq;
    ring_[head_] = interval_us;
    head_ = (head_ + 1) % ring_.size();
  } else {
    ring_[(head_ + size_) % ring_.size()] = interval_us;
    ++size_;
  }
  sum_ += x;
  squares_lo_ += sq;
  if (squares_lo_ < sq)
    ++squares_hi_;
  update_statistics();
}

bool phi_accrual::heartbeat(time_point now) {
  if (!last_) {
    last_ = now;
    return true;
  }
  if (now < *last_) {
    ++rejected_;
    return false;
  }
  if (available(now))
    push(interval_us(detail::elapsed(*last_, now)));
  else
    ++skipped_;
  last_ = now;
  return true;
}

void phi_accrual::update_statistics() {
  // size_ >= 1 always: the seeds are only ever replaced.
  auto n = static_cast<double>(size_);
  auto mean_us = static_cast<double>(sum_) / n;
  auto squares = static_cast<double>(squares_hi_) * two_pow_64
                 + static_cast<double>(squares_lo_);
  // E[x^2] - E[x]^2 can come out a hair below zero from rounding.
  auto variance = std::max(squares / n - mean_us * mean_us, 0.0);
  mean_ms_ = mean_us / 1e3;
  sd_ms_ = std::sqrt(variance) / 1e3;
  phi_mean_ms_ = mean_ms_ + pause_ms_;
  phi_sd_ms_ = std::max(sd_ms_, min_sd_ms_);
}

double phi_accrual::phi(time_point now) const {
  if (!last_)
    return 0.0;
  // A `now` before the last heartbeat counts as no time elapsed.
  auto elapsed = std::max(detail::elapsed(*last_, now), caf::timespan{0});
  return phi_of(detail::ms_of(elapsed), phi_mean_ms_, phi_sd_ms_);
}

bool phi_accrual::available(time_point now) const {
  return phi(now) < settings_.threshold;
}

} // namespace remedy
