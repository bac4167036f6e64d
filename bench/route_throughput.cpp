// route_throughput: request/response throughput through a Remedy route
// (remedy::spawn_route) against raw CAF, in the same run, interleaved.
//
// Part 1, a target that answers at once (echo), 64 requests in flight
// (caf::infinite on the client side), one driver actor per path:
//   direct     to the target itself (raw CAF, the baseline)
//   delegate   through a raw CAF proxy that `delegate`s each request
//   then_rp    through a raw CAF proxy that observes each reply
//              (request(infinite).then + response promise)
//   route64    route, closed breaker, count-based window 64
//   route1000  route, closed breaker, count-based window 1000 (both with
//              minimum_calls 64, so only the window size differs)
//   route_full route, timeout 1 s + breaker (window 64) + bulkhead
//              (max_concurrent 256, queue 0): the full route
//   open       route whose breaker is forced open (breaker_force_open_atom
//              sent first): every request fails fast with breaker_open
//   raw_failfast  a raw CAF actor answering every request with a prebuilt
//              error (reference: the floor of a fast-fail hop)
//   route_tb   route, timeout 1 s + breaker (window 64), no bulkhead
//              (reference: what the bulkhead adds to the full route)
// Part 2, the echo target driven by 4 driver actors with 16 in flight each
// (64 in all), rounds split evenly over the drivers:
//   direct/4x16    to the target itself (the baseline)
//   bulkhead/4x16  route with only a bulkhead (max_concurrent 256, queue 0:
//                  never saturated at 64 in flight)
//   bare/4x16      route with no stage at all (reference: the route's hop)
//   then_rp/4x16   the raw CAF observing proxy (reference)
// Part 3, a target that spins 50 us per request (one actor, so throughput is
// bound by 20k req/s), with 2 and with 64 in flight:
//   busy_direct    to the target itself
//   busy_route     through the full route (timeout 1 s + breaker, window 64,
//                  + bulkhead, max_concurrent 256, queue 0)
//
// Rounds of a fixed number of requests rotate over the paths of a part; per
// repetition the ratios are taken between rounds of the same repetition and
// the medians are reported. Times are ns per request; goals are stated on
// throughput in the brief and checked here as the equivalent time ratio
// (route_ns / direct_ns <= 1 / throughput goal).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "common.hpp"
#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_settings.hpp"
#include "remedy/routing/route_stats.hpp"
#include "remedy/routing/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/routing/type_ids.hpp"

namespace {

using bench::echo;
using bench::ping_atom;

constexpr const char* bench_name = "route_throughput";

caf::behavior busy(caf::event_based_actor*, caf::timespan work) {
  return {
    [work](ping_atom, int x) {
      auto end = bench::clock_type::now() + work;
      while (bench::clock_type::now() < end) {
        // spin: the target's own work
      }
      return x;
    },
  };
}

caf::behavior delegate_proxy(caf::event_based_actor* self, caf::actor target) {
  return {
    [self, target](ping_atom a, int x) { return self->delegate(target, a, x); },
  };
}

caf::behavior then_proxy(caf::event_based_actor* self, caf::actor target) {
  return {
    [self, target](ping_atom a, int x) -> caf::result<int> {
      auto rp = self->make_response_promise<int>();
      self->request(target, caf::infinite, a, x)
        .then([rp](int y) mutable { rp.deliver(y); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

/// Answers every request with an error at once: the floor of a fast-fail
/// hop in raw CAF (reference for the forced-open route).
caf::behavior raw_failfast(caf::event_based_actor*) {
  return {
    [](ping_atom, int) -> caf::result<int> {
      return caf::make_error(caf::sec::runtime_error);
    },
  };
}

remedy::circuit_breaker_settings breaker(uint32_t window) {
  remedy::circuit_breaker_settings b;
  b.name = "bench";
  b.window = remedy::window_kind::count_based;
  b.window_size = window;
  b.minimum_calls = 64;
  return b;
}

struct path {
  const char* name;
  caf::actor target;
  /// Requests in flight per driver.
  size_t in_flight;
  bool expect_error;
  /// The drivers (one, or several sharing each round evenly).
  std::vector<caf::actor> drv;
  /// Busy target: rounds of `--busy-requests`.
  bool busy = false;
};

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--requests=N] [--busy-requests=N] [--reps=N] [--work-us=N] "
    "[--solo=PATH]\n"
    "  --requests=N       requests per round, echo target (default 300000,\n"
    "                     quick 40000)\n"
    "  --busy-requests=N  requests per round, busy target (default 5000,\n"
    "                     quick 1000)\n"
    "  --reps=N           rounds per path (default 9, quick 3)\n"
    "  --work-us=N        busy target's work per request (default 50)\n"
    "  --solo=PATH        run only PATH (e.g. route64, bulkhead/4x16) 10\n"
    "                     rounds, then exit: for perf record\n");
  size_t n = opts.get_size("requests", opts.quick ? 40000 : 300000);
  size_t n_busy = opts.get_size("busy-requests", opts.quick ? 1000 : 5000);
  size_t reps = opts.get_size("reps", opts.quick ? 3 : 9);
  auto work = std::chrono::microseconds(opts.get_size("work-us", 50));
  constexpr size_t multi_drivers = 4;
  constexpr size_t multi_in_flight = 16;
  constexpr uint32_t pool_size = 256;
  // Every driver of a multi-driver path gets the same share of a round.
  n -= n % multi_drivers;
  if (n == 0)
    bench::fail("--requests: at least " + std::to_string(multi_drivers));
  remedy::config cfg;
  bench::configure(cfg, opts);
  caf::actor_system sys{cfg};
  bench::print_header(bench_name, opts, sys);
  std::printf("   echo target: %zu requests per round, 64 in flight (1 "
              "driver x 64, and %zu drivers x %zu); busy target (%lld us "
              "spin): %zu per round, 2 and 64 in flight; %zu repetitions "
              "(rounds rotate over the paths of a part); bulkhead: "
              "max_concurrent %u, queue 0\n\n",
              n, multi_drivers, multi_in_flight,
              static_cast<long long>(work.count()), n_busy, reps,
              static_cast<unsigned>(pool_size));
  std::fflush(stdout);

  caf::scoped_actor self{sys};
  auto limit = std::chrono::seconds(opts.quick ? 60 : 600);

  // -- actors -----------------------------------------------------------------
  auto target = sys.spawn(echo);
  auto busy_target = sys.spawn(busy, caf::timespan{work});
  auto del = sys.spawn(delegate_proxy, target);
  auto thn = sys.spawn(then_proxy, target);
  auto rawff = sys.spawn(raw_failfast);
  struct stages {
    caf::timespan timeout{0};
    uint32_t window = 0; // 0: no breaker
    bool bulkhead = false;
  };
  auto make_route = [&](const caf::actor& t, std::string name, stages sg) {
    remedy::route_settings rs;
    rs.name = std::move(name);
    rs.timeout = sg.timeout;
    if (sg.window > 0)
      rs.breaker = breaker(sg.window);
    if (sg.bulkhead) {
      remedy::bulkhead_settings b;
      b.name = "bench";
      b.max_concurrent = pool_size;
      b.max_queue = 0;
      rs.bulkhead = b;
    }
    auto r = remedy::spawn_route(sys, t, std::move(rs));
    if (!r)
      bench::fail("spawn_route: " + remedy::render(r.error()));
    return *r;
  };
  auto one_s = caf::timespan{std::chrono::seconds(1)};
  auto r64 = make_route(target, "r64", {caf::timespan{0}, 64, false});
  auto r1000 = make_route(target, "r1000", {caf::timespan{0}, 1000, false});
  auto rfull = make_route(target, "rfull", {one_s, 64, true});
  auto ropen = make_route(target, "ropen", {caf::timespan{0}, 64, false});
  auto rtb = make_route(target, "rtb", {one_s, 64, false});
  auto rbh = make_route(target, "rbh", {caf::timespan{0}, 0, true});
  auto rbare = make_route(target, "rbare", {caf::timespan{0}, 0, false});
  auto rbusy = make_route(busy_target, "rbusy", {one_s, 64, true});
  self
    ->request(ropen, std::chrono::seconds(10),
              remedy::breaker_force_open_atom::value)
    .receive([] {},
             [&](caf::error& err) {
               bench::fail("force open: " + remedy::render(err));
             });

  auto drivers = [&](size_t k) {
    std::vector<caf::actor> xs;
    for (size_t i = 0; i < k; ++i)
      xs.push_back(bench::spawn_request_driver<int>(sys, "request",
                                                   ping_atom::value, 7));
    return xs;
  };
  std::vector<path> fast = {
    {"direct", target, 64, false, drivers(1)},
    {"delegate", del, 64, false, drivers(1)},
    {"then_rp", thn, 64, false, drivers(1)},
    {"route64", r64, 64, false, drivers(1)},
    {"route1000", r1000, 64, false, drivers(1)},
    {"route_full", rfull, 64, false, drivers(1)},
    {"open", ropen, 64, true, drivers(1)},
    {"raw_failfast", rawff, 64, true, drivers(1)},
    {"route_tb", rtb, 64, false, drivers(1)},
  };
  std::vector<path> multi = {
    {"direct/4x16", target, multi_in_flight, false, drivers(multi_drivers)},
    {"bulkhead/4x16", rbh, multi_in_flight, false, drivers(multi_drivers)},
    {"bare/4x16", rbare, multi_in_flight, false, drivers(multi_drivers)},
    {"then_rp/4x16", thn, multi_in_flight, false, drivers(multi_drivers)},
  };
  std::vector<path> slow = {
    {"busy_direct/2", busy_target, 2, false, drivers(1), true},
    {"busy_route/2", rbusy, 2, false, drivers(1), true},
    {"busy_direct/64", busy_target, 64, false, drivers(1), true},
    {"busy_route/64", rbusy, 64, false, drivers(1), true},
  };

  // One round of `count` requests over the path's drivers (each gets an
  // equal share; all start before the first answer is awaited).
  auto run = [&](const path& p, size_t count) {
    auto share = static_cast<uint64_t>(count / p.drv.size());
    using handle = decltype(self->request(p.drv[0], limit,
                                          bench::go_atom::value, p.target,
                                          share, share, false));
    std::vector<handle> hs;
    hs.reserve(p.drv.size());
    auto t0 = bench::clock_type::now();
    for (auto& d : p.drv)
      hs.push_back(self->request(d, limit, bench::go_atom::value, p.target,
                                 share, static_cast<uint64_t>(p.in_flight),
                                 p.expect_error));
    for (auto& h : hs)
      h.receive([] {},
                [&](caf::error& err) {
                  bench::fail(std::string{"driver ("} + p.name
                              + "): " + sys.render(err));
                });
    return bench::since_us(t0, bench::clock_type::now()) * 1000.0
           / static_cast<double>(share * p.drv.size());
  };

  // Runs `reps` repetitions over `ps`, rotating the order; ns[i] per path.
  auto measure = [&](std::vector<path>& ps, size_t count) {
    std::vector<std::vector<double>> ns(ps.size());
    for (auto& p : ps) // warm-up: every path once
      run(p, count / 10);
    for (size_t r = 0; r < reps; ++r)
      for (size_t j = 0; j < ps.size(); ++j) {
        auto w = (j + r) % ps.size();
        ns[w].push_back(run(ps[w], count));
      }
    return ns;
  };

  // --solo=NAME: run only that path (10 rounds) and exit, for profiling
  // (`perf record -g bench_route_throughput --solo=route64`).
  if (auto solo = opts.get("solo", ""); !solo.empty()) {
    for (auto* ps : {&fast, &multi, &slow})
      for (auto& p : *ps)
        if (solo == p.name) {
          std::vector<double> xs;
          for (int i = 0; i < 10; ++i)
            xs.push_back(run(p, p.busy ? n_busy : n));
          std::printf("solo %s: median %.0f ns/req\n", p.name,
                      bench::median(xs));
          std::fflush(stdout);
          std::_Exit(0);
        }
    bench::fail("--solo: no path named " + solo);
  }

  auto ns_fast = measure(fast, n);
  auto ns_multi = measure(multi, n);
  auto ns_slow = measure(slow, n_busy);

  // Paired ratio a/b over repetitions (both measured in each repetition).
  auto pair = [&](const std::vector<std::vector<double>>& ns, size_t a,
                  size_t b) {
    std::vector<double> xs;
    for (size_t r = 0; r < reps; ++r)
      xs.push_back(ns[a][r] / ns[b][r]);
    return xs;
  };

  auto table = [&](const std::vector<path>& ps,
                   const std::vector<std::vector<double>>& ns, size_t base_of,
                   bool busy_part) {
    std::printf("%-15s %9s %9s %9s %11s %11s %13s\n", "path", "median", "min",
                "max", "req/s", "ns vs base", "req/s vs base");
    for (size_t i = 0; i < ps.size(); ++i) {
      size_t base = busy_part ? (i / 2) * 2 : base_of;
      auto med = bench::median(ns[i]);
      auto rt = bench::median(pair(ns, i, base));
      std::printf("%-15s %7.0fns %7.0fns %7.0fns %11.0f %10.3fx %12.3fx\n",
                  ps[i].name, med, bench::percentile(ns[i], 0),
                  bench::percentile(ns[i], 100), 1e9 / med, rt, 1.0 / rt);
    }
  };
  std::printf("echo target, 1 driver x 64 in flight (base: direct; ratios "
              "are medians of per-repetition ratios)\n");
  table(fast, ns_fast, 0, false);
  std::printf("\necho target, %zu drivers x %zu in flight (base: "
              "direct/4x16)\n",
              multi_drivers, multi_in_flight);
  table(multi, ns_multi, 0, false);
  std::printf("\nbusy target, %lld us per request (base: busy_direct with "
              "the same in-flight count)\n",
              static_cast<long long>(work.count()));
  table(slow, ns_slow, 0, true);
  std::printf("\n");

  // -- sanity: what the routes saw
  // ---------------------------------------------
  auto stats = [&](const caf::actor& r) {
    remedy::route_stats st;
    self->request(r, std::chrono::seconds(10), remedy::route_stats_atom::value)
      .receive([&](remedy::route_stats& x) { st = x; },
               [&](caf::error& err) {
                 bench::fail("route_stats: " + remedy::render(err));
               });
    return st;
  };
  struct named {
    const char* name;
    caf::actor r;
  };
  for (auto& [nm, r] :
       {named{"route64", r64}, named{"route1000", r1000},
        named{"route_full", rfull}, named{"open", ropen},
        named{"route_tb", rtb}, named{"bulkhead", rbh}, named{"bare", rbare},
        named{"busy_route", rbusy}}) {
    auto st = stats(r);
    std::printf("stats %-10s requests=%llu answered=%llu rejected_open=%llu "
                "rejected_full=%llu rejected_wait=%llu timeouts=%llu "
                "late=%llu retries=%llu in_flight=%llu bh_in_flight=%llu "
                "bh_waiting=%llu state=%s window_calls=%llu\n",
                nm, static_cast<unsigned long long>(st.requests),
                static_cast<unsigned long long>(st.answered),
                static_cast<unsigned long long>(st.rejected_open),
                static_cast<unsigned long long>(st.rejected_full),
                static_cast<unsigned long long>(st.rejected_wait),
                static_cast<unsigned long long>(st.timeouts),
                static_cast<unsigned long long>(st.late_replies),
                static_cast<unsigned long long>(st.retries),
                static_cast<unsigned long long>(st.in_flight),
                static_cast<unsigned long long>(st.bulkhead_in_flight),
                static_cast<unsigned long long>(st.bulkhead_waiting),
                remedy::to_string(st.state),
                static_cast<unsigned long long>(st.window_calls));
    bool is_open = std::string{nm} == "open";
    if (st.requests == 0 || st.timeouts != 0 || st.late_replies != 0
        || st.in_flight != 0 || st.rejected_full != 0 || st.rejected_wait != 0
        || st.retries != 0 || st.bulkhead_in_flight != 0
        || st.bulkhead_waiting != 0
        || (is_open ? st.rejected_open != st.requests
                    : st.answered != st.requests))
      bench::fail(std::string{"route "} + nm + ": unexpected stats");
  }
  std::printf("\n");

  // -- results
  // -----------------------------------------------------------------
  auto more = [&](const std::vector<double>& xs, const char* extra) {
    auto s = bench::paired(xs);
    char buf[96];
    std::snprintf(buf, sizeof(buf), " throughput_ratio=%.3f %s",
                  1.0 / bench::median(xs), extra);
    return s + buf;
  };
  // Time ratios of the paired medians; goals as max time ratio.
  auto res = [&](const std::string& name,
                 const std::vector<std::vector<double>>& ns, size_t a, size_t b,
                 double goal, const char* extra) {
    auto xs = pair(ns, a, b);
    // The RESULT ratio is the paired median (as the goal is judged), the
    // remedy= / caf= fields the medians of each side.
    auto med = bench::median(xs);
    const char* pass = goal > 0 ? (med <= goal ? "yes" : "no") : "-";
    std::printf("RESULT bench=%s name=%s remedy=%.4g caf=%.4g ratio=%.3f "
                "unit=ns/req goal=",
                bench_name, name.c_str(), bench::median(ns[a]),
                bench::median(ns[b]), med);
    if (goal > 0)
      std::printf("%.4f", goal);
    else
      std::printf("-");
    std::printf(" pass=%s %s\n", pass, more(xs, extra).c_str());
    std::fflush(stdout);
  };
  res("delegate_vs_direct", ns_fast, 1, 0, 0, "");
  res("then_rp_vs_direct", ns_fast, 2, 0, 0, "");
  res("route64_vs_direct", ns_fast, 3, 0, 1.0 / 0.70, "goal_throughput>=0.70x");
  res("route1000_vs_route64", ns_fast, 4, 3, 1.10, "goal=flat_within_1.1");
  res("route_full_vs_direct", ns_fast, 5, 0, 0, "");
  res("route_full_vs_route_tb", ns_fast, 5, 8, 0, "");
  res("route64_vs_then_rp", ns_fast, 3, 2, 0, "");
  res("open_vs_direct", ns_fast, 6, 0, 1.0 / 1.3, "goal_throughput>=1.3x");
  res("open_vs_raw_failfast", ns_fast, 6, 7, 0, "");
  res("bulkhead_vs_direct.4x16", ns_multi, 1, 0, 1.0 / 0.85,
      "goal_throughput>=0.85x");
  res("bulkhead_vs_bare.4x16", ns_multi, 1, 2, 0, "");
  res("bare_vs_direct.4x16", ns_multi, 2, 0, 0, "");
  res("then_rp_vs_direct.4x16", ns_multi, 3, 0, 0, "");
  res("busy_route_full_vs_direct.inflight2", ns_slow, 1, 0, 1.03,
      "goal_overhead<3%");
  res("busy_route_full_vs_direct.inflight64", ns_slow, 3, 2, 1.03,
      "goal_overhead<3%");
  {
    // Context, not a goal: fast-fail against a target that does 50 us of
    // work (the case a breaker is for). Unpaired (different rounds).
    auto o = bench::median(ns_fast[6]);
    auto d = bench::median(ns_slow[2]);
    std::printf("RESULT bench=%s name=open_vs_busy_direct64 remedy=%.4g "
                "caf=%.4g ratio=%.4f unit=ns/req goal=- pass=- "
                "throughput_ratio=%.1f unpaired\n",
                bench_name, o, d, o / d, d / o);
  }

  for (auto* ps : {&fast, &multi, &slow})
    for (auto& p : *ps)
      for (auto& d : p.drv)
        self->send_exit(d, caf::exit_reason::user_shutdown);
  for (auto& a : {r64, r1000, rfull, ropen, rtb, rbh, rbare, rbusy, del, thn,
                  rawff, target, busy_target})
    self->send_exit(a, caf::exit_reason::user_shutdown);
  return 0;
}
