#pragma once

// remedy-node's supervision demo: what it measures and what that says. An
// observer records the run's supervision and fault events; the analysis
// matches them with the crashes the workers performed (their ledger) and
// with the client's replies.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "demo_load.hpp"
#include "demo_service.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy::node {

// -- event observer -----------------------------------------------------------

/// Every "supervision." event of the run, in arrival order.
struct event_log {
  std::mutex mtx;
  std::vector<supervision_event> events;
  /// Every fault event of the detection pipeline, with when it arrived.
  std::vector<std::pair<steady::time_point, fault_event>> faults;
  std::atomic<uint64_t> restarts{0};
  std::atomic<uint64_t> escalations{0};
};

using event_log_ptr = std::shared_ptr<event_log>;

/// Spawns the observer, which records every supervision and fault event in
/// `log`. Subscribed from its start, so `ready_atom` only confirms that it
/// runs. `flush_atom` unsubscribes and replies: publishing enqueues into
/// each subscriber's mailbox at once, so every event published before the
/// request was sent is recorded by then.
caf::actor spawn_observer(caf::actor_system& sys, event_log_ptr log);

// -- analysis -----------------------------------------------------------------

/// One row of the per-child table, from the events (and the ledger).
struct child_row {
  std::string key;
  bool is_supervisor = false;
  uint64_t injected = 0;
  uint64_t exits = 0;
  uint64_t strategy_stops = 0;
  uint64_t restarts = 0;
  uint64_t restarts_own = 0;
  uint64_t restarts_sibling = 0;
  uint64_t parent_starts = 0;
  uint64_t start_failures = 0;
  // Scratch while scanning.
  bool started_once = false;
  enum { none, own, strategy } last_down = none;
};

struct latency_set {
  std::vector<caf::timespan> xs;

  /// "n=<count>  min <x>  median <x>  max <x>", or "n=0".
  std::string describe() const;
};

struct analysis {
  std::vector<child_row> rows;
  std::unordered_map<std::string, size_t> row_of;
  uint64_t crashes = 0;
  uint64_t crashes_with_exit = 0;
  uint64_t crashes_restarted = 0;
  uint64_t by_mode[crash_mode_count] = {};
  latency_set to_restart;
  latency_set to_reply;
  uint64_t reply_not_measured = 0;
  std::vector<std::string> unrestarted;
  std::vector<supervision_event> escalations;
  std::vector<caf::timespan> backoff_delays;
  uint64_t shutdown_stops = 0;
  std::vector<std::string> shutdown_order;
  uint64_t escalation_stops = 0;
  bool root_shutdown_seen = false;
  caf::error root_shutdown_reason;

  child_row& row(const std::string& key) {
    auto i = row_of.find(key);
    if (i != row_of.end())
      return rows[i->second];
    row_of.emplace(key, rows.size());
    rows.push_back(child_row{});
    rows.back().key = key;
    return rows.back();
  }
};

/// What the detection pipeline made of the injected crashes.
struct detection_analysis {
  /// Injected crashes during which a crash or crash_loop fault of the
  /// crashed child was active (raised by then, or within `grace` after).
  size_t classified = 0;
  /// Crash to the raise of a fault that was not active yet at the crash.
  latency_set to_fault;
  /// Crashed children and supervisors that escalated (a supervisor that
  /// gives up is a crash loop of its own, and a crash of its parent's
  /// child), and faults raised on other targets.
  std::set<std::string> crashed;
  std::vector<std::string> stray;
  size_t raised = 0;
  std::map<std::string, size_t> by_class;
  std::vector<std::string> missed;
};

/// What the events and the client's replies say about the performed
/// `crashes`; a child_terminated from `stop_at` on belongs to the shutdown.
analysis analyze(const std::vector<supervision_event>& events,
                 const std::vector<crash_record>& crashes,
                 const client_report& client, steady::time_point stop_at);

/// Whether the detection pipeline classified each performed crash.
detection_analysis
analyze_detection(const std::vector<supervision_event>& events,
                  const std::vector<crash_record>& crashes,
                  const std::vector<std::pair<steady::time_point, fault_event>>&
                    faults);

} // namespace remedy::node
