#pragma once

#include <cstdint>

namespace remedy {

/// Whether a child is a worker or a supervisor of its own subtree. The type
/// only changes the default shutdown (5 s for workers, infinity for
/// supervisors) and what `count_children` reports.
enum class child_type : uint8_t {
  worker,
  supervisor,
};

/// Returns "worker" or "supervisor".
const char* to_string(child_type x);

} // namespace remedy
