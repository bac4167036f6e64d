#pragma once

// remedy-node's chaos scenario: the service's worker, the same code in both
// runs, and the ledger in which it writes down what it really did: every
// fault it performed, when a leak exhausted, and when the slot answered
// correctly again afterwards. "Injected" and "recovered" are read from the
// ledger, never assumed from what the injector sent.
//
// Protocol:
//   (work_atom, x)              -> lcg(x, iterations): ~150-300 us of CPU,
//                                  checked by the client with lcg_jump
//   (inject_atom, kind, id)     -> perform fault `id` of `kind` now
// With Remedy the worker beats on the bus every `beat` (target name
// "svc/worker-<slot>") and publishes its memory gauge `memory_mb`; without,
// it publishes nothing.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include "chaos_fault.hpp"

namespace remedy::node {

using steady = std::chrono::steady_clock;

using work_atom = caf::atom_constant<caf::atom("c_work")>;
using inject_atom = caf::atom_constant<caf::atom("c_inject")>;
using tick_atom = caf::atom_constant<caf::atom("c_tick")>;
using release_atom = caf::atom_constant<caf::atom("c_release")>;
using crash_now_atom = caf::atom_constant<caf::atom("c_crashnow")>;

/// The work: `n` steps of a 64-bit LCG from `x`.
uint64_t lcg(uint64_t x, uint64_t n);

/// The same value in O(log n) steps (the client's check).
uint64_t lcg_jump(uint64_t x, uint64_t n);

/// The number of LCG steps that take about `target` of CPU here.
uint64_t calibrate_iterations(caf::timespan target);

/// How the workers behave (the same in both runs).
struct worker_settings {
  uint64_t iterations = 100000;
  /// Heartbeat and leak tick interval.
  caf::timespan beat = std::chrono::milliseconds(100);
  /// Samples (`memory_mb`) every this many beats.
  uint32_t sample_every = 1;
  caf::timespan slow_delay = std::chrono::milliseconds(100);
  caf::timespan error_burst = std::chrono::seconds(4);
  /// Crashes of a crash loop, the first included.
  uint32_t crash_loop_crashes = 4;
  /// How long a crash-looping incarnation lives.
  caf::timespan crash_loop_life = std::chrono::milliseconds(40);
  double base_memory_mb = 8;
  double leak_limit_mb = 64;
  /// Growth of a leak per beat (really allocated): from 8 to 64 MB in
  /// 2.8 s.
  double leak_step_mb = 2;
  /// Requests a hung worker holds at most (older ones are dropped
  /// unanswered).
  size_t max_held = 20000;
};

struct performed_fault {
  uint32_t id = 0;
  size_t slot = 0;
  fault_kind kind = fault_kind::crash;
  steady::time_point at;
};

/// Written by the workers (from scheduler threads).
class chaos_ledger {
public:
  explicit chaos_ledger(size_t slots);

  void performed(uint32_t id, size_t slot, fault_kind kind);

  /// A leak reached its limit; the worker crashes next.
  void exhausted(size_t slot);

  /// A fault-free incarnation of `slot` answered correctly: every fault of
  /// the slot still waiting for it is over now.
  void good_answer(size_t slot) {
    if (pending_[slot].load(std::memory_order_relaxed))
      recovered(slot);
  }

  /// Crash loops still to come in `slot` (survives restarts): returns true
  /// and counts one down if the new incarnation must crash.
  bool take_crash_loop(size_t slot);

  void arm_crash_loop(size_t slot, uint32_t crashes);

  struct snapshot_t {
    std::vector<performed_fault> performed;
    /// fault id -> when its slot was healthy again.
    std::vector<std::pair<uint32_t, steady::time_point>> healthy;
    /// slot, when a leak in it exhausted.
    std::vector<std::pair<size_t, steady::time_point>> exhausted;
  };

  snapshot_t snapshot() const;

  size_t performed_count() const;

private:
  void recovered(size_t slot);

  mutable std::mutex mtx_;
  snapshot_t data_;
  std::vector<std::vector<uint32_t>> waiting_; // per slot
  std::vector<uint32_t> crash_loops_;          // per slot
  std::unique_ptr<std::atomic<bool>[]> pending_;
};

using ledger_ptr = std::shared_ptr<chaos_ledger>;

/// What one worker slot is started with.
struct worker_env {
  ledger_ptr ledger;
  worker_settings settings;
  size_t slot = 0;
  /// "svc/worker-<slot>".
  std::string target;
  /// Beat and publish samples (the run with Remedy).
  bool remedy = false;
};

using worker_env_ptr = std::shared_ptr<const worker_env>;

struct worker_state {
  enum mode_t : uint8_t { healthy, hung, slow, leaking } mode = healthy;
  /// Error burst until then (steady clock); none if epoch.
  steady::time_point errors_until{};
  std::vector<caf::response_promise> held;
  std::deque<std::pair<caf::response_promise, uint64_t>> delayed;
  std::vector<std::vector<char>> leak;
  double leak_mb = 0;
  uint64_t beats = 0;
  static inline const char* name = "chaos_worker";
};

/// The worker. Spawn it with `start(chaos_worker, env)` under a
/// supervisor, or with `sys.spawn(chaos_worker, env)` for a plain pool.
caf::behavior chaos_worker(caf::stateful_actor<worker_state>* self,
                           worker_env_ptr env);

} // namespace remedy::node
