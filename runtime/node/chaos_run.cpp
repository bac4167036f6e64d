#include "chaos_run.hpp"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <random>
#include <thread>

#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "remedy/classification/fault.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/healing/orchestrator.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/scheduling/scheduler.hpp"
#include "remedy/scheduling/task.hpp"
#include "remedy/strategies/heal_target.hpp"
#include "remedy/strategies/restart_strategy.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

namespace remedy::node {

using namespace std::chrono_literals;

namespace {

using run_atom = caf::atom_constant<caf::atom("c_run")>;
using stop_atom = caf::atom_constant<caf::atom("c_stop")>;
using fire_atom = caf::atom_constant<caf::atom("c_fire")>;
using ctick_atom = caf::atom_constant<caf::atom("c_ctick")>;

double seconds_since(steady::time_point start, steady::time_point t) {
  return std::chrono::duration<double>(t - start).count();
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& x) {
    return static_cast<double>(x.tv_sec) + static_cast<double>(x.tv_usec) / 1e6;
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// -- the client -----------------------------------------------------------------

struct client_shared {
  std::vector<request_record> records;
  std::atomic<bool> done{false};
  /// The client thread's CPU time, updated on every tick.
  std::atomic<double> cpu_s{0};
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct client_state {
  steady::time_point start;
  uint64_t sent = 0;
  uint64_t outstanding = 0;
  bool stopping = false;
  std::mt19937_64 rng;
  static inline const char* name = "chaos_client";
};

/// An open-loop client: `load` requests a second, whatever the answers,
/// for `length`; then it waits for the outstanding ones (each bounded by
/// its timeout) and sets `done`.
caf::behavior client(caf::stateful_actor<client_state, caf::event_based_actor>* self,
                     caf::actor target, bool as_task, run_settings cfg,
                     steady::time_point start, std::shared_ptr<client_shared> out,
                     live_counters* live) {
  self->state.rng.seed(cfg.seed ^ 0xc11e47ULL);
  self->state.start = start;
  auto max_requests = static_cast<size_t>(
    cfg.load_rps * std::chrono::duration<double>(cfg.shape.length).count()
    + 16);
  out->records.reserve(max_requests);
  auto finish_if_done = [self, out] {
    if (self->state.stopping && self->state.outstanding == 0) {
      out->done = true;
      self->quit();
    }
  };
  auto complete = [self, out, live, finish_if_done](size_t idx, bool ok) {
    auto& rec = out->records[idx];
    rec.done = true;
    rec.ok = ok;
    rec.latency_ms = static_cast<float>(
      std::chrono::duration<double, std::milli>(steady::now()
                                                - self->state.start)
        .count()
      - rec.sent_s * 1000.0);
    (ok ? live->succeeded : live->failed) += 1;
    self->state.outstanding -= 1;
    finish_if_done();
  };
  auto send_one = [self, target, as_task, cfg, out, live, complete] {
    auto& st = self->state;
    auto idx = out->records.size();
    request_record rec;
    rec.sent_s = static_cast<float>(seconds_since(st.start, steady::now()));
    out->records.push_back(rec);
    auto x = st.rng();
    auto n = cfg.worker.iterations;
    st.sent += 1;
    st.outstanding += 1;
    live->sent += 1;
    auto on_value = [complete, idx, x, n](uint64_t y) {
      complete(idx, y == lcg_jump(x, n));
    };
    auto on_error = [complete, idx](caf::error&) { complete(idx, false); };
    if (as_task) {
      task tk;
      tk.payload = caf::make_message(work_atom::value, x);
      tk.id = idx + 1;
      tk.idempotent = true;
      self->request(target, cfg.client_timeout, std::move(tk))
        .then(on_value, on_error);
    } else {
      self->request(target, cfg.client_timeout, work_atom::value, x)
        .then(on_value, on_error);
    }
  };
  return {
    [self](run_atom) { self->send(self, ctick_atom::value); },
    [self, cfg, send_one, live, out](ctick_atom) {
      auto& st = self->state;
      out->cpu_s = thread_cpu_seconds();
      if (st.stopping)
        return;
      auto elapsed = steady::now() - st.start;
      bool stop_now = live->stop != nullptr && live->stop->load();
      if (elapsed >= cfg.shape.length || stop_now) {
        st.stopping = true;
        self->send(self, stop_atom::value);
        return;
      }
      auto due = static_cast<uint64_t>(
        cfg.load_rps * std::chrono::duration<double>(elapsed).count());
      for (int i = 0; st.sent < due && i < 1000; ++i)
        send_one();
      self->delayed_send(self, 2ms, ctick_atom::value);
    },
    [self, finish_if_done](stop_atom) {
      self->state.stopping = true;
      finish_if_done();
    },
  };
}

// -- a plain CAF relay (bench_overhead's `relays` side) -------------------------

struct relay_state {
  std::vector<caf::actor> next;
  size_t turn = 0;
};

/// Asks the next actor (round robin over `next`) in its own name and answers
/// with a response promise: a bare CAF hop that sees every reply.
caf::behavior relay(caf::stateful_actor<relay_state>* self,
                    std::vector<caf::actor> next) {
  self->state.next = std::move(next);
  return {
    [self](work_atom, uint64_t x) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto& dest = st.next[st.turn++ % st.next.size()];
      auto rp = self->make_response_promise<uint64_t>();
      self->request(dest, caf::infinite, work_atom::value, x)
        .then([rp](uint64_t y) mutable { rp.deliver(y); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

// -- the injector ---------------------------------------------------------------

/// Sends each planned fault to its slot's handle on time.
caf::behavior injector(caf::event_based_actor* self,
                       std::vector<planned_fault> plan,
                       std::vector<caf::actor> handles,
                       steady::time_point start) {
  return {
    [self, plan, start](run_atom) {
      for (size_t i = 0; i < plan.size(); ++i) {
        auto at = start + plan[i].at;
        auto wait = std::max<caf::timespan>(caf::timespan{0},
                                            at - steady::now());
        self->delayed_send(self, wait, fire_atom::value, i);
      }
    },
    [self, plan, handles](fire_atom, size_t i) {
      auto& f = plan[i];
      if (f.slot < handles.size())
        self->send(handles[f.slot], inject_atom::value,
                   static_cast<uint8_t>(f.kind), f.id);
    },
  };
}

// -- the observer ---------------------------------------------------------------

struct observed {
  std::mutex mtx;
  std::vector<fault_record> faults;
  std::vector<healing_record> healings;
};

caf::behavior observer(caf::event_based_actor* self,
                       std::shared_ptr<observed> out, steady::time_point start,
                       live_counters* live) {
  subscribe(self, "fault.");
  subscribe(self, "healing.");
  return {
    [out, start, live](fault_event& ev) {
      if (ev.kind == fault_event_kind::updated)
        return;
      bool raised = ev.kind == fault_event_kind::raised;
      live->open_faults += raised ? 1 : -1;
      std::lock_guard<std::mutex> guard{out->mtx};
      std::string evidence;
      for (auto& d : ev.what.evidence) {
        if (!evidence.empty())
          evidence += "; ";
        evidence += d.detector + ": " + d.detail;
      }
      out->faults.push_back({ev.what.id, ev.what.cls, ev.what.target, raised,
                             seconds_since(start, steady::now()),
                             std::move(evidence)});
    },
    [out, start, live](healing_event& ev) {
      using k = healing_event_kind;
      if (ev.kind == k::decided)
        live->healings_active += 1;
      else if (ev.kind == k::succeeded || ev.kind == k::failed
               || ev.kind == k::abandoned || ev.kind == k::undone)
        live->healings_active -= 1;
      std::lock_guard<std::mutex> guard{out->mtx};
      out->healings.push_back({ev.kind, ev.healing, ev.attempt, ev.fault,
                               ev.cls, ev.target, ev.strategy, ev.detail,
                               seconds_since(start, steady::now())});
    },
  };
}

std::string worker_id(size_t slot) {
  return "worker-" + std::to_string(slot);
}

} // namespace

// -- settings -------------------------------------------------------------------

detection_tree_settings scenario_detection(const worker_settings& w) {
  detection_tree_settings s;
  auto& d = s.detectors;
  // Heartbeats every w.beat (100 ms): a silence of about 400 ms is a hang.
  d.heartbeat.name = "heartbeat";
  d.heartbeat.phi.first_heartbeat_estimate = w.beat;
  d.heartbeat.phi.min_std_deviation = 25ms;
  d.heartbeat.phi.acceptable_heartbeat_pause = 200ms;
  d.heartbeat.check_interval = 100ms;
  // Absolute limits (SLOs) on what the scheduler and workers publish every
  // 100 ms. The adaptive detectors learn a target's normal over minutes
  // (their warm-up is 8 min at 1 s samples); a run lasts seconds.
  d.threshold = threshold_detector_settings{};
  d.threshold.name = "threshold";
  d.threshold.check_interval = 100ms;
  {
    threshold_detector_rule slow;
    slow.metric = "latency_ms";
    slow.threshold.name = "latency_slo";
    slow.threshold.limit = 60;
    // Held 200 ms: a slow worker's answers stay slow, while a stall of the
    // whole process (a loaded machine) lasts about one interval and hits
    // every worker at once.
    slow.threshold.for_duration = 200ms;
    slow.threshold.clear_limit = 20;
    slow.threshold.clear_for = 300ms;
    d.threshold.rules.push_back(slow);
    // A call unanswered for 150 ms: a hang (the slowdown answers after
    // 100 ms; the scheduler gives up at 300 ms).
    threshold_detector_rule stuck;
    stuck.metric = "oldest_ms";
    stuck.kind = detection_kind::hang;
    stuck.threshold.name = "stuck_call";
    stuck.threshold.limit = 150;
    stuck.threshold.clear_limit = 50;
    stuck.threshold.clear_for = 300ms;
    d.threshold.rules.push_back(stuck);
    threshold_detector_rule errors;
    errors.metric = "error_rate";
    errors.threshold.name = "error_slo";
    errors.threshold.limit = 0.5;
    errors.threshold.clear_limit = 0.1;
    errors.threshold.clear_for = 300ms;
    d.threshold.rules.push_back(errors);
    threshold_detector_rule memory;
    memory.metric = "memory_mb";
    memory.threshold.name = "memory_limit";
    memory.threshold.limit = w.leak_limit_mb;
    memory.threshold.clear_limit = 0.9 * w.leak_limit_mb;
    memory.threshold.clear_for = 300ms;
    d.threshold.rules.push_back(memory);
  }
  d.adaptive.clear();
  // Exhaustion ahead: a line through the last 2 s of memory_mb that reaches
  // the limit within 10 s.
  d.trend.name = "trend";
  d.trend.limits = {{"memory_mb", w.leak_limit_mb, threshold_direction::above}};
  d.trend.method = trend_method::regression;
  d.trend.window = 2s;
  d.trend.min_history = 500ms;
  d.trend.horizon = 10s;
  d.trend.raise_after = 3;
  d.trend.clear_after = 3;
  // Three crashes within 2 s are a loop; 1 s without one is stable.
  d.crash_loop.name = "crash_loop";
  d.crash_loop.loop.events = 3;
  d.crash_loop.loop.window = 2s;
  d.crash_loop.stable_after = 1s;
  d.crash_loop.check_interval = 100ms;
  s.classifier.clear_after = 300ms;
  s.classifier.check_interval = 100ms;
  // A hang's timed-out calls raise its latency and error rate, a
  // crash's bounced calls its error rate: the cause wins.
  auto& p = s.classifier.precedence;
  p.push_back({fault_class::hang, fault_class::slow});
  p.push_back({fault_class::hang, fault_class::error_spike});
  p.push_back({fault_class::crash, fault_class::error_spike});
  p.push_back({fault_class::crash, fault_class::slow});
  return s;
}

healing_settings scenario_healing(uint64_t seed) {
  healing_settings h;
  h.name = "healing";
  for (auto c : {fault_class::hang, fault_class::slow, fault_class::error_spike,
                 fault_class::crash_loop,
                 fault_class::resource_exhaustion_predicted,
                 fault_class::resource_exhaustion})
    h.ladders[c] = {"restart"};
  h.policy = healing_policy::learned;
  h.verify_window = 4s;
  h.relapse_window = 5s;
  h.cooldown = 300ms;
  h.strategy_timeout = 3s;
  h.check_interval = 100ms;
  h.max_concurrent = 8;
  h.max_disruption = 0.5;
  h.seed = seed;
  return h;
}

// -- one run --------------------------------------------------------------------

run_result run_once(const run_settings& cfg, live_counters& live) {
  run_result res;
  res.remedy = cfg.remedy;
  auto log = logger("remedy.node");
  remedy::config sys_cfg;
  sys_cfg.set("scheduler.max-threads",
              static_cast<caf::config_value::integer>(cfg.threads));
  // CAF's default work-stealing scheduler, without busy polling: an idle
  // scheduler thread sleeps on its condition variable at once (CAF's
  // defaults spin, then poll every 50 us for 25 ms, which burns CPU that the
  // overhead would count more or less by chance). A message sent from a
  // scheduler thread runs next on that thread, so a request's hops through
  // scheduler and endpoint wake no other thread; the sharing policy
  // woke one for each (measured: +12-18 % overhead, mostly context switches).
  sys_cfg.set("scheduler.policy", caf::atom("stealing"));
  sys_cfg.set("work-stealing.aggressive-poll-attempts",
              static_cast<caf::config_value::integer>(0));
  sys_cfg.set("work-stealing.moderate-poll-attempts",
              static_cast<caf::config_value::integer>(0));
  caf::actor_system sys{sys_cfg};
  auto ledger = std::make_shared<chaos_ledger>(cfg.shape.workers);
  auto seen = std::make_shared<observed>();
  std::vector<caf::actor> stop_list; // stopped in this order at the end
  std::vector<caf::actor> handles;   // per slot: where faults go
  caf::actor target;                 // where the client sends
  {
    caf::scoped_actor self{sys};
    auto envs = std::vector<worker_env_ptr>{};
    for (size_t i = 0; i < cfg.shape.workers; ++i) {
      auto env = std::make_shared<worker_env>();
      env->ledger = ledger;
      env->settings = cfg.worker;
      env->slot = i;
      env->target = "svc/" + worker_id(i);
      env->remedy = cfg.remedy;
      envs.push_back(std::move(env));
    }
    caf::actor observer_actor;
    auto t0 = steady::now(); // replaced right before the load starts
    if (!cfg.remedy) {
      size_t next = 0;
      auto factory = [&] { return sys.spawn(chaos_worker, envs[next++]); };
      auto pool = caf::actor_pool::make(sys.dummy_execution_unit(),
                                        cfg.shape.workers, factory,
                                        caf::actor_pool::round_robin());
      // The pool's workers, in slot order (the factory ran in order).
      self->request(pool, 5s, caf::sys_atom::value, caf::get_atom::value)
        .receive([&](std::vector<caf::actor>& xs) { handles = xs; },
                 [&](caf::error& err) { res.error = render(err); });
      if (handles.size() != cfg.shape.workers && res.error.empty())
        res.error = "the pool has " + std::to_string(handles.size())
                    + " workers";
      target = pool;
      stop_list.push_back(pool);
      if (cfg.relays && res.error.empty()) {
        target = sys.spawn(relay, handles);
        stop_list.insert(stop_list.begin(), target);
      }
    } else {
      auto det = detection_tree("detection", scenario_detection(cfg.worker))
                   .spawn(sys);
      if (!det) {
        res.error = "detection tree: " + render(det.error());
        return res;
      }
      self->request(det->root, 5s, await_started_atom::value)
        .receive([] {},
                 [&](caf::error& err) {
                   res.error = "detection tree: " + render(err);
                 });
      auto svc = supervisor_builder("svc", strategy::one_for_one)
                   .intensity(1000, 10s)
                   .with_seed(cfg.seed);
      for (size_t i = 0; i < cfg.shape.workers; ++i)
        svc.worker(worker_id(i), start(chaos_worker, envs[i]),
                   restart_type::permanent, shutdown_spec{});
      auto tree = svc.spawn(sys);
      if (!tree) {
        res.error = "service tree: " + render(tree.error());
        caf::anon_send_exit(det->root, caf::exit_reason::user_shutdown);
        return res;
      }
      auto sched_cfg = scheduler_settings{};
      sched_cfg.name = "svc";
      sched_cfg.max_per_worker = 32;
      sched_cfg.default_deadline = cfg.client_timeout - 100ms;
      sched_cfg.default_attempts = 3;
      sched_cfg.attempt_timeout = 300ms;
      sched_cfg.eject_consecutive_failures = 3;
      sched_cfg.base_ejection = 500ms;
      sched_cfg.max_ejection = 5s;
      sched_cfg.hedge_budget = 0.05;
      sched_cfg.tick_interval = 100ms;
      // The scheduler is the workers' breaker, bulkhead and timeout (outlier
      // ejection after 3 failures in a row, at most 32 tasks per worker,
      // 300 ms per attempt) and publishes the samples the detectors read
      // (latency, error rate, the oldest call) every 100 ms. A route per
      // worker in between did the same work once more and cost a scheduled
      // hop each way: 2.9 % of the service's CPU per request (bench_overhead,
      // 8 paired rounds, every round above 1).
      sched_cfg.metrics_interval = 100ms;
      // The scheduler avoids bad workers by its own measurements (outlier
      // ejection, peak-EWMA latency), not by the health view: its samples
      // of a worker's latency and error rate exist only while the worker
      // has calls, so a worker kept out of work while its slow or
      // error_spike fault is active could never show that a restart cured
      // it.
      sched_cfg.follow_health = false;
      sched_cfg.seed = cfg.seed;
      auto sched = spawn_scheduler(sys, sched_cfg);
      if (!sched) {
        res.error = "scheduler: " + render(sched.error());
        return res;
      }
      std::vector<heal_target> targets;
      for (size_t i = 0; i < cfg.shape.workers; ++i) {
        auto ep = tree->endpoint(worker_id(i));
        if (auto ok = add_worker(self, *sched, ep, envs[i]->target); !ok) {
          res.error = "add_worker: " + render(ok.error());
          break;
        }
        heal_target ht;
        ht.name = envs[i]->target;
        ht.supervisor = tree->root;
        ht.child = worker_id(i);
        ht.endpoint = ep;
        ht.group = "svc";
        ht.group_size = static_cast<uint32_t>(cfg.shape.workers);
        targets.push_back(std::move(ht));
        handles.push_back(ep);
      }
      restart_strategy_settings rs;
      rs.request_timeout = 2s;
      auto restart = spawn_restart_strategy(sys, rs);
      caf::expected<caf::actor> healer{caf::make_error(caf::sec::invalid_argument)};
      if (restart) {
        healer = spawn_orchestrator(sys, scenario_healing(cfg.seed),
                                    {{"restart", *restart}}, targets);
        if (!healer)
          res.error = "orchestrator: " + render(healer.error());
      } else {
        res.error = "restart strategy: " + render(restart.error());
      }
      if (healer)
        stop_list.push_back(*healer);
      if (restart)
        stop_list.push_back(*restart);
      stop_list.push_back(*sched);
      stop_list.push_back(tree->root);
      stop_list.push_back(det->root);
      target = *sched;
    }
    if (res.error.empty()) {
      // Go: the client and the injector share the start time.
      t0 = steady::now();
      res.start = t0;
      if (cfg.remedy) {
        // Subscribed before the load starts; measures from t0 too.
        observer_actor = sys.spawn(observer, seen, t0, &live);
        stop_list.push_back(observer_actor);
      }
      auto shared = std::make_shared<client_shared>();
      auto cl = sys.spawn<caf::detached>(client, target, cfg.remedy, cfg,
                                         t0, shared, &live);
      auto inj = sys.spawn<caf::detached>(injector, cfg.plan, handles, t0);
      self->send(cl, run_atom::value);
      self->send(inj, run_atom::value);
      // Warm-up CPU: from a quarter into the warm-up (the start-up settled)
      // to its end.
      auto from = t0 + cfg.shape.warmup / 4;
      auto to = t0 + cfg.shape.warmup;
      double cpu_from = -1;
      double client_from = 0;
      auto deadline = t0 + cfg.shape.length + cfg.client_timeout + 5s;
      while (!shared->done && steady::now() < deadline) {
        std::this_thread::sleep_for(10ms);
        auto now = steady::now();
        if (cpu_from < 0 && now >= from) {
          cpu_from = cpu_seconds();
          client_from = shared->cpu_s;
          res.warmup_from_s = seconds_since(t0, now);
        } else if (cpu_from >= 0 && res.warmup_to_s == 0 && now >= to) {
          res.warmup_cpu_s = cpu_seconds() - cpu_from;
          res.warmup_client_cpu_s = shared->cpu_s - client_from;
          res.warmup_to_s = seconds_since(t0, now);
        }
      }
      res.load_s = seconds_since(t0, steady::now());
      res.partial = live.stop != nullptr && live.stop->load();
      if (!shared->done) {
        log->error("the client did not finish in time");
        res.error = "the client did not finish within its bounds";
        caf::anon_send_exit(cl, caf::exit_reason::kill);
      }
      caf::anon_send_exit(inj, caf::exit_reason::user_shutdown);
      if (shared->done)
        res.requests = shared->records;
      res.ledger = ledger->snapshot();
      {
        std::lock_guard<std::mutex> guard{seen->mtx};
        res.faults = seen->faults;
        res.healings = seen->healings;
      }
      res.load_s = std::min(res.load_s,
                            std::chrono::duration<double>(cfg.shape.length)
                              .count());
    }
    for (auto& x : stop_list)
      if (x)
        self->send_exit(x, caf::exit_reason::user_shutdown);
  }
  return res;
}

} // namespace remedy::node
