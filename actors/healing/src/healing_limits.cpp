#include "remedy/healing/healing_limits.hpp"

#include <algorithm>
#include <cmath>

namespace remedy {

const char* to_string(admission x) {
  switch (x) {
    case admission::admitted:
      return "admitted";
    case admission::busy:
      return "busy";
    case admission::cooling:
      return "cooling";
    case admission::capped:
      return "capped";
    case admission::over_budget:
      return "over_budget";
  }
  return "<invalid admission>";
}

healing_limits::healing_limits(uint32_t max_concurrent, double max_disruption,
                               caf::timespan cooldown)
  : max_concurrent_(max_concurrent),
    max_disruption_(max_disruption),
    cooldown_(cooldown) {
}

uint32_t healing_limits::budget(uint32_t size) const {
  auto n = static_cast<uint32_t>(
    std::floor(max_disruption_ * static_cast<double>(size) + 1e-9));
  return std::max<uint32_t>(1, n);
}

uint32_t healing_limits::active_in(const std::string& group) const {
  auto i = groups_.find(group);
  return i == groups_.end() ? 0 : i->second;
}

admission healing_limits::check(const std::string& target,
                                const std::string& group, uint32_t group_size,
                                time_point now) const {
  if (healing_.count(target) != 0)
    return admission::busy;
  if (now < cooldown_until(target))
    return admission::cooling;
  if (active_ >= max_concurrent_)
    return admission::capped;
  if (!group.empty() && active_in(group) >= budget(group_size))
    return admission::over_budget;
  return admission::admitted;
}

void healing_limits::begin(const std::string& target,
                           const std::string& group) {
  if (!healing_.insert(target).second)
    return;
  ++active_;
  if (!group.empty())
    ++groups_[group];
}

void healing_limits::end(const std::string& target, const std::string& group,
                         time_point now) {
  if (healing_.erase(target) == 0)
    return;
  --active_;
  if (!group.empty()) {
    auto i = groups_.find(group);
    if (i != groups_.end() && --i->second == 0)
      groups_.erase(i);
  }
  cooldown_until_[target] = now + cooldown_;
}

healing_limits::time_point
healing_limits::cooldown_until(const std::string& target) const {
  auto i = cooldown_until_.find(target);
  return i == cooldown_until_.end() ? time_point{} : i->second;
}

} // namespace remedy
