#pragma once

// remedy-node's chaos scenario: one run. The same workers, load and fault
// schedule, either behind a plain CAF actor_pool (no supervision beyond
// what CAF gives, no detection, no healing) or with Remedy: a supervision
// tree of the workers, the fault-aware scheduler over their endpoints (each
// worker's breaker, bulkhead, timeout and samples), the detection tree
// (detectors, classifier, health view) and the healing orchestrator.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/timespan.hpp>

#include "chaos_fault.hpp"
#include "chaos_scoring.hpp"
#include "chaos_worker.hpp"
#include "remedy/classification/detection_tree.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/healing/healing_settings.hpp"

namespace remedy::node {

struct run_settings {
  bool remedy = false;
  run_shape shape;
  uint64_t seed = 1;
  double load_rps = 500;
  /// The client's timeout per request (both runs).
  caf::timespan client_timeout = std::chrono::seconds(1);
  worker_settings worker;
  std::vector<planned_fault> plan;
  /// CAF's scheduler.max-threads.
  size_t threads = 2;
  /// Without Remedy only: instead of the pool, one plain CAF relay actor in
  /// front of the workers, picking round robin, asking in its own name and
  /// answering with a response promise: the hop the scheduler adds, as a
  /// bare CAF actor (bench_overhead's `relays` side, CAF's floor for it).
  bool relays = false;
};

/// The detection pipeline's settings for the scenario's time scale (see
/// docs/chaos-scenario.md for why each value is what it is).
detection_tree_settings scenario_detection(const worker_settings& w);

/// The orchestrator's settings for the scenario.
healing_settings scenario_healing(uint64_t seed);

/// Read by the progress line while a run goes on.
struct live_counters {
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> succeeded{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<int64_t> open_faults{0};
  std::atomic<int64_t> healings_active{0};
  std::atomic<uint64_t> injected{0};
  /// Set by the signal handler (or anyone) to cut the run short.
  std::atomic<bool>* stop = nullptr;
};

struct request_record {
  /// From the start of the run.
  float sent_s = 0;
  /// To the answer (or the error).
  float latency_ms = 0;
  bool done = false;
  bool ok = false;
};

struct fault_record {
  uint64_t id = 0;
  fault_class cls = fault_class::crash;
  std::string target;
  bool raised = true; // else cleared
  double at_s = 0;
  /// What the evidence says (detector: detail; ...), for the report.
  std::string evidence;
};

struct healing_record {
  healing_event_kind kind = healing_event_kind::decided;
  uint64_t healing = 0;
  uint32_t attempt = 0;
  uint64_t fault = 0;
  fault_class cls = fault_class::crash;
  std::string target;
  std::string strategy;
  std::string detail;
  double at_s = 0;
};

struct run_result {
  bool remedy = false;
  /// Cut short (a signal).
  bool partial = false;
  /// Set when the run could not be set up; nothing else is valid then.
  std::string error;
  /// How long the load ran.
  double load_s = 0;
  std::vector<request_record> requests;
  chaos_ledger::snapshot_t ledger;
  steady::time_point start;
  std::vector<fault_record> faults;
  std::vector<healing_record> healings;
  /// CPU time (user + system) of the process in the warm-up window ...
  double warmup_cpu_s = 0;
  /// ... and of the client's own thread in it (the load generator, not the
  /// service).
  double warmup_client_cpu_s = 0;
  double warmup_from_s = 0;
  double warmup_to_s = 0;
};

/// Runs one run; blocks until it is over (or cut short through
/// `live.stop`) and everything it started has stopped.
run_result run_once(const run_settings& settings, live_counters& live);

} // namespace remedy::node
