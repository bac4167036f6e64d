// scheduler: the fault-aware scheduler (remedy::spawn_scheduler) against raw
// CAF's actor_pool (caf::actor_pool, round robin) over 8 workers, in the same
// run.
//
// Part 1, dispatch throughput, all workers healthy: 8 echo workers (answer
// at once), one driver keeping 64 requests in flight (caf::infinite on the
// client side, bounded by a wait on the driver). Rounds of a fixed number of
// requests rotate over the paths:
//   pool       actor_pool of the 8 workers, round robin: the baseline
//   sched      scheduler, least_loaded (P2C + peak EWMA), default settings
//   sched_rr   scheduler, round_robin (reference: the policy's own cost)
//   proxy_pool a raw CAF proxy observing each reply (request.then + response
//              promise) in front of the pool (reference: the floor of a hop
//              that sees every reply, which the scheduler has to be)
// Ratios are taken per repetition (rounds of the same repetition), medians
// reported; the goal (scheduler >= 0.67x the pool's requests/s) is checked
// as the equivalent time ratio, as in route_throughput.
//
// Part 2, p99 latency with one of 8 workers 10x slower: each worker serves
// one request at a time from its own FIFO, a request taking 1 ms (healthy)
// or 10 ms (the slow one) of timer time (delayed_send to itself, then the
// response promise is delivered): no CPU is burnt, so 8 workers fit a 2-core
// machine and the service times do not depend on how the cores are shared.
// An open-loop generator sends `--rate` requests/s (default 400, half the
// pool's capacity: round robin gives the slow worker 1/8 of the load, and it
// serves 100/s), evenly spaced (catch-up on a 1 ms tick), and records each
// client-side latency. Rounds alternate pool / scheduler; the first round of
// each side is a warm-up (the scheduler learns the workers' latencies then)
// and is not counted. Per repetition: p50, p99 of each side and the ratio
// scheduler p99 / pool p99 (goal <= 0.25).
//
// Part 3, one of 8 workers killed every `--kill-ms` (default 1000) during a
// run of `--fault-ms` (default 5000): the same serial 1 ms workers, one
// driver keeping 64 requests in flight with a 1 s request timeout. A killed
// worker (exit_reason::kill) is replaced at once by a fresh one: for the
// scheduler with add_worker; for the pool with (sys, put, worker) (the pool
// monitors its workers and drops a dead one itself), so both stay at 8.
// Each side runs once fault-free and once with kills. Lost tasks: requests
// answered with an error (by kind: request_receiver_down, request_timeout,
// other). Goals: the scheduler loses none (at-least-once: a dead worker's
// tasks run again elsewhere), and its answered requests/s with kills are >=
// 0.8x its own fault-free run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <caf/actor_pool.hpp>

#include "common.hpp"
#include "remedy/core/error.hpp"
#include "remedy/scheduling/scheduler.hpp"
#include "remedy/scheduling/scheduler_settings.hpp"
#include "remedy/scheduling/scheduler_stats.hpp"

namespace {

constexpr const char* bench_name = "scheduler";
constexpr size_t num_workers = 8;

using done_atom = caf::atom_constant<caf::atom("b_sdone")>;
using tick_atom = caf::atom_constant<caf::atom("b_stick")>;
using ol_go_atom = caf::atom_constant<caf::atom("b_olgo")>;
using cl_go_atom = caf::atom_constant<caf::atom("b_clgo")>;

// -- workers ------------------------------------------------------------------

caf::behavior echo(caf::event_based_actor*) {
  return {
    [](int x) { return x; },
  };
}

/// A raw CAF proxy that observes each reply (request(infinite).then + a
/// response promise): the raw cost of the hop a scheduler makes.
caf::behavior then_proxy(caf::event_based_actor* self, caf::actor target) {
  return {
    [=](int x) -> caf::result<int> {
      auto rp = self->make_response_promise<int>();
      self->request(target, caf::infinite, x)
        .then([rp](int y) mutable { rp.deliver(y); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

struct serial_state {
  std::deque<std::pair<caf::typed_response_promise<int>, int>> queue;
  bool busy = false;
};

/// Serves one request at a time, each taking `service` of timer time.
caf::behavior serial_worker(caf::stateful_actor<serial_state>* self,
                            caf::timespan service) {
  return {
    [=](int x) -> caf::result<int> {
      auto rp = self->make_response_promise<int>();
      self->state.queue.emplace_back(rp, x);
      if (!self->state.busy) {
        self->state.busy = true;
        self->delayed_send(self, service, done_atom::value);
      }
      return rp;
    },
    [=](done_atom) {
      auto& q = self->state.queue;
      if (!q.empty()) {
        q.front().first.deliver(q.front().second);
        q.pop_front();
      }
      if (q.empty())
        self->state.busy = false;
      else
        self->delayed_send(self, service, done_atom::value);
    },
  };
}

// -- open-loop generator (part 2) ---------------------------------------------

struct open_loop_out {
  std::vector<double> latency_us;
  size_t sent = 0;
  size_t errors = 0;
  std::string first_error;
};

struct open_loop_state {
  std::shared_ptr<open_loop_out> out;
  caf::actor target;
  double rate = 0;
  bench::clock_type::time_point start;
  bench::clock_type::time_point end;
  caf::timespan timeout{0};
  size_t outstanding = 0;
  bool stopped = false;
  caf::response_promise rp;
};

using open_loop_actor = caf::stateful_actor<open_loop_state>;

void open_loop_maybe_done(open_loop_actor* self) {
  auto& st = self->state;
  if (st.stopped && st.outstanding == 0)
    st.rp.deliver(caf::unit);
}

void open_loop_send(open_loop_actor* self) {
  auto& st = self->state;
  auto out = st.out;
  ++out->sent;
  ++st.outstanding;
  auto t0 = bench::clock_type::now();
  self->request(st.target, st.timeout, static_cast<int>(out->sent))
    .then(
      [self, out, t0](int) {
        out->latency_us.push_back(
          bench::since_us(t0, bench::clock_type::now()));
        --self->state.outstanding;
        open_loop_maybe_done(self);
      },
      [self, out](caf::error& err) {
        if (out->errors++ == 0)
          out->first_error = remedy::render(err);
        --self->state.outstanding;
        open_loop_maybe_done(self);
      });
}

/// On `(ol_go_atom, target, rate/s, duration ns, timeout ms)`: sends `rate`
/// requests per second to `target`, evenly spaced, for the duration; answers
/// once every request got its answer (or timed out). Results go to `out`.
caf::behavior open_loop(open_loop_actor* self,
                        std::shared_ptr<open_loop_out> out) {
  self->state.out = std::move(out);
  return {
    [self](ol_go_atom, caf::actor target, uint64_t rate, uint64_t duration_ns,
           uint64_t timeout_ms) -> caf::result<void> {
      auto& st = self->state;
      *st.out = open_loop_out{};
      st.target = std::move(target);
      st.rate = static_cast<double>(rate);
      st.start = bench::clock_type::now();
      st.end = st.start + std::chrono::nanoseconds(duration_ns);
      st.timeout = std::chrono::milliseconds(timeout_ms);
      st.outstanding = 0;
      st.stopped = false;
      st.rp = self->make_response_promise();
      self->send(self, tick_atom::value);
      return st.rp;
    },
    [self](tick_atom) {
      auto& st = self->state;
      auto now = bench::clock_type::now();
      if (now >= st.end) {
        st.stopped = true;
        open_loop_maybe_done(self);
        return;
      }
      auto elapsed = std::chrono::duration<double>(now - st.start).count();
      auto due = static_cast<size_t>(st.rate * elapsed) + 1;
      while (st.out->sent < due)
        open_loop_send(self);
      self->delayed_send(self, std::chrono::milliseconds(1), tick_atom::value);
    },
  };
}

// -- timed closed-loop driver (part 3) ----------------------------------------

struct closed_out {
  size_t ok = 0;
  /// Answered with a value before the run's end.
  size_t ok_in_window = 0;
  size_t receiver_down = 0;
  size_t timeouts = 0;
  size_t other = 0;
  std::string first_other;

  size_t lost() const {
    return receiver_down + timeouts + other;
  }
};

struct closed_state {
  std::shared_ptr<closed_out> out;
  caf::actor target;
  bench::clock_type::time_point end;
  caf::timespan timeout{0};
  size_t outstanding = 0;
  caf::response_promise rp;
};

using closed_actor = caf::stateful_actor<closed_state>;

bool is_sec(const caf::error& err, caf::sec code) {
  return err.category() == caf::atom("system")
         && err.code() == static_cast<uint8_t>(code);
}

void closed_send(closed_actor* self);

void closed_answered(closed_actor* self) {
  auto& st = self->state;
  --st.outstanding;
  if (bench::clock_type::now() < st.end)
    closed_send(self);
  else if (st.outstanding == 0)
    st.rp.deliver(caf::unit);
}

void closed_send(closed_actor* self) {
  auto& st = self->state;
  auto out = st.out;
  ++st.outstanding;
  self->request(st.target, st.timeout, 7)
    .then(
      [self, out](int) {
        ++out->ok;
        if (bench::clock_type::now() < self->state.end)
          ++out->ok_in_window;
        closed_answered(self);
      },
      [self, out](caf::error& err) {
        if (is_sec(err, caf::sec::request_receiver_down)) {
          ++out->receiver_down;
        } else if (is_sec(err, caf::sec::request_timeout)) {
          ++out->timeouts;
        } else {
          if (out->other++ == 0)
            out->first_other = remedy::render(err);
        }
        closed_answered(self);
      });
}

/// On `(cl_go_atom, target, in_flight, duration ns, timeout ms)`: keeps
/// `in_flight` requests outstanding until the duration has passed, then
/// answers once the last one is answered (or timed out).
caf::behavior closed_loop(closed_actor* self, std::shared_ptr<closed_out> out) {
  self->state.out = std::move(out);
  return {
    [self](cl_go_atom, caf::actor target, uint64_t in_flight,
           uint64_t duration_ns, uint64_t timeout_ms) -> caf::result<void> {
      auto& st = self->state;
      *st.out = closed_out{};
      st.target = std::move(target);
      st.end = bench::clock_type::now() + std::chrono::nanoseconds(duration_ns);
      st.timeout = std::chrono::milliseconds(timeout_ms);
      st.outstanding = 0;
      st.rp = self->make_response_promise();
      for (uint64_t i = 0; i < in_flight; ++i)
        closed_send(self);
      return st.rp;
    },
  };
}

// -- helpers ------------------------------------------------------------------

struct path {
  const char* name;
  caf::actor target;
  caf::actor drv;
};

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--requests=N] [--reps=N] [--rate=N] [--round-ms=N] [--lat-reps=N] "
    "[--fault-ms=N] [--kill-ms=N]\n"
    "  --requests=N   part 1: requests per round (default 100000, quick "
    "20000)\n"
    "  --reps=N       part 1: rounds per path (default 7, quick 3)\n"
    "  --rate=N       part 2: requests/s, open loop (default 400)\n"
    "  --round-ms=N   part 2: length of a round (default 2000, quick 500)\n"
    "  --lat-reps=N   part 2: measured rounds per side, after one warm-up\n"
    "                 round each (default 3, quick 2)\n"
    "  --fault-ms=N   part 3: length of a run (default 5000, quick 1000)\n"
    "  --kill-ms=N    part 3: one worker killed this often (default 1000,\n"
    "                 quick 250)\n");
  size_t n = opts.get_size("requests", opts.quick ? 20000 : 100000);
  size_t reps = opts.get_size("reps", opts.quick ? 3 : 7);
  auto rate = static_cast<uint64_t>(opts.get_size("rate", 400));
  auto round_ms = opts.get_size("round-ms", opts.quick ? 500 : 2000);
  size_t lat_reps = opts.get_size("lat-reps", opts.quick ? 2 : 3);
  auto fault_ms = opts.get_size("fault-ms", opts.quick ? 1000 : 5000);
  auto kill_ms = opts.get_size("kill-ms", opts.quick ? 250 : 1000);
  if (n == 0 || reps == 0 || rate == 0 || round_ms == 0 || lat_reps == 0
      || fault_ms == 0 || kill_ms == 0)
    bench::fail("every size must be > 0");
  constexpr uint64_t in_flight = 64;
  constexpr auto fast_service = std::chrono::milliseconds(1);
  constexpr auto slow_service = std::chrono::milliseconds(10);
  constexpr size_t slow_index = 3;
  constexpr uint64_t lat_timeout_ms = 2000;
  constexpr uint64_t fault_timeout_ms = 1000;

  remedy::config cfg;
  bench::configure(cfg, opts);
  caf::actor_system sys{cfg};
  bench::print_header(bench_name, opts, sys);
  std::printf("   %zu workers; part 1: echo workers, %zu requests per round, "
              "%llu in flight, %zu repetitions; part 2: serial workers "
              "(%lld ms, one %lld ms), %llu req/s open loop, rounds of %zu "
              "ms, 1 warm-up + %zu per side; part 3: serial %lld ms workers, "
              "%llu in flight, %zu ms runs, a kill every %zu ms\n\n",
              num_workers, n, static_cast<unsigned long long>(in_flight),
              reps, static_cast<long long>(fast_service.count()),
              static_cast<long long>(slow_service.count()),
              static_cast<unsigned long long>(rate), round_ms, lat_reps,
              static_cast<long long>(fast_service.count()),
              static_cast<unsigned long long>(in_flight), fault_ms, kill_ms);
  std::fflush(stdout);

  caf::scoped_actor self{sys};
  caf::scoped_actor ctl{sys};
  auto limit = std::chrono::seconds(60);

  auto make_scheduler = [&](const std::string& name,
                            remedy::placement_policy policy) {
    remedy::scheduler_settings s;
    s.name = name;
    s.policy = policy;
    auto x = remedy::spawn_scheduler(sys, std::move(s));
    if (!x)
      bench::fail("spawn_scheduler: " + remedy::render(x.error()));
    return *x;
  };
  auto add = [&](const caf::actor& sched, const caf::actor& w,
                 const std::string& name) {
    if (auto r = remedy::add_worker(ctl, sched, w, name); !r)
      bench::fail("add_worker " + name + ": " + remedy::render(r.error()));
  };
  auto sched_stats = [&](const caf::actor& sched) {
    auto st = remedy::scheduler_stats_of(ctl, sched);
    if (!st)
      bench::fail("scheduler_stats: " + remedy::render(st.error()));
    return *st;
  };
  auto print_stats = [&](const char* what, const remedy::scheduler_stats& s) {
    std::printf("stats %-12s submitted=%llu done=%llu failed=%llu "
                "expired=%llu rejected=%llu queued=%llu running=%llu "
                "retries=%llu late=%llu ejections=%llu\n",
                what, static_cast<unsigned long long>(s.submitted),
                static_cast<unsigned long long>(s.done),
                static_cast<unsigned long long>(s.failed),
                static_cast<unsigned long long>(s.expired),
                static_cast<unsigned long long>(s.rejected),
                static_cast<unsigned long long>(s.queued),
                static_cast<unsigned long long>(s.running),
                static_cast<unsigned long long>(s.retries),
                static_cast<unsigned long long>(s.late_replies),
                static_cast<unsigned long long>(s.ejections));
  };
  auto make_pool = [&](std::function<caf::actor()> factory) {
    return caf::actor_pool::make(sys.dummy_execution_unit(), num_workers,
                                 factory, caf::actor_pool::round_robin());
  };
  std::vector<caf::actor> to_stop;

  // -- part 1: dispatch throughput --------------------------------------------
  auto pool1 = make_pool([&] { return sys.spawn(echo); });
  auto sched1 = make_scheduler("bench.ll",
                               remedy::placement_policy::least_loaded);
  auto sched1rr = make_scheduler("bench.rr",
                                 remedy::placement_policy::round_robin);
  for (auto* s : {&sched1, &sched1rr})
    for (size_t i = 0; i < num_workers; ++i) {
      auto w = sys.spawn(echo);
      to_stop.push_back(w);
      add(*s, w, "w" + std::to_string(i));
    }
  auto proxy1 = sys.spawn(then_proxy, pool1);
  to_stop.insert(to_stop.end(), {proxy1, pool1, sched1, sched1rr});
  auto driver = [&] {
    return bench::spawn_request_driver<int>(sys, "request", 7);
  };
  std::vector<path> fast = {
    {"pool", pool1, driver()},
    {"sched", sched1, driver()},
    {"sched_rr", sched1rr, driver()},
    {"proxy_pool", proxy1, driver()},
  };
  auto run = [&](const path& p, size_t count) {
    auto t0 = bench::clock_type::now();
    self
      ->request(p.drv, limit, bench::go_atom::value, p.target,
                static_cast<uint64_t>(count), in_flight, false)
      .receive([] {},
               [&](caf::error& err) {
                 bench::fail(std::string{"driver ("} + p.name
                             + "): " + remedy::render(err));
               });
    return bench::since_us(t0, bench::clock_type::now()) * 1000.0
           / static_cast<double>(count);
  };
  std::vector<std::vector<double>> ns(fast.size());
  for (auto& p : fast) // warm-up
    run(p, n / 10);
  for (size_t r = 0; r < reps; ++r)
    for (size_t j = 0; j < fast.size(); ++j) {
      auto w = (j + r) % fast.size();
      ns[w].push_back(run(fast[w], n));
    }
  auto pair = [&](size_t a, size_t b) {
    std::vector<double> xs;
    for (size_t r = 0; r < reps; ++r)
      xs.push_back(ns[a][r] / ns[b][r]);
    return xs;
  };
  std::printf("part 1: echo workers, 1 driver x %llu in flight (base: pool; "
              "ratios are medians of per-repetition ratios)\n",
              static_cast<unsigned long long>(in_flight));
  std::printf("%-11s %9s %9s %9s %11s %11s %13s %17s\n", "path", "median",
              "min", "max", "req/s", "ns vs base", "req/s vs base",
              "req/s range");
  for (size_t i = 0; i < fast.size(); ++i) {
    auto xs = pair(i, 0);
    auto med = bench::median(ns[i]);
    std::printf("%-11s %7.0fns %7.0fns %7.0fns %11.0f %10.3fx %12.3fx "
                "%8.3f-%.3fx\n",
                fast[i].name, med, bench::percentile(ns[i], 0),
                bench::percentile(ns[i], 100), 1e9 / med, bench::median(xs),
                1.0 / bench::median(xs), 1.0 / bench::percentile(xs, 100),
                1.0 / bench::percentile(xs, 0));
  }
  for (auto* s : {&sched1, &sched1rr}) {
    auto st = sched_stats(*s);
    print_stats(s == &sched1 ? "sched" : "sched_rr", st);
    if (st.done != st.submitted || st.retries != 0)
      bench::fail("part 1: the scheduler did not answer every task at once");
  }
  std::printf("\n");
  std::fflush(stdout);

  // -- part 2: p99 latency with one slow worker -------------------------------
  size_t made = 0;
  auto pool2 = make_pool([&] {
    auto service = made++ == slow_index ? caf::timespan{slow_service}
                                        : caf::timespan{fast_service};
    return sys.spawn(serial_worker, service);
  });
  auto sched2 = make_scheduler("bench.lat",
                               remedy::placement_policy::least_loaded);
  for (size_t i = 0; i < num_workers; ++i) {
    auto service = i == slow_index ? caf::timespan{slow_service}
                                   : caf::timespan{fast_service};
    auto w = sys.spawn(serial_worker, service);
    to_stop.push_back(w);
    add(sched2, w, i == slow_index ? "slow" : "w" + std::to_string(i));
  }
  to_stop.insert(to_stop.end(), {pool2, sched2});
  auto ol_out = std::make_shared<open_loop_out>();
  auto ol = sys.spawn(open_loop, ol_out);
  to_stop.push_back(ol);
  struct lat_round {
    double p50 = 0;
    double p99 = 0;
    double max = 0;
    size_t n = 0;
  };
  auto lat_run = [&](const caf::actor& target, const char* what) {
    self
      ->request(ol, limit, ol_go_atom::value, target, rate,
                static_cast<uint64_t>(round_ms) * 1000000u, lat_timeout_ms)
      .receive([] {},
               [&](caf::error& err) {
                 bench::fail(std::string{"open loop ("} + what
                             + "): " + remedy::render(err));
               });
    if (ol_out->errors > 0)
      bench::fail(std::string{"open loop ("} + what + "): "
                  + std::to_string(ol_out->errors) + " errors, first "
                  + ol_out->first_error);
    lat_round x;
    auto& xs = ol_out->latency_us;
    x.n = xs.size();
    x.p50 = bench::percentile(xs, 50);
    x.p99 = bench::percentile(xs, 99);
    x.max = bench::percentile(xs, 100);
    return x;
  };
  auto slow_done = [&] {
    auto ws = remedy::workers_of(ctl, sched2);
    if (!ws)
      bench::fail("workers_of: " + remedy::render(ws.error()));
    uint64_t slow = 0;
    uint64_t all = 0;
    for (auto& w : *ws) {
      all += w.done;
      if (w.name == "slow")
        slow = w.done;
    }
    return std::make_pair(slow, all);
  };
  lat_run(pool2, "pool warm-up");
  lat_run(sched2, "scheduler warm-up");
  auto after_warmup = slow_done();
  std::vector<lat_round> lat_pool;
  std::vector<lat_round> lat_sched;
  for (size_t r = 0; r < lat_reps; ++r) {
    if (r % 2 == 0) {
      lat_pool.push_back(lat_run(pool2, "pool"));
      lat_sched.push_back(lat_run(sched2, "scheduler"));
    } else {
      lat_sched.push_back(lat_run(sched2, "scheduler"));
      lat_pool.push_back(lat_run(pool2, "pool"));
    }
  }
  std::vector<double> p99_ratio;
  double slow_share = 0;
  std::vector<double> pool_p99;
  std::vector<double> sched_p99;
  std::printf("part 2: 7 workers at %lld ms + 1 at %lld ms (serial), %llu "
              "req/s open loop; client-side latency in ms\n",
              static_cast<long long>(fast_service.count()),
              static_cast<long long>(slow_service.count()),
              static_cast<unsigned long long>(rate));
  std::printf("%-4s %8s %8s %8s %8s %8s %8s %12s\n", "rep", "pool p50",
              "pool p99", "pool max", "sch p50", "sch p99", "sch max",
              "p99 sch/pool");
  for (size_t r = 0; r < lat_reps; ++r) {
    auto& a = lat_pool[r];
    auto& b = lat_sched[r];
    p99_ratio.push_back(b.p99 / a.p99);
    pool_p99.push_back(a.p99);
    sched_p99.push_back(b.p99);
    std::printf("%-4zu %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %11.3fx\n", r,
                a.p50 / 1000, a.p99 / 1000, a.max / 1000, b.p50 / 1000,
                b.p99 / 1000, b.max / 1000, b.p99 / a.p99);
  }
  {
    auto st = sched_stats(sched2);
    print_stats("sched.lat", st);
    if (st.done != st.submitted)
      bench::fail("part 2: the scheduler did not answer every task");
    auto ws = remedy::workers_of(ctl, sched2);
    if (!ws)
      bench::fail("workers_of: " + remedy::render(ws.error()));
    std::printf("tasks per worker (all rounds, warm-up included):");
    for (auto& w : *ws)
      std::printf(" %s=%llu", w.name.c_str(),
                  static_cast<unsigned long long>(w.done));
    std::printf("\n");
    auto end = slow_done();
    slow_share = 100.0 * static_cast<double>(end.first - after_warmup.first)
                 / static_cast<double>(
                   std::max<uint64_t>(end.second - after_warmup.second, 1));
    for (auto& w : *ws)
      if (w.name == "slow")
        std::printf("slow worker: %llu tasks in the warm-up round, %.2f %% "
                    "of the measured rounds' tasks; peak EWMA now %.2f ms\n",
                    static_cast<unsigned long long>(after_warmup.first),
                    slow_share,
                    std::chrono::duration<double, std::milli>(w.latency)
                      .count());
  }
  std::printf("\n");
  std::fflush(stdout);

  // -- part 3: one worker killed every kill-ms ---------------------------------
  auto cl_out = std::make_shared<closed_out>();
  auto cl = sys.spawn(closed_loop, cl_out);
  to_stop.push_back(cl);
  struct fault_run {
    closed_out out;
    double rps = 0;
    size_t kills = 0;
    remedy::scheduler_stats stats;
  };
  auto fault_run_of = [&](bool use_pool, bool kill) {
    std::vector<caf::actor> ws;
    caf::actor target;
    size_t serial = 0;
    auto spawn_worker = [&] {
      auto w = sys.spawn(serial_worker, caf::timespan{fast_service});
      ws.push_back(w);
      return w;
    };
    if (use_pool) {
      target = make_pool(spawn_worker);
    } else {
      target = make_scheduler("bench.faults",
                              remedy::placement_policy::least_loaded);
      for (size_t i = 0; i < num_workers; ++i)
        add(target, spawn_worker(), "w" + std::to_string(serial++));
    }
    auto duration = std::chrono::milliseconds(fault_ms);
    auto t0 = bench::clock_type::now();
    auto handle = self->request(cl, limit, cl_go_atom::value, target,
                                in_flight,
                                static_cast<uint64_t>(fault_ms) * 1000000u,
                                fault_timeout_ms);
    fault_run x;
    if (kill) {
      std::vector<caf::actor> alive(ws.begin(), ws.end());
      for (auto next = t0 + std::chrono::milliseconds(kill_ms);
           next < t0 + duration; next += std::chrono::milliseconds(kill_ms)) {
        std::this_thread::sleep_until(next);
        auto& victim = alive[x.kills % alive.size()];
        ctl->send_exit(victim, caf::exit_reason::kill);
        auto fresh = spawn_worker();
        victim = fresh;
        if (use_pool)
          caf::anon_send(target, caf::sys_atom_v, caf::put_atom_v, fresh);
        else
          add(target, fresh, "w" + std::to_string(serial++));
        ++x.kills;
      }
    }
    handle.receive([] {},
                   [&](caf::error& err) {
                     bench::fail(std::string{"driver (part 3): "}
                                 + remedy::render(err));
                   });
    x.out = *cl_out;
    x.rps = static_cast<double>(x.out.ok_in_window)
            / std::chrono::duration<double>(duration).count();
    if (!use_pool)
      x.stats = sched_stats(target);
    self->send_exit(target, caf::exit_reason::user_shutdown);
    for (auto& w : ws)
      self->send_exit(w, caf::exit_reason::user_shutdown);
    return x;
  };
  auto sched_clean = fault_run_of(false, false);
  auto sched_kill = fault_run_of(false, true);
  auto pool_clean = fault_run_of(true, false);
  auto pool_kill = fault_run_of(true, true);
  std::printf("part 3: serial %lld ms workers, %llu in flight, 1 s request "
              "timeout, %zu ms runs, one worker killed every %zu ms and "
              "replaced\n",
              static_cast<long long>(fast_service.count()),
              static_cast<unsigned long long>(in_flight), fault_ms, kill_ms);
  std::printf("%-12s %6s %9s %9s %6s %13s %8s %6s\n", "run", "kills",
              "answered", "req/s", "lost", "receiver_down", "timeout",
              "other");
  struct named_run {
    const char* name;
    const fault_run* r;
  };
  for (auto [nm, r] : {named_run{"sched/clean", &sched_clean},
                       named_run{"sched/kills", &sched_kill},
                       named_run{"pool/clean", &pool_clean},
                       named_run{"pool/kills", &pool_kill}})
    std::printf("%-12s %6zu %9zu %9.0f %6zu %13zu %8zu %6zu%s%s\n", nm,
                r->kills, r->out.ok, r->rps, r->out.lost(),
                r->out.receiver_down, r->out.timeouts, r->out.other,
                r->out.other > 0 ? "  first: " : "",
                r->out.first_other.c_str());
  print_stats("sched/clean", sched_clean.stats);
  print_stats("sched/kills", sched_kill.stats);
  std::printf("\n");

  // -- results ----------------------------------------------------------------
  {
    auto xs = pair(1, 0);
    auto med = bench::median(xs);
    auto goal = 1.0 / 0.67;
    std::printf("RESULT bench=%s name=dispatch.sched_vs_pool remedy=%.4g "
                "caf=%.4g ratio=%.3f unit=ns/req goal=%.4f pass=%s %s "
                "throughput_ratio=%.3f throughput_min=%.3f "
                "throughput_max=%.3f goal_throughput>=0.67x\n",
                bench_name, bench::median(ns[1]), bench::median(ns[0]), med,
                goal, med <= goal ? "yes" : "no", bench::paired(xs).c_str(),
                1.0 / med, 1.0 / bench::percentile(xs, 100),
                1.0 / bench::percentile(xs, 0));
    auto ys = pair(2, 0);
    std::printf("RESULT bench=%s name=dispatch.sched_rr_vs_pool remedy=%.4g "
                "caf=%.4g ratio=%.3f unit=ns/req goal=- pass=- %s "
                "throughput_ratio=%.3f\n",
                bench_name, bench::median(ns[2]), bench::median(ns[0]),
                bench::median(ys), bench::paired(ys).c_str(),
                1.0 / bench::median(ys));
    auto zs = pair(3, 0);
    std::printf("RESULT bench=%s name=dispatch.proxy_pool_vs_pool "
                "remedy=%.4g caf=%.4g ratio=%.3f unit=ns/req goal=- pass=- "
                "%s throughput_ratio=%.3f\n",
                bench_name, bench::median(ns[3]), bench::median(ns[0]),
                bench::median(zs), bench::paired(zs).c_str(),
                1.0 / bench::median(zs));
    auto vs = pair(1, 3);
    std::printf("RESULT bench=%s name=dispatch.sched_vs_proxy_pool "
                "remedy=%.4g caf=%.4g ratio=%.3f unit=ns/req goal=- pass=- "
                "%s throughput_ratio=%.3f\n",
                bench_name, bench::median(ns[1]), bench::median(ns[3]),
                bench::median(vs), bench::paired(vs).c_str(),
                1.0 / bench::median(vs));
  }
  {
    auto med = bench::median(p99_ratio);
    std::printf("RESULT bench=%s name=slow_worker.p99_sched_vs_pool "
                "remedy=%.4g caf=%.4g ratio=%.3f unit=ms goal=0.25 pass=%s "
                "%s slow_worker_share_pct=%.2f\n",
                bench_name, bench::median(sched_p99) / 1000,
                bench::median(pool_p99) / 1000, med,
                med <= 0.25 ? "yes" : "no", bench::paired(p99_ratio).c_str(),
                slow_share);
  }
  {
    std::printf("RESULT bench=%s name=faults.lost remedy=%zu caf=%zu "
                "ratio=- unit=tasks goal=remedy_0 pass=%s kills=%zu/%zu "
                "caf_receiver_down=%zu caf_timeout=%zu caf_other=%zu "
                "retries=%llu\n",
                bench_name, sched_kill.out.lost(), pool_kill.out.lost(),
                sched_kill.out.lost() == 0 ? "yes" : "no", sched_kill.kills,
                pool_kill.kills, pool_kill.out.receiver_down,
                pool_kill.out.timeouts, pool_kill.out.other,
                static_cast<unsigned long long>(sched_kill.stats.retries));
    auto own = sched_kill.rps / sched_clean.rps;
    std::printf("RESULT bench=%s name=faults.sched_throughput_vs_clean "
                "value=%.3f unit=x goal_min=0.80 pass=%s kills_rps=%.0f "
                "clean_rps=%.0f pool_kills_rps=%.0f pool_clean_rps=%.0f\n",
                bench_name, own, own >= 0.8 ? "yes" : "no", sched_kill.rps,
                sched_clean.rps, pool_kill.rps, pool_clean.rps);
  }
  std::fflush(stdout);

  for (auto& p : fast)
    self->send_exit(p.drv, caf::exit_reason::user_shutdown);
  for (auto& a : to_stop)
    self->send_exit(a, caf::exit_reason::user_shutdown);
  return 0;
}
