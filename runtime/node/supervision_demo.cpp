#include "supervision_demo.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/after.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include "demo_service.hpp"
#include "remedy/classification/detection_tree.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/core/version.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/endpoint.hpp"
#include "remedy/supervision/endpoint_stats.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervision_event.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

namespace remedy::node {

namespace {

using namespace std::chrono_literals;

using run_atom = caf::atom_constant<caf::atom("n_run")>;
using stop_atom = caf::atom_constant<caf::atom("n_stop")>;
using fire_atom = caf::atom_constant<caf::atom("n_fire")>;
using done_atom = caf::atom_constant<caf::atom("n_done")>;
using ready_atom = caf::atom_constant<caf::atom("n_ready")>;
using flush_atom = caf::atom_constant<caf::atom("n_flush")>;

using ev_kind = supervision_event_kind;

// -- the service's shape ------------------------------------------------------

constexpr const char* root_name = "service";
/// The root of the detection pipeline's own tree.
constexpr const char* detection_root_name = "detection";
constexpr size_t session_count = 4;
/// Requests the client keeps in flight.
constexpr size_t in_flight = 16;
/// A request without an answer after this long counts as lost (a failed
/// check): every request through an endpoint must get a reply or an error.
constexpr caf::timespan request_timeout = 2s;
/// Bound for each step of setup and teardown.
constexpr caf::timespan step_timeout = 5s;

// -- small helpers ------------------------------------------------------------

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

steady::time_point to_steady(caf::timespan since_epoch) {
  return steady::time_point{
    std::chrono::duration_cast<steady::duration>(since_epoch)};
}

std::string fmt_duration(caf::timespan d) {
  char buf[64];
  auto ns = static_cast<double>(d.count());
  if (ns < 0)
    return "-" + fmt_duration(-d);
  if (ns < 1e3)
    std::snprintf(buf, sizeof(buf), "%.0f ns", ns);
  else if (ns < 1e6)
    std::snprintf(buf, sizeof(buf), "%.1f us", ns / 1e3);
  else if (ns < 1e9)
    std::snprintf(buf, sizeof(buf), "%.2f ms", ns / 1e6);
  else
    std::snprintf(buf, sizeof(buf), "%.2f s", ns / 1e9);
  return buf;
}

std::string fmt_seconds(caf::timespan d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f s",
                std::chrono::duration<double>(d).count());
  return buf;
}

std::string pad(std::string x, size_t width) {
  if (x.size() < width)
    x.append(width - x.size(), ' ');
  return x;
}

std::string rpad(const std::string& x, size_t width) {
  return x.size() < width ? std::string(width - x.size(), ' ') + x : x;
}

std::string num(uint64_t x) {
  return std::to_string(x);
}

/// The kind of an error without its context, e.g. "remedy.stash_full".
std::string error_kind(const caf::error& err) {
  return render(caf::error{err.code(), err.category()});
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

struct observer_state {
  static inline const char* name = "remedy.node.observer";
};

/// Records every supervision event. Subscribed from its start, so
/// `ready_atom` only confirms that it runs. `flush_atom` unsubscribes and
/// replies: publishing enqueues into each subscriber's mailbox at once, so
/// every event published before the request was sent is recorded by then.
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

// -- client -------------------------------------------------------------------

enum class target_kind : uint8_t { store, pipeline, session };

struct target {
  std::string name;
  caf::actor endpoint;
  target_kind kind = target_kind::store;
  /// The worker slot behind the endpoint (ingest for the pipeline).
  size_t slot = 0;
};

struct failure_kind {
  uint64_t count = 0;
  std::string example;
};

/// The client's measurements. The atomics are read for progress while it
/// runs; everything else only after it reported done.
struct client_report {
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> answered{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> timed_out{0};
  uint64_t wrong = 0;
  std::map<std::string, failure_kind> failures;
  std::vector<uint64_t> sent_by_target;
  std::vector<uint64_t> answered_by_target;
  std::vector<uint64_t> failed_by_target;
  /// Per worker slot: when each incarnation gave its first good reply.
  std::vector<std::map<uint64_t, steady::time_point>> first_reply;
  steady::time_point started;
  steady::time_point finished;
};

using client_report_ptr = std::shared_ptr<client_report>;

struct client_state {
  std::vector<target> targets;
  std::mt19937_64 rng;
  caf::actor report_to;
  client_report_ptr out;
  uint64_t next_req = 0;
  size_t outstanding = 0;
  bool stopping = false;
  static inline const char* name = "remedy.node.client";
};

using client_actor = caf::stateful_actor<client_state>;

void send_one(client_actor* self);

void maybe_finish(client_actor* self) {
  auto& st = self->state;
  if (!st.stopping || st.outstanding > 0)
    return;
  st.out->finished = steady::now();
  self->send(st.report_to, done_atom::value);
  self->quit();
}

void finish_one(client_actor* self) {
  auto& st = self->state;
  --st.outstanding;
  if (st.stopping)
    maybe_finish(self);
  else
    send_one(self);
}

void on_answer(client_actor* self, size_t t,
               std::initializer_list<std::pair<size_t, uint64_t>> incarnations,
               bool correct) {
  auto& st = self->state;
  auto now = steady::now();
  ++st.out->answered;
  ++st.out->answered_by_target[t];
  if (!correct)
    ++st.out->wrong;
  for (auto& [slot, id] : incarnations)
    st.out->first_reply[slot].emplace(id, now); // keeps the first
  finish_one(self);
}

void on_failure(client_actor* self, size_t t, const caf::error& err) {
  auto& st = self->state;
  if (err == caf::sec::request_timeout) {
    ++st.out->timed_out;
  } else {
    ++st.out->failed;
    ++st.out->failed_by_target[t];
    auto& f = st.out->failures[error_kind(err)];
    if (f.count++ == 0)
      f.example = render(err);
  }
  finish_one(self);
}

/// A short document of 1 to 8 words in mixed case, and its word count.
std::pair<std::string, uint64_t> make_document(std::mt19937_64& rng,
                                               uint64_t req) {
  static const char* words[] = {"Alpha", "beta",  "GAMMA",   "delta",
                                "Crash", "Again", "restart", "fine"};
  static const char* gaps[] = {" ", "  ", "\t", " \n "};
  std::uniform_int_distribution<int> n_dist{1, 8};
  std::uniform_int_distribution<int> w_dist{0, 7};
  std::uniform_int_distribution<int> g_dist{0, 3};
  auto n = n_dist(rng);
  std::string text = "doc-" + std::to_string(req);
  for (int i = 1; i < n; ++i) {
    text += gaps[g_dist(rng)];
    text += words[w_dist(rng)];
  }
  return {std::move(text), static_cast<uint64_t>(n)};
}

void send_one(client_actor* self) {
  auto& st = self->state;
  std::uniform_int_distribution<size_t> pick{0, st.targets.size() - 1};
  auto t = pick(st.rng);
  auto& tg = st.targets[t];
  auto req = ++st.next_req;
  ++st.outstanding;
  ++st.out->sent;
  ++st.out->sent_by_target[t];
  auto fail = [self, t](caf::error& err) { on_failure(self, t, err); };
  switch (tg.kind) {
    case target_kind::store: {
      uint64_t key = req % 64;
      if (req % 2 == 0) {
        self->request(tg.endpoint, request_timeout, put_atom::value, key, req)
          .then(
            [self, t, req](uint64_t value, uint64_t inc) {
              on_answer(self, t, {{store_slot, inc}}, value == req);
            },
            fail);
      } else {
        self->request(tg.endpoint, request_timeout, get_atom::value, key)
          .then(
            [self, t](uint64_t, uint64_t inc) {
              on_answer(self, t, {{store_slot, inc}}, true);
            },
            fail);
      }
      break;
    }
    case target_kind::pipeline: {
      auto [text, words] = make_document(st.rng, req);
      self
        ->request(tg.endpoint, request_timeout, work_atom::value, req,
                  std::move(text))
        .then(
          [self, t, req, words = words](uint64_t r, uint64_t w, uint64_t a,
                                        uint64_t b, uint64_t c) {
            on_answer(self, t,
                      {{ingest_slot, a}, {parse_slot, b}, {index_slot, c}},
                      r == req && w == words);
          },
          fail);
      break;
    }
    case target_kind::session: {
      auto slot = tg.slot;
      self->request(tg.endpoint, request_timeout, work_atom::value, req)
        .then(
          [self, t, slot](uint64_t served, uint64_t inc) {
            on_answer(self, t, {{slot, inc}}, served > 0);
          },
          fail);
      break;
    }
  }
}

/// Keeps `in_flight` requests going to random targets for `duration`, then
/// waits for every outstanding one, sends `done_atom` to `report_to` and
/// quits.
caf::behavior client(client_actor* self, std::vector<target> targets,
                     uint64_t seed, caf::timespan duration,
                     caf::actor report_to, client_report_ptr out) {
  auto& st = self->state;
  auto n = targets.size();
  out->sent_by_target.assign(n, 0);
  out->answered_by_target.assign(n, 0);
  out->failed_by_target.assign(n, 0);
  out->first_reply.resize(first_session_slot + session_count);
  st.targets = std::move(targets);
  st.rng.seed(seed);
  st.report_to = std::move(report_to);
  st.out = std::move(out);
  return {
    [self, duration](run_atom) {
      auto& st = self->state;
      st.out->started = steady::now();
      self->delayed_send(self, duration, stop_atom::value);
      for (size_t i = 0; i < in_flight; ++i)
        send_one(self);
    },
    [self](stop_atom) {
      self->state.stopping = true;
      maybe_finish(self);
    },
  };
}

// -- chaos --------------------------------------------------------------------

struct planned_crash {
  caf::timespan at{0};
  size_t target = 0;
  crash_mode mode = crash_mode::throw_in_handler;
};

/// A Poisson process of `rate` crashes per second over `window`, each into a
/// uniformly chosen target with a uniformly chosen mode.
std::vector<planned_crash> plan_crashes(uint64_t seed, double rate,
                                        caf::timespan window, size_t targets) {
  std::vector<planned_crash> result;
  if (!(rate > 0) || !std::isfinite(rate) || targets == 0)
    return result;
  std::mt19937_64 rng{seed};
  std::exponential_distribution<double> gap{rate};
  std::uniform_int_distribution<size_t> pick{0, targets - 1};
  std::uniform_int_distribution<int> mode{0, crash_mode_count - 1};
  auto limit = std::chrono::duration<double>(window).count();
  double t = 0;
  for (;;) {
    t += gap(rng);
    if (t >= limit)
      break;
    planned_crash x;
    x.at = std::chrono::duration_cast<caf::timespan>(
      std::chrono::duration<double>(t));
    x.target = pick(rng);
    x.mode = static_cast<crash_mode>(mode(rng));
    result.push_back(x);
  }
  return result;
}

/// What the chaos actor did; read for progress and after it quit.
struct chaos_report {
  std::atomic<uint64_t> commands{0};
  /// Worst delay of a command behind its planned time, in nanoseconds.
  std::atomic<int64_t> max_lateness{0};
};

using chaos_report_ptr = std::shared_ptr<chaos_report>;

struct chaos_state {
  std::vector<target> targets;
  std::vector<planned_crash> plan;
  chaos_report_ptr out;
  steady::time_point started;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "remedy.node.chaos";
};

/// Sends each planned crash command through the target's endpoint at its
/// time, and quits at the end of `window`. Runs detached: on a busy
/// work-stealing scheduler with one thread, an idle actor woken by a timer
/// waits behind all the work the client keeps creating, so a scheduled
/// chaos actor would fire late or never.
caf::behavior chaos(caf::stateful_actor<chaos_state>* self,
                    std::vector<target> targets,
                    std::vector<planned_crash> plan, caf::timespan window,
                    chaos_report_ptr out) {
  auto& st = self->state;
  st.targets = std::move(targets);
  st.plan = std::move(plan);
  st.out = std::move(out);
  st.log = logger("remedy.node");
  return {
    [self, window](run_atom) {
      auto& st = self->state;
      st.started = steady::now();
      for (size_t i = 0; i < st.plan.size(); ++i)
        self->delayed_send(self, st.plan[i].at, fire_atom::value, uint64_t{i});
      self->delayed_send(self, window, stop_atom::value);
    },
    [self](fire_atom, uint64_t i) {
      auto& st = self->state;
      auto& x = st.plan[i];
      auto& tg = st.targets[x.target];
      auto late = (steady::now() - (st.started + x.at)).count();
      if (late > st.out->max_lateness)
        st.out->max_lateness = late;
      st.log->debug("chaos: {} into {}", to_string(x.mode), tg.name);
      self->send(tg.endpoint, crash_atom::value, static_cast<uint64_t>(x.mode));
      ++st.out->commands;
    },
    [self](stop_atom) { self->quit(); },
  };
}

// -- blocking helpers for the main thread -------------------------------------

template <class T, class... Ts>
caf::expected<T>
ask(caf::scoped_actor& self, const caf::actor& dest, Ts&&... xs) {
  caf::expected<T> result{caf::make_error(caf::sec::request_timeout)};
  self->request(dest, step_timeout, std::forward<Ts>(xs)...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::actor child_handle(const std::vector<child_info>& xs,
                        const std::string& id) {
  for (auto& x : xs)
    if (x.id == id)
      return x.current;
  return {};
}

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

  std::string describe() const {
    if (xs.empty())
      return "n=0";
    auto sorted = xs;
    std::sort(sorted.begin(), sorted.end());
    return "n=" + num(sorted.size()) + "  min " + fmt_duration(sorted.front())
           + "  median " + fmt_duration(sorted[(sorted.size() - 1) / 2])
           + "  max " + fmt_duration(sorted.back());
  }
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

// -- the run ------------------------------------------------------------------

struct endpoint_row {
  std::string name;
  caf::actor endpoint;
  endpoint_stats stats;
  bool ok = false;
};

class demo {
public:
  demo(caf::actor_system& sys, const demo_options& opts)
    : sys_(sys), opts_(opts), self_(sys, true), log_(logger("remedy.node")) {
    uint64_t state = opts.seed;
    client_seed_ = splitmix64(state);
    chaos_seed_ = splitmix64(state);
    backoff_seed_ = splitmix64(state);
    // CAF 0.17 counts a scoped actor as running even when hidden.
    baseline_running_ = sys.registry().running();
  }

  int run();

private:
  void out(const std::string& line) {
    if (!opts_.quiet)
      std::cout << line << '\n';
  }

  bool setup();
  void describe_tree();
  void drive();
  void collect_endpoint_stats();
  void check_children_running();
  void stop_everything();
  int report();

  caf::actor_system& sys_;
  demo_options opts_;
  caf::scoped_actor self_;
  std::shared_ptr<spdlog::logger> log_;
  uint64_t client_seed_ = 0;
  uint64_t chaos_seed_ = 0;
  uint64_t backoff_seed_ = 0;

  ledger_ptr ledger_ = std::make_shared<crash_ledger>();
  event_log_ptr events_ = std::make_shared<event_log>();
  client_report_ptr client_report_ = std::make_shared<client_report>();
  chaos_report_ptr chaos_report_ = std::make_shared<chaos_report>();

  caf::actor observer_;
  caf::actor detection_root_;
  caf::actor client_;
  caf::actor chaos_;
  supervision_tree tree_;
  caf::actor pipeline_sup_;
  caf::actor sessions_sup_;
  std::vector<target> client_targets_;
  std::vector<target> crash_targets_;
  std::vector<endpoint_row> endpoints_;
  std::vector<planned_crash> plan_;
  caf::timespan chaos_window_{0};

  // Outcomes.
  std::string setup_error_;
  bool client_done_ = false;
  bool root_died_early_ = false;
  caf::error root_early_reason_;
  std::vector<std::string> not_running_before_stop_;
  bool children_listed_ = false;
  steady::time_point stop_at_ = steady::time_point::max();
  bool root_stopped_ = false;
  caf::error root_exit_reason_;
  caf::timespan root_stop_time_{0};
  bool events_flushed_ = false;
  bool helpers_stopped_ = false;
  size_t running_left_ = 0;
  size_t baseline_running_ = 0;
  bool registry_clean_ = false;
  /// Every down message the main thread received.
  std::set<caf::actor_addr> downs_;
};

bool demo::setup() {
  // 1. See every supervision event from the start.
  observer_ = sys_.spawn(observer, events_);
  self_->monitor(observer_);
  if (auto ok = ask<bool>(self_, observer_, ready_atom::value); !ok) {
    setup_error_ = "cannot subscribe to the event bus: " + render(ok.error());
    return false;
  }
  // 1b. Remedy's detection pipeline, a tree of its own: it reads the
  //     service's supervision events and classifies its crashes.
  auto detection = detection_tree(detection_root_name).spawn(sys_);
  if (!detection) {
    setup_error_ = "cannot spawn the detection tree: "
                   + render(detection.error());
    return false;
  }
  detection_root_ = detection->root;
  self_->monitor(detection_root_);
  {
    caf::error err = caf::make_error(caf::sec::request_timeout);
    self_->request(detection_root_, step_timeout, await_started_atom::value)
      .receive([&] { err = caf::none; },
               [&](caf::error& x) { err = std::move(x); });
    if (err) {
      setup_error_ = "the detection tree did not start: " + render(err);
      return false;
    }
  }
  // 2. The tree. parse and index get their endpoints up front, because the
  //    stage before each forwards to it and is started with its handle.
  stash_policy stash;
  auto parse_ep = spawn_endpoint(sys_, "parse", stash);
  auto index_ep = spawn_endpoint(sys_, "index", stash);
  auto parse_spec = child_spec::worker("parse",
                                       start(parse_worker, ledger_, index_ep));
  parse_spec.endpoint = parse_ep;
  auto index_spec = child_spec::worker("index", start(index_worker, ledger_));
  index_spec.endpoint = index_ep;
  auto pipeline
    = supervisor_builder("pipeline", strategy::rest_for_one)
        .intensity(10, 1s)
        .with_backoff(backoff::exponential(1ms, 20ms).with_jitter(0.2))
        .with_seed(backoff_seed_)
        .worker("ingest", start(ingest_worker, ledger_, parse_ep))
        .child(std::move(parse_spec))
        .child(std::move(index_spec));
  auto sessions = supervisor_builder("sessions", strategy::simple_one_for_one)
                    .intensity(20, 1s)
                    .worker("session",
                            pool_start<uint64_t>(session_worker, ledger_));
  auto tree = supervisor_builder(root_name, strategy::one_for_one)
                .intensity(10, 1s)
                .worker("store", start(store_worker, ledger_))
                .supervisor(std::move(pipeline))
                .supervisor(std::move(sessions))
                .spawn(sys_);
  if (!tree) {
    // Nothing owns the two endpoints made above: stop them ourselves.
    caf::anon_send_exit(parse_ep, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(index_ep, caf::exit_reason::user_shutdown);
    setup_error_ = "cannot spawn the tree: " + render(tree.error());
    return false;
  }
  tree_ = std::move(*tree);
  self_->monitor(tree_.root);
  // The builder ties only the endpoints it made to the root; these two were
  // made here, so tie them explicitly (else they would outlive the tree).
  tree_.endpoints.emplace("pipeline/parse", parse_ep);
  tree_.endpoints.emplace("pipeline/index", index_ep);
  for (auto& ep : {parse_ep, index_ep})
    self_->send(ep, endpoint_owner_atom::value, tree_.root);
  // 3. The supervisors below the root, and four sessions in the pool.
  auto top = ask<std::vector<child_info>>(self_, tree_.root,
                                          which_children_atom::value);
  if (!top) {
    setup_error_ = "which_children on the root: " + render(top.error());
    return false;
  }
  pipeline_sup_ = child_handle(*top, "pipeline");
  sessions_sup_ = child_handle(*top, "sessions");
  // The pool's own endpoint (if the builder made one) reaches whichever
  // incarnation of it runs; start_child and get_endpoint go through it.
  if (auto ep = tree_.endpoint("sessions"))
    sessions_sup_ = ep;
  if (!pipeline_sup_ || !sessions_sup_) {
    setup_error_ = "the root does not run 'pipeline' and 'sessions'";
    return false;
  }
  client_targets_.push_back(
    {"store", tree_.endpoint("store"), target_kind::store, store_slot});
  client_targets_.push_back({"pipeline", tree_.endpoint("pipeline/ingest"),
                             target_kind::pipeline, ingest_slot});
  crash_targets_.push_back(client_targets_[0]);
  crash_targets_.push_back({"pipeline/ingest",
                            tree_.endpoint("pipeline/ingest"),
                            target_kind::store, ingest_slot});
  crash_targets_.push_back(
    {"pipeline/parse", parse_ep, target_kind::store, parse_slot});
  crash_targets_.push_back(
    {"pipeline/index", index_ep, target_kind::store, index_slot});
  for (uint64_t k = 0; k < session_count; ++k) {
    auto info = ask<child_info>(self_, sessions_sup_, start_child_atom::value,
                                caf::make_message(k));
    if (!info) {
      setup_error_ = "start_child on 'sessions': " + render(info.error());
      return false;
    }
    auto ep = ask<caf::actor>(self_, sessions_sup_, get_endpoint_atom::value,
                              info->id);
    if (!ep) {
      setup_error_ = "get_endpoint '" + info->id + "': " + render(ep.error());
      return false;
    }
    auto slot = first_session_slot + static_cast<size_t>(k);
    target t{"sessions/" + info->id, *ep, target_kind::session, slot};
    client_targets_.push_back(t);
    crash_targets_.push_back(t);
  }
  for (auto& t : crash_targets_)
    endpoints_.push_back({t.name, t.endpoint, {}, false});
  return true;
}

void demo::describe_tree() {
  if (opts_.quiet)
    return;
  auto status_of = [&](const caf::actor& sup) {
    std::map<std::string, std::string> result;
    if (auto xs = ask<std::vector<child_info>>(self_, sup,
                                               which_children_atom::value))
      for (auto& x : *xs)
        result[x.id] = std::string{to_string(x.status)} + ", actor "
                       + (x.current ? num(x.current.id()) : "-");
    return result;
  };
  auto top = status_of(tree_.root);
  auto pipe = status_of(pipeline_sup_);
  auto pool = status_of(sessions_sup_);
  out("supervision tree (as reported by which_children):");
  out("  " + std::string{root_name} + "  one_for_one, intensity 10/1s");
  out("  +- store       worker      " + top["store"]);
  out("  +- pipeline    rest_for_one, intensity 10/1s, backoff 1..20 ms  "
      + top["pipeline"]);
  for (auto id : {"ingest", "parse", "index"})
    out("  |  +- " + pad(id, 8) + " worker   " + pipe[id]);
  out("  +- sessions    simple_one_for_one, intensity 20/1s  "
      + top["sessions"]);
  for (auto& [id, status] : pool)
    out("     +- " + pad(id, 10) + " worker   " + status);
  out("  client -> store | pipeline/ingest -> parse -> index | "
      "sessions/session#k, all through stable endpoints");
  out("");
}

void demo::drive() {
  auto duration = opts_.duration;
  // Crashes stop a little before the load does, so the last ones can be
  // seen to recover through their endpoint.
  auto settle = std::clamp<caf::timespan>(duration / 4, 100ms, 500ms);
  chaos_window_ = duration > settle ? duration - settle : caf::timespan{0};
  plan_ = plan_crashes(chaos_seed_, opts_.crash_rate, chaos_window_,
                       crash_targets_.size());
  client_ = sys_.spawn(client, client_targets_, client_seed_, duration,
                       caf::actor{self_}, client_report_);
  chaos_ = sys_.spawn<caf::detached>(chaos, crash_targets_, plan_,
                                     chaos_window_, chaos_report_);
  self_->monitor(client_);
  self_->monitor(chaos_);
  out("load: " + num(in_flight) + " requests in flight for "
      + fmt_seconds(duration) + "; " + num(plan_.size())
      + " crash commands planned over the first " + fmt_seconds(chaos_window_));
  auto started = steady::now();
  self_->send(chaos_, run_atom::value);
  self_->send(client_, run_atom::value);
  auto deadline = started + duration + request_timeout + step_timeout;
  auto next_progress = started + 1s;
  auto& cr = *client_report_;
  while (!client_done_ && steady::now() < deadline) {
    self_->receive([&](done_atom) { client_done_ = true; },
                   [&](caf::down_msg& dm) {
                     downs_.insert(dm.source);
                     if (dm.source == tree_.root.address()) {
                       root_died_early_ = true;
                       root_early_reason_ = dm.reason;
                     }
                   },
                   caf::after(std::chrono::milliseconds(50)) >> [] {});
    auto now = steady::now();
    if (now >= next_progress && !client_done_) {
      next_progress += 1s;
      out("  [" + fmt_seconds(now - started) + "] requests sent " + num(cr.sent)
          + ", answered " + num(cr.answered) + ", failed " + num(cr.failed)
          + " | crashes " + num(ledger_->size()) + ", restarts "
          + num(events_->restarts) + ", escalations "
          + num(events_->escalations));
    }
  }
  if (!client_done_)
    log_->error("the client did not finish in time");
}

void demo::collect_endpoint_stats() {
  for (auto& row : endpoints_) {
    if (auto st = ask<endpoint_stats>(self_, row.endpoint,
                                      endpoint_stats_atom::value)) {
      row.stats = *st;
      row.ok = true;
    }
  }
}

void demo::check_children_running() {
  auto check = [&](const caf::actor& sup, const std::string& prefix) {
    auto xs = ask<std::vector<child_info>>(self_, sup,
                                           which_children_atom::value);
    if (!xs) {
      not_running_before_stop_.push_back(prefix + "* (" + render(xs.error())
                                         + ")");
      return std::vector<child_info>{};
    }
    for (auto& x : *xs)
      if (x.status != child_status::running)
        not_running_before_stop_.push_back(prefix + x.id + " ("
                                           + to_string(x.status) + ")");
    return *xs;
  };
  if (root_died_early_)
    return;
  auto top = check(tree_.root, "");
  // The subtrees may have been restarted (escalation): ask for the current
  // incarnations.
  check(child_handle(top, "pipeline"), "pipeline/");
  auto pool = check(child_handle(top, "sessions"), "sessions/");
  if (pool.size() != session_count)
    not_running_before_stop_.push_back("sessions: " + num(pool.size()) + " of "
                                       + num(session_count) + " pool children");
  children_listed_ = true;
}

void demo::stop_everything() {
  // 1. The tree, on the high-priority path.
  stop_at_ = steady::now();
  if (tree_.root && !root_died_early_) {
    self_->send<caf::message_priority::high>(
      tree_.root,
      caf::exit_msg{self_->address(), caf::exit_reason::user_shutdown});
    auto deadline = stop_at_ + step_timeout;
    while (!root_stopped_ && steady::now() < deadline) {
      self_->receive(
        [&](caf::down_msg& dm) {
          downs_.insert(dm.source);
          if (dm.source == tree_.root.address()) {
            root_stopped_ = true;
            root_exit_reason_ = dm.reason;
            root_stop_time_ = steady::now() - stop_at_;
          }
        },
        [&](done_atom) { client_done_ = true; },
        caf::after(std::chrono::milliseconds(50)) >> [] {});
    }
    if (!root_stopped_) {
      log_->error("the root did not stop within {}",
                  fmt_duration(step_timeout));
      caf::anon_send_exit(tree_.root, caf::exit_reason::kill);
    }
  }
  // 2. Every event published so far is recorded once the observer is
  //    unsubscribed.
  if (observer_) {
    if (auto ok = ask<bool>(self_, observer_, flush_atom::value))
      events_flushed_ = true;
    else
      log_->error("flushing the event log failed: {}", render(ok.error()));
  }
  // 3. The demo's own actors: the client and chaos end by themselves.
  std::vector<caf::actor_addr> waiting;
  for (auto* x : {&observer_, &client_, &chaos_, &detection_root_}) {
    if (!*x)
      continue;
    if (x != &client_ || !client_done_)
      self_->send_exit(*x, caf::exit_reason::user_shutdown);
    if (downs_.count(x->address()) == 0)
      waiting.push_back(x->address());
  }
  auto deadline = steady::now() + step_timeout;
  while (!waiting.empty() && steady::now() < deadline) {
    self_->receive(
      [&](caf::down_msg& dm) {
        waiting.erase(std::remove(waiting.begin(), waiting.end(), dm.source),
                      waiting.end());
      },
      [&](done_atom) {}, caf::after(std::chrono::milliseconds(50)) >> [] {});
  }
  helpers_stopped_ = waiting.empty();
  // 4. Nothing may be left: endpoints end with the root that owns them.
  //    Actors deregister a moment after their down message, hence the poll.
  //    The registry counts this thread's scoped actor too, hidden or not.
  deadline = steady::now() + step_timeout;
  for (;;) {
    auto running = sys_.registry().running();
    running_left_ = running > baseline_running_ ? running - baseline_running_
                                                : 0;
    if (running <= baseline_running_ || steady::now() >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  registry_clean_ = running_left_ == 0;
}

int demo::report() {
  std::vector<supervision_event> events;
  std::vector<std::pair<steady::time_point, fault_event>> faults;
  {
    std::lock_guard<std::mutex> guard{events_->mtx};
    // The detection tree's own events are not the service's.
    for (auto& ev : events_->events)
      if (ev.supervisor.rfind(detection_root_name, 0) != 0)
        events.push_back(ev);
    faults = events_->faults;
  }
  auto crashes = ledger_->snapshot();
  auto& cr = *client_report_;
  auto a = analyze(events, crashes, cr, stop_at_);
  auto d = analyze_detection(events, crashes, faults);
  uint64_t sent = cr.sent;
  uint64_t answered = cr.answered;
  uint64_t failed = cr.failed;
  uint64_t timed_out = cr.timed_out;
  auto load_time = cr.finished - cr.started;
  if (!opts_.quiet) {
    out("");
    out("== requests (client -> stable endpoints, " + num(in_flight)
        + " in flight, timeout " + fmt_duration(request_timeout) + ")");
    out("  sent          " + rpad(num(sent), 9));
    out("  answered      " + rpad(num(answered), 9)
        + "   (wrong answers: " + num(cr.wrong) + ")");
    out("  failed        " + rpad(num(failed), 9) + "   (with an error)");
    for (auto& [kind, f] : cr.failures)
      out("    " + pad(kind, 34) + rpad(num(f.count), 7) + "   e.g. \""
          + f.example + "\"");
    out("  no answer     " + rpad(num(timed_out), 9) + "   (timed out)");
    if (load_time.count() > 0) {
      auto secs = std::chrono::duration<double>(load_time).count();
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.0f", static_cast<double>(sent) / secs);
      out("  throughput    " + rpad(buf, 9) + "   requests/s over "
          + fmt_seconds(load_time));
    }
    out("  by target:        sent   answered   failed");
    for (size_t i = 0; i < client_targets_.size(); ++i)
      out("    " + pad(client_targets_[i].name, 18)
          + rpad(num(cr.sent_by_target[i]), 8)
          + rpad(num(cr.answered_by_target[i]), 11)
          + rpad(num(cr.failed_by_target[i]), 9));
    out("");
    out("== crashes and restarts (crashes from the workers' own ledger; the "
        "rest from \"supervision.\" events)");
    out("  crash commands sent " + num(chaos_report_->commands) + " of "
        + num(plan_.size()) + " planned (at most "
        + fmt_duration(caf::timespan{chaos_report_->max_lateness.load()})
        + " late); crashes performed " + num(a.crashes) + ": throw "
        + num(a.by_mode[size_t(crash_mode::throw_in_handler)]) + ", quit "
        + num(a.by_mode[size_t(crash_mode::quit_with_error)]) + ", poison "
        + num(a.by_mode[size_t(crash_mode::poison)]));
    out("  (a command is not a crash when its incarnation was stopped first, "
        "or a poisoned one got no request)");
    out("  " + pad("child", 22)
        + "crashes  exits  stopped  restarts"
          "  (own  sibling)  parent-restart");
    child_row total;
    for (auto& r : a.rows) {
      out("  " + pad(r.key + (r.is_supervisor ? " (sup)" : ""), 22)
          + rpad(num(r.injected), 7) + rpad(num(r.exits), 7)
          + rpad(num(r.strategy_stops), 9) + rpad(num(r.restarts), 10)
          + rpad(num(r.restarts_own), 7) + rpad(num(r.restarts_sibling), 9)
          + rpad(num(r.parent_starts), 16));
      total.injected += r.injected;
      total.exits += r.exits;
      total.strategy_stops += r.strategy_stops;
      total.restarts += r.restarts;
      total.restarts_own += r.restarts_own;
      total.restarts_sibling += r.restarts_sibling;
      total.parent_starts += r.parent_starts;
      total.start_failures += r.start_failures;
    }
    out("  " + pad("total", 22) + rpad(num(total.injected), 7)
        + rpad(num(total.exits), 7) + rpad(num(total.strategy_stops), 9)
        + rpad(num(total.restarts), 10) + rpad(num(total.restarts_own), 7)
        + rpad(num(total.restarts_sibling), 9)
        + rpad(num(total.parent_starts), 16));
    out("  start failures: " + num(total.start_failures));
    if (a.crashes_with_exit < a.crashes)
      out("  crashes without an exit event: "
          + num(a.crashes - a.crashes_with_exit)
          + " (the child died while queued to be stopped; the supervisor "
            "reports no event for that)");
    if (total.restarts_own + total.restarts_sibling < total.restarts)
      out("  restarts not preceded by an exit event: "
          + num(total.restarts - total.restarts_own - total.restarts_sibling));
    out("");
    out("== restarts by strategy effect");
    auto row_or = [&](const std::string& key) -> child_row {
      auto i = a.row_of.find(key);
      return i != a.row_of.end() ? a.rows[i->second] : child_row{};
    };
    auto store = row_or("store");
    auto pipeline = row_or("pipeline");
    auto sessions = row_or("sessions");
    out("  one_for_one (" + std::string{root_name} + "): store restarted "
        + num(store.restarts) + "x for " + num(store.exits)
        + " exits; siblings stopped with it: "
        + num(pipeline.strategy_stops + sessions.strategy_stops)
        + "; subtrees restarted: pipeline " + num(pipeline.restarts)
        + ", sessions " + num(sessions.restarts));
    uint64_t pipe_own = 0;
    uint64_t pipe_sib = 0;
    uint64_t expected_sib = 0;
    std::string sib_detail;
    const char* stages[] = {"ingest", "parse", "index"};
    for (size_t i = 0; i < 3; ++i) {
      auto r = row_or(std::string{"pipeline/"} + stages[i]);
      pipe_own += r.restarts_own;
      pipe_sib += r.restarts_sibling;
      expected_sib += r.exits * (2 - i);
      if (i > 0)
        sib_detail += std::string{i > 1 ? ", " : ""} + stages[i] + " "
                      + num(r.restarts_sibling);
    }
    out("  rest_for_one (pipeline): " + num(pipe_own)
        + " restarts after own crash, " + num(pipe_sib)
        + " later siblings restarted with them (" + sib_detail
        + "); rest_for_one predicts " + num(expected_sib)
        + " for these exits when no restarts overlap");
    uint64_t pool_restarts = 0;
    uint64_t pool_exits = 0;
    uint64_t pool_stops = 0;
    for (auto& r : a.rows) {
      if (r.key.rfind("sessions/", 0) != 0)
        continue;
      pool_restarts += r.restarts;
      pool_exits += r.exits;
      pool_stops += r.strategy_stops;
    }
    out("  simple_one_for_one (sessions): " + num(pool_restarts)
        + " pool children restarted for " + num(pool_exits)
        + " exits; siblings stopped with them: " + num(pool_stops));
    if (!a.backoff_delays.empty()) {
      latency_set d;
      d.xs = a.backoff_delays;
      out("  pipeline backoff delays (child_restarting events): "
          + d.describe());
    }
    out("  escalations: " + num(a.escalations.size())
        + (a.escalations.empty()
             ? std::string{}
             : " (children stopped because their supervisor gave up or was "
               "stopped: "
                 + num(a.escalation_stops) + ")"));
    for (auto& ev : a.escalations)
      out("    " + ev.supervisor + ": " + render(ev.reason));
    out("");
    out("== recovery (per performed crash; steady clock)");
    out("  crash -> restart event         " + a.to_restart.describe());
    out("  crash -> first good reply      " + a.to_reply.describe()
        + (a.reply_not_measured > 0
             ? "  (" + num(a.reply_not_measured)
                 + " without a later reply from that child)"
             : std::string{}));
    out("    (a reply counts when it came from a newer incarnation of the "
        "crashed child, through its endpoint)");
    out("");
    out("== detection (detection_tree on the same event bus)");
    std::string classes;
    for (auto& [cls, n] : d.by_class)
      classes += (classes.empty() ? "" : ", ") + cls + " " + num(n);
    out("  faults raised                  " + num(d.raised)
        + (classes.empty() ? std::string{} : " (" + classes + ")"));
    out("  crashes classified             " + num(d.classified) + " of "
        + num(crashes.size()) + " (a crash counts when a crash or crash_loop "
        "fault of its child was active at it)");
    out("  crash -> fault raised          " + d.to_fault.describe()
        + "  (crashes that opened a new fault)");
    out("");
    out("== endpoints (endpoint_stats before shutdown)");
    out("  " + pad("endpoint", 22)
        + "state    forwarded  stashed  replayed  rejected  expired  pending");
    for (auto& row : endpoints_) {
      if (!row.ok) {
        out("  " + pad(row.name, 22) + "(no stats)");
        continue;
      }
      auto& s = row.stats;
      out("  " + pad(row.name, 22) + pad(to_string(s.state), 8)
          + rpad(num(s.forwarded), 10) + rpad(num(s.stashed), 9)
          + rpad(num(s.replayed), 10) + rpad(num(s.rejected), 10)
          + rpad(num(s.expired), 9) + rpad(num(s.pending), 9));
    }
    out("");
    out("== shutdown");
    if (root_died_early_)
      out("  the root died during the run: " + render(root_early_reason_));
    else if (root_stopped_)
      out("  root exited with " + render(root_exit_reason_) + " after "
          + fmt_duration(root_stop_time_) + "; " + num(a.shutdown_stops)
          + " children stopped");
    else
      out("  the root did not stop within " + fmt_duration(step_timeout));
    if (!a.shutdown_order.empty()) {
      std::string order;
      for (auto& key : a.shutdown_order)
        order += (order.empty() ? "" : ", ") + key;
      out("  stop order (child_terminated events): " + order);
    }
    out("  supervisor_shutdown event from the root: "
        + std::string{a.root_shutdown_seen ? "yes" : "no"});
    out("  actors left running (registry): " + num(running_left_)
        + " (not counting this thread's scoped actor)");
    out("");
  }
  // -- checks -----------------------------------------------------------------
  struct check {
    bool ok;
    std::string text;
  };
  std::vector<check> checks;
  {
    std::string text = "every injected crash was followed by a restart: "
                       + num(a.crashes_restarted) + " of " + num(a.crashes);
    for (auto& x : a.unrestarted)
      text += "\n         not restarted: " + x;
    checks.push_back({a.crashes_restarted == a.crashes, text});
  }
  checks.push_back(
    {chaos_report_->commands == plan_.size(),
     "crash schedule carried out: " + num(chaos_report_->commands) + " of "
       + num(plan_.size()) + " planned crash commands sent"});
  checks.push_back({client_done_ && timed_out == 0 && sent == answered + failed
                      && cr.wrong == 0,
                    "every request answered or failed with an error: sent "
                      + num(sent) + " = answered " + num(answered)
                      + " + failed " + num(failed) + "; no answer "
                      + num(timed_out) + "; wrong " + num(cr.wrong)});
  {
    std::string text = "every child running again before shutdown";
    for (auto& x : not_running_before_stop_)
      text += "\n         not running: " + x;
    checks.push_back(
      {children_listed_ && not_running_before_stop_.empty(), text});
  }
  checks.push_back(
    {!root_died_early_ && root_stopped_
       && root_exit_reason_ == caf::exit_reason::user_shutdown
       && a.root_shutdown_seen && events_flushed_ && helpers_stopped_
       && registry_clean_,
     root_died_early_
       ? "tree stopped cleanly: no, the root died during the run ("
           + render(root_early_reason_) + ")"
       : "tree stopped cleanly (" + render(root_exit_reason_)
           + "), no actor left running (" + num(running_left_) + ")"});
  {
    std::string text = "every injected crash classified by the detection "
                       "pipeline (crash or crash_loop): "
                       + num(d.classified) + " of " + num(crashes.size())
                       + "; faults on targets that did not crash: "
                       + num(d.stray.size());
    for (auto& x : d.missed)
      text += "\n         not classified: " + x;
    for (auto& x : d.stray)
      text += "\n         stray fault: " + x;
    checks.push_back(
      {d.classified == crashes.size() && d.stray.empty(), text});
  }
  bool all_ok = true;
  std::cout << "== checks\n";
  for (auto& c : checks) {
    std::cout << "  [" << (c.ok ? "ok" : "FAILED") << "] " << c.text << '\n';
    all_ok = all_ok && c.ok;
  }
  std::cout << "summary: crashes injected " << a.crashes << ", restarted "
            << a.crashes_restarted << ", requests " << sent << " (answered "
            << answered << ", failed " << failed << ", no answer " << timed_out
            << "), escalations " << a.escalations.size() << ", actors left "
            << running_left_ << '\n';
  std::cout << "result: " << (all_ok ? "PASS" : "FAIL") << std::endl;
  return all_ok ? 0 : 1;
}

int demo::run() {
  out("remedy-node " + std::string{version()} + ": supervision demo");
  out("  duration " + fmt_seconds(opts_.duration) + ", seed " + num(opts_.seed)
      + ", crash rate " +
      [&] {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.2f", opts_.crash_rate);
        return std::string{buf};
      }()
      + "/s, scheduler threads " + num(sys_.scheduler().num_workers()));
  out("  (--seed " + num(opts_.seed) + " repeats this crash schedule)");
  out("");
  if (!setup()) {
    std::cerr << "remedy-node: setup failed: " << setup_error_ << '\n';
    stop_everything();
    return 1;
  }
  describe_tree();
  drive();
  collect_endpoint_stats();
  check_children_running();
  stop_everything();
  return report();
}

} // namespace

int run_supervision_demo(const demo_options& opts) {
  remedy::config cfg;
  cfg.set("scheduler.max-threads",
          static_cast<caf::config_value::integer>(opts.threads));
  caf::actor_system sys{cfg};
  int rc = 0;
  bool clean = false;
  {
    demo d{sys, opts};
    rc = d.run();
  }
  clean = sys.registry().running() == 0;
  if (!clean) {
    // Something is still running: do not let ~actor_system wait forever.
    logger("remedy.node")->error("actors still running at exit; not waiting");
    sys.await_actors_before_shutdown(false);
    if (rc == 0)
      rc = 1;
  }
  return rc;
}

} // namespace remedy::node
