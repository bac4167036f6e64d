#pragma once

#include <cstdint>

namespace remedy {

/// When a supervisor shuts itself down because significant children ended by
/// themselves (OTP's `auto_shutdown`). The supervisor then stops its other
/// children and exits with `exit_reason::user_shutdown`, a normal exit.
enum class auto_shutdown : uint8_t {
  /// Never (the default). Significant children are not allowed.
  never,
  /// As soon as any significant child has terminated.
  any_significant,
  /// Once every significant child has terminated.
  all_significant,
};

/// Returns OTP's name, e.g. "any_significant".
const char* to_string(auto_shutdown x);

} // namespace remedy
