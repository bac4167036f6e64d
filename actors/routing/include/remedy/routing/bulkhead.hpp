#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/core/detail/key_set.hpp"

namespace remedy {

/// Identifies one request to a bulkhead. The owner picks them (e.g. a
/// counter per bulkhead) and keeps the request itself, e.g. its response
/// promise, under that id; the bulkhead only ever sees the number.
using bulkhead_ticket = uint64_t;

/// What `bulkhead::try_enter` did with a request.
enum class bulkhead_decision : uint8_t {
  /// The request holds a permit: send it to the target now.
  admitted,
  /// All permits are held: the request waits in the queue until a release
  /// admits it, its max wait passes, or it is cancelled.
  queued,
  /// All permits are held and the queue is full: answer
  /// `errc::bulkhead_full` at once.
  rejected_full,
};

/// Returns "admitted", "queued" or "rejected_full".
const char* to_string(bulkhead_decision x);

/// The result of `bulkhead::try_enter`.
struct bulkhead_entry {
  /// What happened to the new request.
  bulkhead_decision decision = bulkhead_decision::rejected_full;
  /// Waiters whose max wait had passed at `now`, oldest first: answer each
  /// with `errc::bulkhead_timeout`. They are removed before the new request
  /// is decided, so they never hold a place it could have had.
  std::vector<bulkhead_ticket> expired;
};

/// The result of `bulkhead::release` and `bulkhead::resize`.
struct bulkhead_changes {
  /// Whether a permit was given back (`release` only: false when the ticket
  /// held none, e.g. a late reply after a timeout already released it).
  bool released = false;
  /// Waiters that now hold a permit, in queue (FIFO) order: send them to the
  /// target now. `release` admits at most one.
  std::vector<bulkhead_ticket> admitted;
  /// Waiters whose max wait had passed at `now`, oldest first: answer each
  /// with `errc::bulkhead_timeout`. They are removed before anyone is
  /// admitted, so no request is ever admitted after its deadline.
  std::vector<bulkhead_ticket> expired;
};

/// A bulkhead's counters, all since construction except `in_flight` and
/// `waiting`. They are exact and obey, at every moment:
///
///     offered  = admitted_directly + queued + rejected_full
///     queued   = admitted_from_queue + rejected_timeout + cancelled + waiting
///     admitted = admitted_directly + admitted_from_queue
///              = released + in_flight
///
/// hence shedding is exact: every request offered is admitted, rejected
/// (`rejected_full`, `rejected_timeout`), cancelled, or still waiting;
/// `offered = admitted + rejected_full + rejected_timeout + cancelled +
/// waiting`. Calls refused with an error (bad ticket) count nowhere.
struct bulkhead_metrics {
  /// Requests given to `try_enter` (and not refused with an error).
  uint64_t offered = 0;
  /// Requests that got a permit in `try_enter`, without waiting.
  uint64_t admitted_directly = 0;
  /// Requests that had to wait.
  uint64_t queued = 0;
  /// Waiters that got a permit later, in `release` or `resize`.
  uint64_t admitted_from_queue = 0;
  /// Requests rejected with `errc::bulkhead_full`.
  uint64_t rejected_full = 0;
  /// Waiters rejected with `errc::bulkhead_timeout`.
  uint64_t rejected_timeout = 0;
  /// Waiters withdrawn with `cancel`.
  uint64_t cancelled = 0;
  /// Permits given back.
  uint64_t released = 0;
  /// `release` calls for a ticket without a permit; they change nothing.
  uint64_t ignored_releases = 0;
  /// Permits held now.
  uint64_t in_flight = 0;
  /// Requests waiting now (the queue length).
  uint64_t waiting = 0;
  /// The most permits ever held at once.
  uint64_t peak_in_flight = 0;

  /// All permits granted: `admitted_directly + admitted_from_queue`.
  uint64_t admitted() const {
    return admitted_directly + admitted_from_queue;
  }
};

/// A bulkhead pool as a value: at most `max_concurrent` requests in flight to
/// the target, and a bounded FIFO queue of requests waiting for a permit,
/// each for at most `max_wait`. No actor, no clock, no I/O: the routing
/// actor owns one per pool, passes CAF's clock time in, sends admitted
/// requests on, answers rejected ones, and calls `expire` at
/// `next_deadline()`.
///
/// - `try_enter(now, t)` admits `t` while fewer than `max_concurrent`
///   permits are held, else queues it while fewer than `max_queue` wait,
///   else rejects it (`bulkhead_full`). A request never overtakes a waiter:
///   whenever someone waits, all permits are held.
/// - Permits belong to tickets. `release(now, t)` gives back the permit of
///   `t` on every outcome (reply, error, timeout, target down); releasing a
///   ticket that holds none (twice, or never admitted) changes nothing, so
///   the owner may release on every outcome it sees, including a late reply
///   after a timeout, without ever freeing a permit twice.
/// - Waiters are admitted strictly in arrival order, as soon as a permit is
///   free: by `release` (at most one per release) or by a `resize` that
///   adds permits.
/// - A waiter that entered at `t0` expires at `t0 + max_wait` exactly (not
///   one nanosecond later): `expire(now)` removes and returns every waiter
///   with `t0 + max_wait <= now`. `try_enter`, `release` and `resize` expire
///   due waiters first and report them too, so no request waits past its
///   deadline nor is admitted after it, whenever the owner calls `expire`.
/// - `cancel(t)` withdraws a waiter whose client went away. A permit is not
///   cancelled: the request is at the target and its permit comes back
///   with its outcome.
/// - `set_max_wait` changes `max_wait` at run time, for waiters already in
///   the queue too.
/// - `resize` changes `max_concurrent` and `max_queue` at run time.
///   Shrinking never revokes a held permit nor evicts a waiter: requests
///   beyond the new limits finish (or wait) normally, and new requests are
///   queued until `in_flight < max_concurrent` again (rejected while the
///   queue holds `max_queue` or more). Growing admits waiters at once.
///
/// Every operation is O(1) (amortized) except `cancel`, which is linear in
/// the queue length, and those returning several tickets, linear in their
/// number.
class bulkhead {
public:
  using time_point = caf::actor_clock::time_point;

  /// A pool with the limits in `settings`. Call `settings.validate()` first:
  /// with invalid settings the bulkhead still behaves as documented (e.g.
  /// `max_concurrent = 0` queues or rejects everything) but is useless.
  explicit bulkhead(bulkhead_settings settings);

  /// Offers request `ticket` at `now`. Refuses (with `invalid_argument`,
  /// counting nothing) a ticket that holds a permit or waits already.
  caf::expected<bulkhead_entry> try_enter(time_point now,
                                          bulkhead_ticket ticket);

  /// Gives back the permit of `ticket` at `now` and admits the next waiter
  /// if a permit is now free (after expiring due waiters). A ticket without
  /// a permit (never admitted, released already, or still waiting) changes
  /// nothing and is counted in `ignored_releases`; use `cancel` for a
  /// waiter.
  bulkhead_changes release(time_point now, bulkhead_ticket ticket);

  /// Removes and returns, oldest first, every waiter whose max wait has
  /// passed at `now` (`entered + max_wait <= now`).
  std::vector<bulkhead_ticket> expire(time_point now);

  /// Withdraws waiting `ticket`. Returns whether it was waiting.
  bool cancel(bulkhead_ticket ticket);

  /// Sets new limits at `now`: expires due waiters, then admits waiters
  /// while fewer than `max_concurrent` permits are held. Refuses (with
  /// `invalid_argument`, changing nothing) a `max_concurrent` of 0.
  caf::expected<bulkhead_changes>
  resize(time_point now, uint32_t max_concurrent, uint32_t max_queue);

  /// Sets a new `max_wait` at `now` (Resilience4j's `changeConfig` of
  /// `maxWaitDuration`). It applies to every waiter, including those
  /// waiting now: a waiter that entered at `t0` expires at `t0 + max_wait`
  /// with the new value. Returns, oldest first, the waiters whose new
  /// deadline has passed at `now`, removed and counted as
  /// `rejected_timeout`: answer each with `errc::bulkhead_timeout`.
  /// Refuses (with `invalid_argument`, changing nothing) a `max_wait` that
  /// is not positive.
  caf::expected<std::vector<bulkhead_ticket>>
  set_max_wait(time_point now, caf::timespan max_wait);

  /// When the oldest waiter expires, if anyone waits. The owner calls
  /// `expire` then (waiters expire in queue order: all share `max_wait`).
  std::optional<time_point> next_deadline() const;

  // -- observers -------------------------------------------------------------

  /// Permits held now.
  uint64_t in_flight() const {
    return holders_.size();
  }

  /// Requests waiting now.
  size_t queue_length() const {
    return queue_.size();
  }

  /// Permits free now: `max_concurrent - in_flight`, or 0 after a shrink
  /// below `in_flight`.
  uint64_t available() const;

  /// Whether `ticket` holds a permit.
  bool holds(bulkhead_ticket ticket) const {
    return holders_.count(ticket) > 0;
  }

  /// Whether `ticket` waits in the queue.
  bool is_waiting(bulkhead_ticket ticket) const {
    return waiting_.count(ticket) > 0;
  }

  /// The waiting tickets, oldest first.
  std::vector<bulkhead_ticket> waiters() const;

  /// The current limits (changed by `resize`).
  const bulkhead_settings& settings() const {
    return settings_;
  }

  /// The counters; see `bulkhead_metrics` for their invariants.
  bulkhead_metrics metrics() const;

private:
  struct waiter {
    bulkhead_ticket ticket;
    /// When it entered the queue: its deadline follows `max_wait`, which
    /// may change while it waits.
    time_point entered;
  };

  void expire_into(time_point now, std::vector<bulkhead_ticket>& out);
  void admit_waiters(std::vector<bulkhead_ticket>& out, size_t limit);
  void grant(bulkhead_ticket ticket);
  time_point deadline_of(time_point entered) const;

  bulkhead_settings settings_;
  detail::key_set holders_;
  std::deque<waiter> queue_;
  detail::key_set waiting_;
  bulkhead_metrics counters_;
};

} // namespace remedy
