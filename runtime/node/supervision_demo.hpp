#pragma once

// remedy-node's supervision demo: a small service built as a supervision
// tree, driven by a client through its stable endpoints while workers crash
// at random; prints what was measured and checks it.

#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/timespan.hpp>

namespace remedy::node {

struct demo_options {
  /// How long the client drives load (crashes stop a little earlier, so the
  /// last ones can be seen to recover).
  caf::timespan duration = std::chrono::seconds(3);
  /// Seeds the crash schedule, the client's choices and backoff jitter.
  uint64_t seed = 0;
  /// Mean crashes per second (a Poisson process); 0 disables them.
  double crash_rate = 4.0;
  /// CAF's scheduler.max-threads.
  size_t threads = 2;
  /// Print only the checks and the verdict.
  bool quiet = false;
};

/// Runs the demo and returns the process exit code: 0 if every check held,
/// 1 otherwise.
int run_supervision_demo(const demo_options& opts);

} // namespace remedy::node
