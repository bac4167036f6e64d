#include "remedy/supervision/restart_intensity.hpp"

#include "remedy/core/error.hpp"

namespace remedy {

void restart_intensity::expire(time_point now) {
  // OTP keeps restarts with `then >= now - period`.
  while (!stamps_.empty() && now - stamps_.front() > period_)
    stamps_.pop_front();
}

bool restart_intensity::record(time_point now) {
  expire(now);
  stamps_.push_back(now);
  return stamps_.size() <= max_restarts_;
}

size_t restart_intensity::count(time_point now) const {
  size_t result = 0;
  for (auto t : stamps_)
    if (now - t <= period_)
      ++result;
  return result;
}

caf::error restart_intensity::validate() const {
  if (period_.count() <= 0)
    return make_error(errc::invalid_argument,
                      "period: must be positive, got "
                        + std::to_string(period_.count()) + "ns");
  return caf::none;
}

} // namespace remedy
