#pragma once

// remedy-node's chaos scenario: the faults it injects and their seeded
// schedule. The schedule is a pure function of the seed and the run's shape,
// so both runs of a scenario (without and with Remedy) get the same one.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/timespan.hpp>

#include "remedy/classification/fault.hpp"

namespace remedy::node {

/// What the chaos injector makes a worker do.
enum class fault_kind : uint8_t {
  /// Throws in a handler: the incarnation dies.
  crash,
  /// Crashes, and the next few incarnations of the slot crash soon after
  /// they start (the count lives in a per-slot table that survives
  /// restarts).
  crash_loop,
  /// Alive but silent: holds every request unanswered and stops beating.
  hang,
  /// Answers every request after an extra delay, for this incarnation.
  slow,
  /// Answers every request with an error for a while (or until restarted).
  error_burst,
  /// A memory gauge that grows every tick until its limit; then the worker
  /// crashes. A restart frees it.
  leak,
  /// Several workers crash at once (one entry per worker, same `group`).
  group_loss,
};

constexpr size_t fault_kind_count = 7;

/// "crash", "crash_loop", "hang", "slow", "error_burst", "leak",
/// "group_loss".
const char* to_string(fault_kind x);

/// The fault class a correct classification names for `x`.
fault_class expected_class(fault_kind x);

/// Whether a fault of class `c` on the target of an injected fault of kind
/// `x` is a symptom of it rather than a false positive: the classifier's
/// precedence lets the expected class take such a fault over (a hang's
/// timed-out calls raise its route's latency and error rate; a crash's
/// bounced requests its error rate; a leak that ran to its limit crashes).
bool is_symptom(fault_kind x, fault_class c);

/// One fault of the schedule. Group losses have one entry per worker.
struct planned_fault {
  /// 1, 2, ... in order of time.
  uint32_t id = 0;
  fault_kind kind = fault_kind::crash;
  /// Offset from the start of the run.
  caf::timespan at{0};
  /// The worker slot (0 .. workers - 1).
  size_t slot = 0;
  /// The group-loss group (0: none).
  uint32_t group = 0;
};

/// The shape of one run.
struct run_shape {
  size_t workers = 8;
  /// From the start of the load to its end.
  caf::timespan length{std::chrono::seconds(30)};
  /// The fault-free first phase (overhead is measured in it).
  caf::timespan warmup{std::chrono::seconds(5)};
  /// The fault-free last phase (the last faults recover in it).
  caf::timespan tail{std::chrono::seconds(7)};
};

/// The shape of each run of a scenario of `total` seconds (both runs).
run_shape shape_for(caf::timespan total, size_t workers);

/// The seeded schedule: rounds of one fault of every kind in a shuffled
/// order, spread evenly over [warmup, length - tail) with jitter; one round
/// per 8 s of that window (at least one). Targets are drawn among the
/// workers never hit before (then the least recently hit), so faults do not
/// pile up on one worker; a group loss takes `max(2, 3 * workers / 8)`
/// workers at once. Deterministic for a seed.
std::vector<planned_fault> plan_faults(uint64_t seed, const run_shape& shape);

} // namespace remedy::node
