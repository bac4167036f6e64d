#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

#include "remedy/supervision/child_type.hpp"

namespace remedy {

/// How a supervisor stops a child: OTP's `shutdown` field.
///
/// - `brutal_kill()`: the child is killed at once (`exit_reason::kill`).
/// - `timeout(t)`: the child gets `exit_reason::user_shutdown` on CAF's
///   high-priority path and `t` to exit; then it is killed.
/// - `infinity()`: the child gets `user_shutdown` and as long as it needs.
/// - `automatic()` (the default): `timeout(5s)` for workers and `infinity()`
///   for supervisors, as in OTP.
struct shutdown_spec {
  enum class kind : uint8_t { automatic, brutal_kill, timeout, infinity };

  kind mode = kind::automatic;
  caf::timespan grace{0};

  static shutdown_spec automatic() {
    return {};
  }

  static shutdown_spec brutal_kill() {
    return {kind::brutal_kill, caf::timespan{0}};
  }

  static shutdown_spec timeout(caf::timespan t) {
    return {kind::timeout, t};
  }

  static shutdown_spec infinity() {
    return {kind::infinity, caf::timespan{0}};
  }

  /// Resolves `automatic` to the default for a child of type `t`.
  shutdown_spec resolve(child_type t) const;

  friend bool operator==(const shutdown_spec& x, const shutdown_spec& y) {
    return x.mode == y.mode && x.grace == y.grace;
  }
};

/// The default grace period for workers (5 s, as OTP).
constexpr caf::timespan default_worker_shutdown = std::chrono::seconds(5);

/// Renders e.g. "brutal_kill", "5000ms" or "infinity".
std::string to_string(const shutdown_spec& x);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shutdown_spec& x) {
  return f(caf::meta::type_name("remedy.shutdown_spec"), x.mode, x.grace);
}

} // namespace remedy
