#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// Whether a healing may start now.
enum class admission : uint8_t {
  admitted,
  /// The target is being healed already (one healing per target).
  busy,
  /// The target's cooldown since its last healing has not passed.
  cooling,
  /// As many healings run as the orchestrator allows at once.
  capped,
  /// The target's group has its disruption budget taken.
  over_budget,
};

/// "admitted", "busy", "cooling", "capped", "over_budget".
const char* to_string(admission x);

/// The orchestrator's limits as a value: one healing per target, a cooldown
/// per target after each healing, a cap on healings at once, and a
/// disruption budget per group (Kubernetes' PodDisruptionBudget): never more
/// than `max(1, floor(share * group_size))` targets of one group at once.
class healing_limits {
public:
  using time_point = caf::actor_clock::time_point;

  healing_limits(uint32_t max_concurrent, double max_disruption,
                 caf::timespan cooldown);

  /// Whether `target` of `group` (of `group_size` targets; an empty group
  /// is the target alone) may start a healing at `now`.
  admission check(const std::string& target, const std::string& group,
                  uint32_t group_size, time_point now) const;

  /// A healing of `target` started.
  void begin(const std::string& target, const std::string& group);

  /// The healing of `target` ended at `now`: its cooldown starts.
  void end(const std::string& target, const std::string& group,
           time_point now);

  /// When `target`'s cooldown ends (a past time if it has none).
  time_point cooldown_until(const std::string& target) const;

  /// How many targets of a group of `size` may be healed at once.
  uint32_t budget(uint32_t size) const;

  /// Healings running now.
  size_t active() const {
    return active_;
  }

  /// Healings running now in `group`.
  uint32_t active_in(const std::string& group) const;

private:
  uint32_t max_concurrent_;
  double max_disruption_;
  caf::timespan cooldown_;
  size_t active_ = 0;
  std::set<std::string> healing_;
  std::map<std::string, uint32_t> groups_;
  std::map<std::string, time_point> cooldown_until_;
};

} // namespace remedy
