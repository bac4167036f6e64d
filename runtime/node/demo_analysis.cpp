#include "demo_analysis.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "demo_format.hpp"
#include "demo_scenario.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/supervision/type_ids.hpp"

namespace remedy::node {

namespace {

using ev_kind = supervision_event_kind;

steady::time_point to_steady(caf::timespan since_epoch) {
  return steady::time_point{
    std::chrono::duration_cast<steady::duration>(since_epoch)};
}

std::string slot_name(size_t slot) {
  switch (slot) {
    case store_slot:
      return "store";
    case ingest_slot:
      return "pipeline/ingest";
    case parse_slot:
      return "pipeline/parse";
    case index_slot:
      return "pipeline/index";
    default:
      return "sessions/#" + std::to_string(slot - first_session_slot);
  }
}

struct observer_state {
  static inline const char* name = "remedy.node.observer";
};

/// Records every supervision and fault event (see spawn_observer).
caf::behavior observer(caf::stateful_actor<observer_state>* self,
                       event_log_ptr log) {
  subscribe(self, "supervision.");
  subscribe(self, "fault.");
  return {
    [](ready_atom) { return true; },
    [self](flush_atom) {
      unsubscribe(self, "supervision.");
      unsubscribe(self, "fault.");
      return true;
    },
    [log](fault_event& ev) {
      std::lock_guard<std::mutex> guard{log->mtx};
      log->faults.emplace_back(steady::now(), std::move(ev));
    },
    [log](supervision_event& ev) {
      if (ev.kind == ev_kind::child_restarted)
        ++log->restarts;
      else if (ev.kind == ev_kind::escalated)
        ++log->escalations;
      std::lock_guard<std::mutex> guard{log->mtx};
      log->events.push_back(std::move(ev));
    },
  };
}

/// A supervisor's path below the root: "" for the root, "pipeline" for
/// "service/pipeline" (the builder names supervisors by their full path).
std::string below_root(const std::string& supervisor) {
  std::string prefix = std::string{root_name} + "/";
  if (supervisor == root_name)
    return {};
  if (supervisor.compare(0, prefix.size(), prefix) == 0)
    return supervisor.substr(prefix.size());
  return supervisor;
}

/// The child's path below the root, e.g. "pipeline/parse".
std::string event_key(const supervision_event& ev) {
  auto sup = below_root(ev.supervisor);
  return sup.empty() ? ev.child : sup + "/" + ev.child;
}

} // namespace

caf::actor spawn_observer(caf::actor_system& sys, event_log_ptr log) {
  return sys.spawn(observer, std::move(log));
}

std::string latency_set::describe() const {
  if (xs.empty())
    return "n=0";
  auto sorted = xs;
  std::sort(sorted.begin(), sorted.end());
  return "n=" + num(sorted.size()) + "  min " + fmt_duration(sorted.front())
         + "  median " + fmt_duration(sorted[(sorted.size() - 1) / 2])
         + "  max " + fmt_duration(sorted.back());
}

detection_analysis
analyze_detection(const std::vector<supervision_event>& events,
                  const std::vector<crash_record>& crashes,
                  const std::vector<std::pair<steady::time_point, fault_event>>&
                    faults) {
  constexpr auto grace = std::chrono::seconds(2);
  detection_analysis d;
  // Incarnation -> the child's target name ("<supervisor>/<child>").
  std::unordered_map<uint64_t, std::string> target_of;
  for (auto& ev : events) {
    if (!ev.child.empty() && ev.actor != 0)
      target_of[ev.actor] = ev.supervisor + "/" + ev.child;
    if (ev.kind == ev_kind::escalated)
      d.crashed.insert(ev.supervisor);
  }
  // Each crash-like fault's active interval, by target.
  struct interval {
    steady::time_point raised;
    steady::time_point cleared = steady::time_point::max();
  };
  std::map<uint64_t, std::pair<std::string, interval>> by_id;
  for (auto& [t, ev] : faults) {
    auto& f = ev.what;
    if (ev.kind == fault_event_kind::raised) {
      ++d.raised;
      ++d.by_class[to_string(f.cls)];
    }
    if (f.cls != fault_class::crash && f.cls != fault_class::crash_loop)
      continue;
    if (ev.kind == fault_event_kind::raised)
      by_id[f.id] = {f.target, interval{t}};
    else if (ev.kind == fault_event_kind::cleared && by_id.count(f.id) > 0)
      by_id[f.id].second.cleared = t;
  }
  for (auto& c : crashes) {
    auto i = target_of.find(c.actor);
    if (i == target_of.end()) {
      d.missed.push_back("actor " + num(c.actor) + " (no supervision event)");
      continue;
    }
    d.crashed.insert(i->second);
    bool covered = false;
    std::optional<caf::timespan> latency;
    for (auto& [id, x] : by_id) {
      auto& [target, iv] = x;
      if (target != i->second || iv.raised > c.at + grace || iv.cleared < c.at)
        continue;
      covered = true;
      if (iv.raised >= c.at)
        latency = std::min(latency.value_or(caf::timespan::max()),
                           caf::timespan{iv.raised - c.at});
      else
        latency = caf::timespan{0}; // already active: the same outage
    }
    if (covered) {
      ++d.classified;
      if (latency && latency->count() > 0)
        d.to_fault.xs.push_back(*latency);
    } else {
      d.missed.push_back(i->second + " (actor " + num(c.actor) + ")");
    }
  }
  for (auto& [t, ev] : faults)
    if (ev.kind == fault_event_kind::raised
        && d.crashed.count(ev.what.target) == 0)
      d.stray.push_back(std::string{to_string(ev.what.cls)} + " of "
                        + ev.what.target);
  return d;
}

analysis analyze(const std::vector<supervision_event>& events,
                 const std::vector<crash_record>& crashes,
                 const client_report& client, steady::time_point stop_at) {
  analysis a;
  // Incarnation -> child, and each child's (re)starts in order.
  std::unordered_map<uint64_t, std::string> key_of_actor;
  std::unordered_map<uint64_t, const supervision_event*> down_of_actor;
  std::map<std::string, std::vector<const supervision_event*>> starts_of;
  // A child_terminated belongs to a strategy restart iff the supervisor's
  // next event of another kind is child_restarting (emitted once the
  // strategy's stops are done); otherwise the supervisor was shutting down.
  std::vector<bool> strategy_stop(events.size(), false);
  {
    std::map<std::string, ev_kind> next_kind;
    for (size_t i = events.size(); i-- > 0;) {
      auto& ev = events[i];
      if (ev.kind != ev_kind::child_terminated) {
        next_kind[ev.supervisor] = ev.kind;
        continue;
      }
      auto j = next_kind.find(ev.supervisor);
      strategy_stop[i] = j != next_kind.end()
                         && j->second == ev_kind::child_restarting;
    }
  }
  for (size_t i = 0; i < events.size(); ++i) {
    auto& ev = events[i];
    if (ev.child.empty()) {
      if (ev.kind == ev_kind::escalated)
        a.escalations.push_back(ev);
      if (ev.kind == ev_kind::supervisor_shutdown
          && ev.supervisor == root_name) {
        a.root_shutdown_seen = true;
        a.root_shutdown_reason = ev.reason;
      }
      continue;
    }
    auto key = event_key(ev);
    auto& r = a.row(key);
    switch (ev.kind) {
      case ev_kind::child_started:
        if (r.started_once)
          ++r.parent_starts;
        r.started_once = true;
        r.last_down = child_row::none;
        key_of_actor[ev.actor] = key;
        starts_of[key].push_back(&ev);
        break;
      case ev_kind::child_restarted:
        ++r.restarts;
        if (r.last_down == child_row::own)
          ++r.restarts_own;
        else if (r.last_down == child_row::strategy)
          ++r.restarts_sibling;
        r.last_down = child_row::none;
        key_of_actor[ev.actor] = key;
        starts_of[key].push_back(&ev);
        break;
      case ev_kind::child_exited:
        if (!is_normal_exit(ev.reason)) {
          ++r.exits;
          r.last_down = child_row::own;
        }
        down_of_actor[ev.actor] = &ev;
        break;
      case ev_kind::child_terminated:
        if (strategy_stop[i]) {
          ++r.strategy_stops;
          r.last_down = child_row::strategy;
        } else if (to_steady(ev.at) >= stop_at) {
          ++a.shutdown_stops;
          a.shutdown_order.push_back(key);
        } else {
          ++a.escalation_stops;
        }
        down_of_actor[ev.actor] = &ev;
        break;
      case ev_kind::child_restarting:
        if (below_root(ev.supervisor) == "pipeline")
          a.backoff_delays.push_back(ev.delay);
        break;
      case ev_kind::child_start_failed:
        ++r.start_failures;
        break;
      default:
        break;
    }
  }
  for (auto& r : a.rows)
    r.is_supervisor = r.key == "pipeline" || r.key == "sessions";
  // Every crash a worker performed: was its exit seen, was it restarted,
  // and when did a newer incarnation first answer through the endpoint?
  for (auto& c : crashes) {
    ++a.crashes;
    ++a.by_mode[static_cast<size_t>(c.mode)];
    auto k = key_of_actor.find(c.actor);
    auto key = k != key_of_actor.end() ? k->second : slot_name(c.slot);
    ++a.row(key).injected;
    if (down_of_actor.count(c.actor) > 0)
      ++a.crashes_with_exit;
    const supervision_event* restart = nullptr;
    for (auto* ev : starts_of[key])
      if (ev->actor > c.actor) {
        restart = ev;
        break;
      }
    if (restart != nullptr) {
      ++a.crashes_restarted;
      a.to_restart.xs.push_back(to_steady(restart->at) - c.at);
    } else {
      a.unrestarted.push_back(key + " (actor " + num(c.actor) + ", "
                              + to_string(c.mode) + ")");
    }
    auto& replies = client.first_reply[c.slot];
    auto first = steady::time_point::max();
    for (auto i = replies.upper_bound(c.actor); i != replies.end(); ++i)
      first = std::min(first, i->second);
    if (first != steady::time_point::max())
      a.to_reply.xs.push_back(first - c.at);
    else
      ++a.reply_not_measured;
  }
  return a;
}

} // namespace remedy::node
