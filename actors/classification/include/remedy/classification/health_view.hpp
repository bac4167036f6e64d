#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// How a target is doing, from the best to the worst.
enum class health_state : uint8_t {
  /// No active fault.
  healthy,
  /// Active faults, but only predictions or ones below the view's
  /// confidence bar.
  suspect,
  /// An active fault the view is confident of.
  faulty,
  /// Taken out of service by a healer or an operator, whatever its faults.
  quarantined,
};

const char* to_string(health_state x);

/// One target's health, as the health view answers and publishes it.
struct target_health {
  std::string target;
  health_state state = health_state::healthy;
  /// Since when it is in `state`, on CAF's actor clock.
  caf::timespan since{0};
  /// Its active faults.
  std::vector<fault> faults;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, target_health& x) {
  return f(caf::meta::type_name("remedy.target_health"), x.target, x.state,
           x.since, x.faults);
}

/// "health.<state>", the topic a change of `x` is published under.
std::string topic(const target_health& x);

/// The rules of the health view.
struct health_view_settings {
  std::string name = "health";
  /// A fault with at least this confidence (0 to 1) makes its target
  /// faulty; below it, suspect. Predicted faults only ever make it suspect.
  double faulty_confidence = 0.7;

  caf::error validate() const;
};

/// The health view's state, as a value.
class health_book {
public:
  explicit health_book(health_view_settings settings);

  /// Applies a fault event; returns the target's new health if its state
  /// changed.
  std::optional<target_health> apply(const fault_event& x, caf::timespan now);

  /// Replaces every fault the view holds with `snapshot`'s (what a
  /// classifier holds now); quarantines stay. Returns the health of each
  /// target whose state changed.
  std::vector<target_health> sync(const fault_snapshot& snapshot,
                                  caf::timespan now);

  /// Quarantines (`on`) or releases a target; returns its new health if the
  /// state changed.
  std::optional<target_health> quarantine(const std::string& target, bool on,
                                          caf::timespan now);

  /// The health of `target` (healthy if the view never heard of it).
  target_health get(const std::string& target) const;

  /// Every target the view knows, by name.
  std::vector<target_health> all() const;

private:
  struct record {
    target_health health;
    bool quarantined = false;
  };

  health_state evaluate(const record& r) const;
  std::optional<target_health> update(record& r, caf::timespan now);

  health_view_settings settings_;
  std::map<std::string, record> targets_;
};

/// Spawns the health view: subscribes to "fault." on the bus (and takes
/// fault events sent to it directly), publishes a `target_health` under
/// "health.<state>" whenever a target's state changes, and answers the
/// requests of its typed face (health_view_actor.hpp):
/// - `(health_atom, target)` -> `target_health`
/// - `(health_atom)` -> `std::vector<target_health>`
/// - `(quarantine_atom, target)`, `(release_atom, target)` -> `target_health`
caf::expected<caf::actor> spawn_health_view(caf::actor_system& sys,
                                            health_view_settings settings
                                            = {});

/// A start function for a health view in a tree. Every incarnation starts
/// with the quarantines its predecessor held (operator decisions survive a
/// restart) and asks the classifiers for their faults ("classifier.sync"),
/// so it converges to what they hold now.
start_fn health_view_start(health_view_settings settings = {});

} // namespace remedy
