#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace remedy {

/// When a supervisor restarts a child that exited. OTP's three restart types.
enum class restart_type : uint8_t {
  /// Always restarted, whatever the exit reason.
  permanent,
  /// Restarted only after an abnormal exit (see `is_normal_exit`).
  transient,
  /// Never restarted; its spec is removed when it exits.
  temporary,
};

/// Returns "permanent", "transient" or "temporary".
const char* to_string(restart_type x);

/// Returns whether `reason` is a normal exit in OTP's sense: no error, CAF's
/// `exit_reason::normal`, or a shutdown (`exit_reason::user_shutdown`). A
/// transient child that exits normally is not restarted; every other reason
/// (including `exit_reason::kill` and any error) is abnormal.
bool is_normal_exit(const caf::error& reason);

/// Returns whether a child of type `x` that exited with `reason` is restarted.
bool should_restart(restart_type x, const caf::error& reason);

} // namespace remedy
