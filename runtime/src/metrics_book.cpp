#include "remedy/runtime/metrics_book.hpp"

#include <chrono>
#include <cmath>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "remedy/core/error.hpp"

namespace remedy {

namespace {

// -- metric names (docs/metrics.md lists them all) ----------------------------

constexpr const char* m_sup_events = "remedy_supervision_events_total";
constexpr const char* m_restarts = "remedy_restarts_total";
constexpr const char* m_escalations = "remedy_escalations_total";
constexpr const char* m_breaker_state = "remedy_breaker_state";
constexpr const char* m_breaker_transitions
  = "remedy_breaker_transitions_total";
constexpr const char* m_breaker_rejections = "remedy_breaker_rejections_total";
constexpr const char* m_bulkhead_rejections
  = "remedy_bulkhead_rejections_total";
constexpr const char* m_route_timeouts = "remedy_route_timeouts_total";
constexpr const char* m_call_outcomes = "remedy_route_call_outcomes_total";
constexpr const char* m_in_flight = "remedy_route_in_flight";
constexpr const char* m_calls = "remedy_route_calls_total";
constexpr const char* m_errors = "remedy_route_errors_total";
constexpr const char* m_latency = "remedy_route_latency_seconds";
constexpr const char* m_detections = "remedy_detections_total";
constexpr const char* m_faults = "remedy_faults_total";
constexpr const char* m_open_faults = "remedy_open_faults";
constexpr const char* m_healing_events = "remedy_healing_events_total";
constexpr const char* m_healings_active = "remedy_healings_in_progress";
constexpr const char* m_recovery = "remedy_healing_recovery_seconds";
constexpr const char* m_sched_events = "remedy_scheduler_events_total";
constexpr const char* m_sched_ejected = "remedy_scheduler_ejected_workers";
constexpr const char* m_node_events = "remedy_node_events_total";
constexpr const char* m_cluster_events = "remedy_cluster_events_total";
constexpr const char* m_cluster_term = "remedy_cluster_term";

constexpr breaker_state all_breaker_states[] = {
  breaker_state::closed,    breaker_state::open,
  breaker_state::half_open, breaker_state::forced_open,
  breaker_state::disabled,  breaker_state::metrics_only,
};

double seconds(caf::timespan x) {
  return std::chrono::duration<double>(x).count();
}

/// Registry calls with labels made from event fields cannot fail once the
/// families are declared (label values are free text); a failure is a bug
/// in this file, caught by the tests through the values they check.
void ignore(caf::error) {
  // nop
}

} // namespace

metrics_book::metrics_book(const metrics_settings& settings)
  : settings_(settings) {
  auto& r = registry_;
  ignore(r.add_counter(m_sup_events, "Supervision events by supervisor and "
                                     "kind (child_exited, child_restarted, "
                                     "escalated, ...)."));
  ignore(r.add_counter(m_restarts, "Child restarts by supervisor and child."));
  ignore(r.add_counter(m_escalations,
                       "Supervisors that exceeded their restart intensity "
                       "and gave up, by supervisor."));
  ignore(r.add_gauge(m_breaker_state,
                     "1 for the state each route's circuit breaker is in, "
                     "0 for the others."));
  ignore(r.add_counter(m_breaker_transitions,
                       "Circuit breaker transitions by route, from and to."));
  ignore(r.add_counter(m_breaker_rejections,
                       "Attempts rejected by an open circuit breaker, by "
                       "route."));
  ignore(r.add_counter(m_bulkhead_rejections,
                       "Attempts rejected by a bulkhead, by route and reason "
                       "(full: no permit and no queue slot; timeout: waited "
                       "past the max wait)."));
  ignore(r.add_counter(m_route_timeouts,
                       "Requests that got no reply by their deadline, by "
                       "route."));
  ignore(r.add_counter(m_call_outcomes,
                       "Recorded call outcomes by route (only for routes with "
                       "call_events on)."));
  ignore(r.add_gauge(m_in_flight,
                     "Calls a route took and has not answered (bulkhead "
                     "queue included), by target, as of its last sample."));
  ignore(r.add_counter(m_calls, "Calls answered by a route, by target."));
  ignore(r.add_counter(m_errors, "Calls a route answered as failed, by "
                                 "target."));
  ignore(r.add_histogram(m_latency,
                         "Request latency through a route, by target: each "
                         "sampling interval's mean latency, counted once "
                         "per call of the interval.",
                         settings.latency_buckets));
  ignore(r.add_counter(m_detections,
                       "Detections by kind and event (raised, cleared)."));
  ignore(r.add_counter(m_faults, "Classified faults by class and event "
                                 "(raised, updated, cleared)."));
  ignore(r.add_gauge(m_open_faults, "Faults open now, by class."));
  ignore(r.add_counter(m_healing_events,
                       "Healing events by strategy and event (decided, "
                       "acted, succeeded, failed, ...; dry_run for a dry "
                       "run's decision)."));
  ignore(r.add_gauge(m_healings_active, "Healings in progress."));
  ignore(r.add_histogram(m_recovery,
                         "Time from a fault's raise to its clear, for "
                         "verified healings, by fault class.",
                         {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}));
  ignore(r.add_counter(m_sched_events,
                       "Scheduler events by scheduler and event (ejected, "
                       "returned)."));
  ignore(
    r.add_gauge(m_sched_ejected, "Workers a scheduler holds ejected now."));
  ignore(r.add_counter(m_node_events,
                       "Node events (tree started, down, restarting, giving "
                       "up, stopping) by kind."));
  ignore(r.add_counter(m_cluster_events,
                       "Cluster events this node observed, by kind and "
                       "member."));
  ignore(r.add_gauge(m_cluster_term,
                     "The election term of the leader this node knows."));
  ignore(r.set(m_healings_active, {}, 0));
}

void metrics_book::apply(const supervision_event& x) {
  auto& r = registry_;
  ignore(r.inc(m_sup_events,
               {{"supervisor", x.supervisor}, {"event", to_string(x.kind)}}));
  if (x.kind == supervision_event_kind::child_restarted)
    ignore(
      r.inc(m_restarts, {{"supervisor", x.supervisor}, {"child", x.child}}));
  else if (x.kind == supervision_event_kind::escalated)
    ignore(r.inc(m_escalations, {{"supervisor", x.supervisor}}));
}

void metrics_book::set_breaker(const std::string& route, breaker_state state) {
  breakers_[route] = state;
  for (auto s : all_breaker_states)
    ignore(registry_.set(m_breaker_state,
                         {{"route", route}, {"state", to_string(s)}},
                         s == state ? 1.0 : 0.0));
}

void metrics_book::apply(const route_event& x) {
  auto& r = registry_;
  metric_labels route{{"route", x.route}};
  switch (x.kind) {
    case route_event_kind::breaker_transition:
      ignore(r.inc(m_breaker_transitions, {{"route", x.route},
                                           {"from", to_string(x.from)},
                                           {"to", to_string(x.to)}}));
      set_breaker(x.route, x.to);
      break;
    case route_event_kind::breaker_rejected:
      ignore(r.inc(m_breaker_rejections, route));
      break;
    case route_event_kind::bulkhead_rejected:
      ignore(
        r.inc(m_bulkhead_rejections, {{"route", x.route}, {"reason", "full"}}));
      break;
    case route_event_kind::bulkhead_timeout:
      ignore(r.inc(m_bulkhead_rejections,
                   {{"route", x.route}, {"reason", "timeout"}}));
      break;
    case route_event_kind::timeout:
      ignore(r.inc(m_route_timeouts, route));
      break;
    case route_event_kind::call_succeeded:
    case route_event_kind::call_failed:
    case route_event_kind::call_ignored: {
      auto name = std::string{to_string(x.kind)}.substr(5); // drop "call_"
      ignore(r.inc(m_call_outcomes, {{"route", x.route}, {"outcome", name}}));
      break;
    }
    case route_event_kind::failure_rate_exceeded:
    case route_event_kind::slow_call_rate_exceeded:
      break;
  }
  // The events only a breaker makes carry its state too: a route seen
  // before its first transition shows up. Bulkhead and timeout events say
  // "closed" for a route without a breaker, so they do not count.
  auto from_breaker = x.kind == route_event_kind::breaker_rejected
                      || x.kind == route_event_kind::call_succeeded
                      || x.kind == route_event_kind::call_failed
                      || x.kind == route_event_kind::call_ignored
                      || x.kind == route_event_kind::failure_rate_exceeded
                      || x.kind == route_event_kind::slow_call_rate_exceeded;
  if (from_breaker && breakers_.count(x.route) == 0)
    set_breaker(x.route, x.to);
}

void metrics_book::apply(const sample& x) {
  if (!std::isfinite(x.value) || x.value < 0)
    return;
  auto& r = registry_;
  metric_labels target{{"target", x.target}};
  if (x.metric == "calls") {
    interval_calls_[x.target] = x.value;
    ignore(r.inc(m_calls, target, x.value));
  } else if (x.metric == "latency_ms") {
    auto i = interval_calls_.find(x.target);
    auto n = i != interval_calls_.end() ? std::llround(i->second) : 0;
    ignore(r.observe(m_latency, target, x.value / 1000.0,
                     static_cast<uint64_t>(n > 0 ? n : 1)));
  } else if (x.metric == "error_rate") {
    auto i = interval_calls_.find(x.target);
    if (i != interval_calls_.end())
      ignore(r.inc(m_errors, target,
                   static_cast<double>(std::llround(x.value * i->second))));
  } else if (x.metric == "in_flight") {
    ignore(r.set(m_in_flight, target, x.value));
  }
}

void metrics_book::apply(const detection& x) {
  ignore(
    registry_.inc(m_detections, {{"kind", to_string(x.kind)},
                                 {"event", x.active ? "raised" : "cleared"}}));
}

void metrics_book::count_open_faults() {
  std::map<fault_class, size_t> n;
  for (auto c : fault_classes_)
    n[c] = 0;
  for (auto& [id, f] : open_)
    ++n[f.cls];
  for (auto& [c, k] : n)
    ignore(registry_.set(m_open_faults, {{"class", to_string(c)}},
                         static_cast<double>(k)));
}

void metrics_book::apply(const fault_event& x) {
  auto& f = x.what;
  ignore(registry_.inc(m_faults, {{"class", to_string(f.cls)},
                                  {"event", to_string(x.kind)}}));
  fault_classes_.insert(f.cls);
  if (x.kind == fault_event_kind::cleared || !f.active)
    open_.erase(f.id);
  else
    open_[f.id] = f;
  count_open_faults();
}

void metrics_book::apply(const fault_snapshot& x) {
  open_.clear();
  for (auto& f : x.faults) {
    if (!f.active)
      continue;
    fault_classes_.insert(f.cls);
    open_[f.id] = f;
  }
  count_open_faults();
}

void metrics_book::apply(const healing_event& x) {
  auto& r = registry_;
  auto strategy = x.strategy.empty() ? std::string{"none"} : x.strategy;
  auto event = x.dry_run ? std::string{"dry_run"} : to_string(x.kind);
  ignore(r.inc(m_healing_events, {{"strategy", strategy}, {"event", event}}));
  if (x.kind == healing_event_kind::succeeded)
    ignore(r.observe(m_recovery, {{"class", to_string(x.cls)}},
                     seconds(x.time_to_recover)));
  if (x.healing == 0 || x.dry_run)
    return;
  switch (x.kind) {
    case healing_event_kind::decided:
    case healing_event_kind::acted:
    case healing_event_kind::failed:
      healing_[x.healing] = x;
      break;
    case healing_event_kind::succeeded:
    case healing_event_kind::skipped:
    case healing_event_kind::abandoned:
    case healing_event_kind::undone:
      healing_.erase(x.healing);
      break;
    case healing_event_kind::relapsed:
    case healing_event_kind::deferred: {
      // A relapse starts no healing by itself (the fault's raise does); a
      // deferred healing in progress stays so.
      auto i = healing_.find(x.healing);
      if (i != healing_.end())
        i->second = x;
      break;
    }
  }
  ignore(r.set(m_healings_active, {}, static_cast<double>(healing_.size())));
}

void metrics_book::apply(const scheduler_event& x) {
  auto& r = registry_;
  ignore(r.inc(m_sched_events,
               {{"scheduler", x.scheduler}, {"event", to_string(x.kind)}}));
  auto& ejected = ejected_[x.scheduler];
  if (x.kind == scheduler_event_kind::ejected)
    ejected.insert(x.worker);
  else
    ejected.erase(x.worker);
  ignore(r.set(m_sched_ejected, {{"scheduler", x.scheduler}},
               static_cast<double>(ejected.size())));
}

void metrics_book::apply(const node_event& x) {
  ignore(registry_.inc(m_node_events, {{"event", to_string(x.kind)}}));
}

void metrics_book::apply(const cluster_event& x) {
  ignore(registry_.inc(m_cluster_events, {{"event", to_string(x.kind)},
                                          {"member", x.member.name}}));
  if (x.kind == cluster_event_kind::leader_changed)
    ignore(registry_.set(m_cluster_term, {}, static_cast<double>(x.term)));
}

std::vector<std::string>
metrics_book::problems(const std::string& root_problem) const {
  std::vector<std::string> result;
  if (!root_problem.empty())
    result.push_back("root supervisor '" + settings_.root_name
                     + "': " + root_problem);
  for (auto& [route, state] : breakers_)
    if (state == breaker_state::open || state == breaker_state::forced_open)
      result.push_back("breaker of route '" + route + "' is "
                       + to_string(state));
  for (auto& [id, f] : open_)
    if (f.cls != fault_class::resource_exhaustion_predicted
        || settings_.predicted_faults_unhealthy)
      result.push_back("fault " + std::to_string(id) + " (" + to_string(f.cls)
                       + ") of '" + f.target + "' is open");
  return result;
}

health_report metrics_book::health(boost::json::value tree,
                                   const std::string& root_problem) const {
  namespace json = boost::json;
  auto reasons = problems(root_problem);
  json::object doc;
  doc["status"] = reasons.empty() ? "healthy" : "unhealthy";
  json::array why;
  for (auto& x : reasons)
    why.emplace_back(x);
  doc["reasons"] = std::move(why);
  doc["tree"] = std::move(tree);
  json::object breakers;
  for (auto& [route, state] : breakers_)
    breakers[route] = to_string(state);
  doc["breakers"] = std::move(breakers);
  json::array faults;
  for (auto& [id, f] : open_) {
    json::object x;
    x["id"] = id;
    x["class"] = to_string(f.cls);
    x["target"] = f.target;
    x["severity"] = f.severity;
    x["confidence"] = f.confidence;
    x["first_seen_s"] = seconds(f.first_seen);
    faults.emplace_back(std::move(x));
  }
  doc["open_faults"] = std::move(faults);
  json::array healings;
  for (auto& [id, h] : healing_) {
    json::object x;
    x["healing"] = id;
    x["fault"] = h.fault;
    x["class"] = to_string(h.cls);
    x["target"] = h.target;
    x["strategy"] = h.strategy;
    x["attempt"] = h.attempt;
    x["state"] = to_string(h.kind);
    x["since_s"] = seconds(h.at);
    healings.emplace_back(std::move(x));
  }
  doc["healings"] = std::move(healings);
  return health_report{reasons.empty(), json::serialize(doc)};
}

} // namespace remedy
