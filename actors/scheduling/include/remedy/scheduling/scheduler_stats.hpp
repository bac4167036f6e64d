#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// A scheduler's counters; the reply to `scheduler_stats_of`. Every task
/// ends once: `submitted == done + failed + expired + rejected + queued +
/// running` at all times.
struct scheduler_stats {
  uint64_t submitted = 0;
  /// Answered with a worker's reply.
  uint64_t done = 0;
  /// Answered `task_failed` after its last attempt failed.
  uint64_t failed = 0;
  /// Answered `task_expired` (deadline passed, queued or running).
  uint64_t expired = 0;
  /// Answered `task_rejected` (queue full, shed, no workers).
  uint64_t rejected = 0;
  /// Waiting for a worker now.
  uint64_t queued = 0;
  /// At a worker now.
  uint64_t running = 0;
  /// Attempts after the first (retries, not hedges).
  uint64_t retries = 0;
  /// Second copies sent, and how many answered first.
  uint64_t hedges = 0;
  uint64_t hedge_wins = 0;
  /// Replies to attempts already given up or won by another copy.
  uint64_t late_replies = 0;
  uint64_t ejections = 0;

  uint64_t ended() const {
    return done + failed + expired + rejected;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scheduler_stats& x) {
  return f(caf::meta::type_name("remedy.scheduler_stats"), x.submitted,
           x.done, x.failed, x.expired, x.rejected, x.queued, x.running,
           x.retries, x.hedges, x.hedge_wins, x.late_replies, x.ejections);
}

/// One worker as a scheduler sees it; `workers_of` returns them.
struct worker_info {
  std::string name;
  /// "ready", "ejected", "probing", "isolated", "faulty" (the health view
  /// says faulty or quarantined).
  std::string state;
  bool suspect = false;
  uint32_t outstanding = 0;
  uint32_t limit = 0;
  uint64_t done = 0;
  uint64_t failed = 0;
  uint32_t ejections = 0;
  /// Peak-EWMA latency now.
  caf::timespan latency{0};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_info& x) {
  return f(caf::meta::type_name("remedy.worker_info"), x.name, x.state,
           x.suspect, x.outstanding, x.limit, x.done, x.failed, x.ejections,
           x.latency);
}

} // namespace remedy
