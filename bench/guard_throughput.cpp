// guard_throughput: request/response throughput of requests guarded in the
// caller (remedy::guard) against plain CAF requests, in the same run,
// interleaved, against the same echo target, 64 requests in flight from one
// driver actor:
//
//   direct         bench::request_driver (common.hpp), request(infinite).then:
//                  the baseline of route_throughput
//   plain          this file's driver without a guard:
//                  self->request(target, infinite, ...).then(...)
//   guarded        the same driver, each request through a guard with a
//                  breaker (count window 64, minimum 64) and a bulkhead
//                  (256 permits), no timeout
//   guarded_cb     a guard with the breaker only
//   guarded_fast   breaker + bulkhead with the slow-call rule off
//                  (slow_call_duration = max): the steady state reads no
//                  clock (circuit_breaker::record_needs_time)
//   guarded_bare   a guard without stages (the wrapper's own cost)
//   guarded_retry  breaker + bulkhead + retry exponential(3, 10ms, 100ms)
//                  (never fires: the closure carries the arguments)
//   plain_t1s      plain with a 1 s timeout (one CAF timer per request)
//   guarded_t1s    guarded with a 1 s timeout per attempt
//   route          reference: a route with the same breaker and bulkhead
//                  (one extra hop), driven by bench::request_driver
//
// Rounds of a fixed number of requests rotate over the paths; per repetition
// the ratios are taken between rounds of the same repetition and the medians
// reported. Goal: guarded >= 0.9x plain throughput (time ratio <= 1/0.9).
#include <cstdio>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <caf/all.hpp>

#include "common.hpp"
#include "remedy/core/error.hpp"
#include "remedy/routing/guard.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_settings.hpp"

namespace {

using bench::echo;
using bench::ping_atom;
using stats_atom = caf::atom_constant<caf::atom("b_stats")>;

constexpr const char* bench_name = "guard_throughput";

using mode_atom = caf::atom_constant<caf::atom("b_mode")>;

/// How the driver sends in one round: plain, or through a guard.
struct mode {
  bool guarded = false;
  remedy::guard g;
  caf::duration timeout = caf::infinite;
};

/// A windowed driver like bench::request_driver. One driver actor runs every
/// plain and guarded path, switching modes between rounds, so that all of
/// them share one actor's placement on the scheduler's threads (with two
/// threads, where a driver lands next to the target moves its throughput by
/// up to 1.4x, which separate actors per path would measure instead).
struct driver_state {
  std::vector<mode> modes;
  size_t current = 0;
  caf::actor target;
  size_t n = 0;
  size_t sent = 0;
  size_t done = 0;
  caf::response_promise rp;
};

using driver_actor = caf::stateful_actor<driver_state>;

void send_one(driver_actor* self);

void on_answer(driver_actor* self) {
  auto& st = self->state;
  if (++st.done == st.n) {
    st.rp.deliver(caf::unit);
    return;
  }
  if (st.sent < st.n)
    send_one(self);
}

void send_one(driver_actor* self) {
  auto& st = self->state;
  auto& m = st.modes[st.current];
  ++st.sent;
  auto on_value = [self](int) { on_answer(self); };
  auto on_error = [](caf::error& err) {
    bench::fail("request failed: " + remedy::render(err));
  };
  if (m.guarded)
    m.g.request(self, st.target, m.timeout, ping_atom::value, 7)
      .then(on_value, on_error);
  else
    self->request(st.target, m.timeout, ping_atom::value, 7)
      .then(on_value, on_error);
}

/// A driver with one mode per (guarded, settings, timeout) entry.
caf::behavior
driver(driver_actor* self,
       std::vector<std::tuple<bool, remedy::guard_settings, caf::timespan>>
         modes) {
  for (auto& [guarded, settings, timeout] : modes) {
    mode m;
    m.guarded = guarded;
    m.g = remedy::guard{settings};
    if (timeout.count() > 0)
      m.timeout = caf::duration{timeout};
    self->state.modes.push_back(std::move(m));
  }
  return {
    [self](mode_atom, uint32_t index) { self->state.current = index; },
    [self](bench::go_atom, caf::actor target, uint64_t n, uint64_t in_flight,
           bool) -> caf::result<void> {
      auto& st = self->state;
      st.target = std::move(target);
      st.n = n;
      st.sent = 0;
      st.done = 0;
      st.rp = self->make_response_promise();
      for (size_t i = 0; i < in_flight && st.sent < st.n; ++i)
        send_one(self);
      return st.rp;
    },
    [self](stats_atom, uint32_t index) {
      auto s = self->state.modes.at(index).g.stats();
      return std::make_tuple(s.requests, s.succeeded,
                             s.failed + s.retries + s.in_flight);
    },
  };
}

remedy::circuit_breaker_settings breaker() {
  remedy::circuit_breaker_settings b;
  b.name = "bench";
  b.window = remedy::window_kind::count_based;
  b.window_size = 64;
  b.minimum_calls = 64;
  return b;
}

remedy::bulkhead_settings pool() {
  remedy::bulkhead_settings b;
  b.name = "bench";
  b.max_concurrent = 256;
  b.max_queue = 0;
  return b;
}

struct path {
  const char* name;
  caf::actor target;
  caf::actor drv;
  int mode; // the shared driver's mode, or -1 for a driver of its own
};

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--requests=N] [--reps=N] [--solo=PATH]\n"
    "  --requests=N  requests per round (default 300000, quick 40000)\n"
    "  --reps=N      rounds per path (default 9, quick 3)\n"
    "  --solo=PATH   run only PATH 10 rounds, then exit: for perf record\n");
  size_t n = opts.get_size("requests", opts.quick ? 40000 : 300000);
  size_t reps = opts.get_size("reps", opts.quick ? 3 : 9);
  constexpr size_t in_flight = 64;
  remedy::config cfg;
  bench::configure(cfg, opts);
  caf::actor_system sys{cfg};
  bench::print_header(bench_name, opts, sys);
  std::printf("   echo target: %zu requests per round, 1 driver x %zu in "
              "flight, %zu repetitions (rounds rotate over the paths); "
              "breaker: count window 64; bulkhead: 256 permits, no queue\n\n",
              n, in_flight, reps);
  std::fflush(stdout);

  caf::scoped_actor self{sys};
  auto limit = std::chrono::seconds(opts.quick ? 60 : 600);
  auto target = sys.spawn(echo);

  remedy::guard_settings full;
  full.name = "bench";
  full.breaker = breaker();
  full.bulkhead = pool();
  remedy::guard_settings cb_only;
  cb_only.name = "bench";
  cb_only.breaker = breaker();
  auto fast = full;
  fast.breaker->slow_call_duration = caf::timespan::max();
  auto with_retry = full;
  with_retry.retry = remedy::retry_policy::exponential(
    3, std::chrono::milliseconds(10), std::chrono::milliseconds(100));
  auto none = caf::timespan{0};
  auto one_s = caf::timespan{std::chrono::seconds(1)};

  remedy::route_settings rs;
  rs.name = "bench";
  rs.breaker = breaker();
  rs.bulkhead = pool();
  auto route = remedy::spawn_route(sys, target, rs);
  if (!route)
    bench::fail("spawn_route: " + remedy::render(route.error()));

  auto common = [&] {
    return bench::spawn_request_driver<int>(sys, "request", ping_atom::value,
                                            7);
  };
  // Every plain and guarded path runs on one driver actor (see driver_state).
  std::vector<std::tuple<bool, remedy::guard_settings, caf::timespan>> modes{
    {false, {}, none},        {true, full, none},     {true, cb_only, none},
    {true, fast, none},       {true, {}, none},       {true, with_retry, none},
    {false, {}, one_s},       {true, full, one_s}};
  auto shared = sys.spawn(driver, modes);
  std::vector<path> paths = {
    {"direct", target, common(), -1},
    {"plain", target, shared, 0},
    {"guarded", target, shared, 1},
    {"guarded_cb", target, shared, 2},
    {"guarded_fast", target, shared, 3},
    {"guarded_bare", target, shared, 4},
    {"guarded_retry", target, shared, 5},
    {"plain_t1s", target, shared, 6},
    {"guarded_t1s", target, shared, 7},
    {"route", *route, common(), -1},
  };
  enum {
    direct,
    plain,
    guarded,
    guarded_cb,
    guarded_fast,
    guarded_bare,
    guarded_retry,
    plain_t1s,
    guarded_t1s,
    via_route
  };

  auto run = [&](const path& p, size_t count) {
    if (p.mode >= 0)
      self->send(p.drv, mode_atom::value, static_cast<uint32_t>(p.mode));
    auto t0 = bench::clock_type::now();
    self
      ->request(p.drv, limit, bench::go_atom::value, p.target,
                static_cast<uint64_t>(count), static_cast<uint64_t>(in_flight),
                false)
      .receive([] {},
               [&](caf::error& err) {
                 bench::fail(std::string{"driver ("} + p.name
                             + "): " + sys.render(err));
               });
    return bench::since_us(t0, bench::clock_type::now()) * 1000.0
           / static_cast<double>(count);
  };

  if (auto solo = opts.get("solo", ""); !solo.empty()) {
    for (auto& p : paths)
      if (solo == p.name) {
        std::vector<double> xs;
        for (int i = 0; i < 10; ++i)
          xs.push_back(run(p, n));
        std::printf("solo %s: median %.0f ns/req\n", p.name, bench::median(xs));
        std::fflush(stdout);
        std::_Exit(0);
      }
    bench::fail("--solo: no path named " + solo);
  }

  std::vector<std::vector<double>> ns(paths.size());
  // CAF 0.17 does not cancel a request's timeout when the reply comes: a
  // round with 1 s timeouts leaves one timer per request that fires a second
  // later and floods the driver's mailbox with stale timeout messages. The
  // timed paths therefore run in a phase of their own after the others, and
  // each of their rounds is followed by a pause that lets those timers fire
  // and drain before the next round starts.
  auto timed = [](size_t i) { return i == plain_t1s || i == guarded_t1s; };
  auto settle = [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    self->request(paths[plain].drv, limit, mode_atom::value, uint32_t{0})
      .receive([] {}, [](caf::error&) {});
  };
  for (size_t i = 0; i < paths.size(); ++i) // warm-up
    if (!timed(i))
      run(paths[i], n / 10);
  for (size_t r = 0; r < reps; ++r)
    for (size_t j = 0; j < paths.size(); ++j) {
      auto w = (j + r) % paths.size();
      if (!timed(w))
        ns[w].push_back(run(paths[w], n));
    }
  for (size_t r = 0; r < reps; ++r)
    for (auto w : {r % 2 == 0 ? plain_t1s : guarded_t1s,
                   r % 2 == 0 ? guarded_t1s : plain_t1s}) {
      ns[w].push_back(run(paths[w], n));
      settle();
    }

  auto pair = [&](size_t a, size_t b) {
    std::vector<double> xs;
    for (size_t r = 0; r < reps; ++r)
      xs.push_back(ns[a][r] / ns[b][r]);
    return xs;
  };
  std::printf("%-14s %9s %9s %9s %11s %13s %13s\n", "path", "median", "min",
              "max", "req/s", "vs direct", "vs plain");
  for (size_t i = 0; i < paths.size(); ++i) {
    auto med = bench::median(ns[i]);
    std::printf("%-14s %7.0fns %7.0fns %7.0fns %11.0f %12.3fx %12.3fx\n",
                paths[i].name, med, bench::percentile(ns[i], 0),
                bench::percentile(ns[i], 100), 1e9 / med,
                1.0 / bench::median(pair(i, direct)),
                1.0 / bench::median(pair(i, plain)));
  }
  std::printf("(vs: throughput ratios, medians of per-repetition ratios)\n\n");

  // -- sanity: every guarded request answered with a value, nothing else
  for (auto i :
       {guarded, guarded_cb, guarded_fast, guarded_bare, guarded_retry,
        guarded_t1s}) {
    self
      ->request(paths[i].drv, std::chrono::seconds(10), stats_atom::value,
                static_cast<uint32_t>(paths[i].mode))
      .receive(
        [&](uint64_t requests, uint64_t succeeded, uint64_t other) {
          std::printf("stats %-13s requests=%llu succeeded=%llu other=%llu\n",
                      paths[i].name, static_cast<unsigned long long>(requests),
                      static_cast<unsigned long long>(succeeded),
                      static_cast<unsigned long long>(other));
          if (requests == 0 || requests != succeeded || other != 0)
            bench::fail(std::string{paths[i].name} + ": unexpected stats");
        },
        [&](caf::error& err) { bench::fail("stats: " + sys.render(err)); });
  }
  std::printf("\n");

  auto res = [&](const char* name, size_t a, size_t b, double goal,
                 const char* extra) {
    auto xs = pair(a, b);
    auto med = bench::median(xs);
    const char* pass = goal > 0 ? (med <= goal ? "yes" : "no") : "-";
    std::printf("RESULT bench=%s name=%s remedy=%.4g caf=%.4g ratio=%.3f "
                "unit=ns/req goal=",
                bench_name, name, bench::median(ns[a]), bench::median(ns[b]),
                med);
    if (goal > 0)
      std::printf("%.4f", goal);
    else
      std::printf("-");
    std::printf(" pass=%s paired_min=%.3f paired_max=%.3f "
                "throughput_ratio=%.3f %s\n",
                pass, bench::percentile(xs, 0), bench::percentile(xs, 100),
                1.0 / med, extra);
    std::fflush(stdout);
  };
  res("guarded_vs_plain", guarded, plain, 1.0 / 0.9, "goal_throughput>=0.9x");
  res("guarded_vs_direct", guarded, direct, 0, "");
  res("plain_vs_direct", plain, direct, 0, "");
  res("guarded_cb_vs_plain", guarded_cb, plain, 0, "");
  res("guarded_fast_vs_plain", guarded_fast, plain, 0, "");
  res("guarded_bare_vs_plain", guarded_bare, plain, 0, "");
  res("guarded_retry_vs_plain", guarded_retry, plain, 0, "");
  res("guarded_t1s_vs_plain_t1s", guarded_t1s, plain_t1s, 0, "");
  res("route_vs_direct", via_route, direct, 0, "");
  res("guarded_vs_route", guarded, via_route, 0, "");

  for (auto& p : paths)
    self->send_exit(p.drv, caf::exit_reason::user_shutdown);
  self->send_exit(*route, caf::exit_reason::user_shutdown);
  self->send_exit(target, caf::exit_reason::user_shutdown);
  return 0;
}
