#include "remedy/routing/bulkhead.hpp"

#include <algorithm>

#include "remedy/core/error.hpp"

namespace remedy {

const char* to_string(bulkhead_decision x) {
  switch (x) {
    case bulkhead_decision::admitted:
      return "admitted";
    case bulkhead_decision::queued:
      return "queued";
    case bulkhead_decision::rejected_full:
      return "rejected_full";
  }
  return "<invalid bulkhead_decision>";
}

caf::error bulkhead_settings::validate() const {
  if (name.empty())
    return make_error(errc::invalid_argument, "bulkhead: empty name");
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument,
                      "bulkhead '" + name + "': " + what);
  };
  if (max_concurrent == 0)
    return fail("max_concurrent must be positive: a pool without permits "
                "admits nothing");
  if (max_wait.count() <= 0)
    return fail("max_wait must be positive, got "
                + std::to_string(max_wait.count()) + "ns");
  // max_queue = 0 is valid: no queue, a full pool rejects at once.
  return caf::none;
}

bulkhead::bulkhead(bulkhead_settings settings)
  : settings_(std::move(settings)) {
  // Nothing else: holders_, queue_ and counters_ start empty.
}

bulkhead::time_point bulkhead::deadline_of(time_point entered) const {
  // Saturate: a huge max_wait (e.g. timespan::max() for "wait forever")
  // must not wrap around into the past.
  auto wait = settings_.max_wait;
  if (wait.count() <= 0)
    return entered;
  // max - wait cannot overflow for a positive wait; max - entered could.
  if (entered > time_point::max() - wait)
    return time_point::max();
  return entered + wait;
}

void bulkhead::grant(bulkhead_ticket ticket) {
  holders_.insert(ticket);
  counters_.peak_in_flight = std::max<uint64_t>(counters_.peak_in_flight,
                                                holders_.size());
}

void bulkhead::expire_into(time_point now, std::vector<bulkhead_ticket>& out) {
  // All waiters share max_wait, so deadlines grow along the queue.
  while (!queue_.empty() && deadline_of(queue_.front().entered) <= now) {
    auto ticket = queue_.front().ticket;
    queue_.pop_front();
    waiting_.erase(ticket);
    ++counters_.rejected_timeout;
    out.push_back(ticket);
  }
}

void bulkhead::admit_waiters(std::vector<bulkhead_ticket>& out, size_t limit) {
  while (out.size() < limit && !queue_.empty()
         && holders_.size() < settings_.max_concurrent) {
    auto ticket = queue_.front().ticket;
    queue_.pop_front();
    waiting_.erase(ticket);
    grant(ticket);
    ++counters_.admitted_from_queue;
    out.push_back(ticket);
  }
}

caf::expected<bulkhead_entry> bulkhead::try_enter(time_point now,
                                                  bulkhead_ticket ticket) {
  if (holds(ticket))
    return make_error(errc::invalid_argument,
                      "bulkhead '" + settings_.name + "': ticket "
                        + std::to_string(ticket) + " already holds a permit");
  if (is_waiting(ticket))
    return make_error(errc::invalid_argument,
                      "bulkhead '" + settings_.name + "': ticket "
                        + std::to_string(ticket) + " is already waiting");
  bulkhead_entry result;
  expire_into(now, result.expired);
  ++counters_.offered;
  if (queue_.empty() && holders_.size() < settings_.max_concurrent) {
    grant(ticket);
    ++counters_.admitted_directly;
    result.decision = bulkhead_decision::admitted;
  } else if (queue_.size() < settings_.max_queue) {
    queue_.push_back(waiter{ticket, now});
    waiting_.insert(ticket);
    ++counters_.queued;
    result.decision = bulkhead_decision::queued;
  } else {
    ++counters_.rejected_full;
    result.decision = bulkhead_decision::rejected_full;
  }
  return result;
}

bulkhead_changes bulkhead::release(time_point now, bulkhead_ticket ticket) {
  bulkhead_changes result;
  if (holders_.erase(ticket) == 0) {
    ++counters_.ignored_releases;
    return result;
  }
  result.released = true;
  ++counters_.released;
  expire_into(now, result.expired);
  admit_waiters(result.admitted, 1);
  return result;
}

std::vector<bulkhead_ticket> bulkhead::expire(time_point now) {
  std::vector<bulkhead_ticket> result;
  expire_into(now, result);
  return result;
}

bool bulkhead::cancel(bulkhead_ticket ticket) {
  if (waiting_.erase(ticket) == 0)
    return false;
  auto i
    = std::find_if(queue_.begin(), queue_.end(),
                   [ticket](const waiter& w) { return w.ticket == ticket; });
  // waiting_ and queue_ hold the same tickets, so i is valid.
  queue_.erase(i);
  ++counters_.cancelled;
  return true;
}

caf::expected<bulkhead_changes>
bulkhead::resize(time_point now, uint32_t max_concurrent, uint32_t max_queue) {
  if (max_concurrent == 0)
    return make_error(errc::invalid_argument,
                      "bulkhead '" + settings_.name
                        + "': resize: max_concurrent must be positive: a "
                          "pool without permits admits nothing");
  settings_.max_concurrent = max_concurrent;
  settings_.max_queue = max_queue;
  bulkhead_changes result;
  expire_into(now, result.expired);
  admit_waiters(result.admitted, queue_.size());
  return result;
}

std::optional<bulkhead::time_point> bulkhead::next_deadline() const {
  if (queue_.empty())
    return std::nullopt;
  return deadline_of(queue_.front().entered);
}

caf::expected<std::vector<bulkhead_ticket>>
bulkhead::set_max_wait(time_point now, caf::timespan max_wait) {
  if (max_wait.count() <= 0)
    return make_error(errc::invalid_argument,
                      "bulkhead '" + settings_.name
                        + "': max_wait must be positive, got "
                        + std::to_string(max_wait.count()) + "ns");
  settings_.max_wait = max_wait;
  std::vector<bulkhead_ticket> result;
  expire_into(now, result);
  return result;
}

uint64_t bulkhead::available() const {
  auto max = static_cast<uint64_t>(settings_.max_concurrent);
  auto held = static_cast<uint64_t>(holders_.size());
  return held < max ? max - held : 0;
}

std::vector<bulkhead_ticket> bulkhead::waiters() const {
  std::vector<bulkhead_ticket> result;
  result.reserve(queue_.size());
  for (auto& w : queue_)
    result.push_back(w.ticket);
  return result;
}

bulkhead_metrics bulkhead::metrics() const {
  auto result = counters_;
  result.in_flight = holders_.size();
  result.waiting = queue_.size();
  return result;
}

} // namespace remedy
