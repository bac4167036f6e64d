// remote_request: request/response with an actor in another process over
// CAF's middleman (real TCP on 127.0.0.1), through a Remedy route against a
// plain CAF remote request to the same proxy, in the same run, interleaved.
//
// The child (this program with --child) publishes an echo actor on a free
// port and prints it; the parent connects (remote_actor) and drives:
//   latency     1 request in flight: direct (the proxy) vs route
//   throughput  64 requests in flight: direct vs route
// The route is the production one: timeout 1 s, breaker (window 64),
// bulkhead (max_concurrent 256, queue 0). Rounds rotate over the paths; the
// ratios are medians of per-repetition ratios. Goals (issue 14): latency
// <= 1.1x, throughput >= 0.9x (time per request <= 1 / 0.9 = 1.11x). For
// context the throughput rounds also run a plain CAF relay (an actor that
// requests the target itself and answers the client, the least any actor
// that sees the replies must do), to show what part of the route's cost is
// CAF's per-hop floor.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "common.hpp"
#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_settings.hpp"

namespace {

using bench::echo;
using bench::ping_atom;

constexpr const char* bench_name = "remote_request";

/// The child: publishes an echo actor, prints its port, runs until killed.
int run_child() {
  remedy::config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto port = sys.middleman().publish(sys.spawn(echo), 0, "127.0.0.1");
  if (!port)
    return 1;
  std::printf("%u\n", *port);
  std::fflush(stdout);
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds(1)); // until SIGKILL
}

/// The least an actor in the path must do to see every reply (what a route
/// needs for its breaker): a plain CAF actor that asks the target in its own
/// name and answers the client. Its cost over the direct request is CAF's
/// floor for any such actor; the route's cost over it is the route's own.
caf::behavior relay(caf::event_based_actor* self, caf::actor target) {
  return {
    [self, target](ping_atom, int x) -> caf::result<int> {
      auto rp = self->make_response_promise<int>();
      self->request(target, caf::infinite, ping_atom::value, x)
        .then([rp](int y) mutable { rp.deliver(y); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

struct path {
  const char* name;
  caf::actor target;
  size_t in_flight;
  caf::actor driver;
};

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(argc, argv,
                           "bench_remote_request [--quick] [--reps=N]");
  if (opts.has("child"))
    return run_child();
  auto child = bench::fork_self(argv[0], {"--child", "--log=off"});
  remedy::config cfg;
  bench::configure(cfg, opts);
  cfg.load<caf::io::middleman>();
  int rc = 0;
  {
    caf::actor_system sys{cfg};
    bench::print_header(bench_name, opts, sys);
    auto proxy = sys.middleman().remote_actor("127.0.0.1", child.port);
    if (!proxy)
      bench::fail("remote_actor: " + sys.render(proxy.error()));
    remedy::route_settings rs;
    rs.name = "remote";
    rs.timeout = std::chrono::seconds(1);
    remedy::circuit_breaker_settings br;
    br.window_size = 64;
    br.minimum_calls = 64;
    rs.breaker = br;
    remedy::bulkhead_settings bh;
    bh.max_concurrent = 256;
    bh.max_queue = 0;
    rs.bulkhead = bh;
    auto route = remedy::spawn_route(sys, *proxy, rs);
    if (!route)
      bench::fail("route: " + sys.render(route.error()));
    auto driver = [&] {
      return bench::spawn_request_driver<int>(sys, "remote request",
                                              ping_atom::value, 7);
    };
    std::vector<path> latency = {{"direct/1", *proxy, 1, driver()},
                                 {"route/1", *route, 1, driver()}};
    auto plain_relay = sys.spawn(relay, *proxy);
    std::vector<path> throughput = {{"direct/64", *proxy, 64, driver()},
                                    {"route/64", *route, 64, driver()},
                                    {"relay/64", plain_relay, 64, driver()}};
    size_t reps = opts.get_size("reps", opts.quick ? 3 : 9);
    size_t n_lat = opts.quick ? 500 : 3000;
    size_t n_thr = opts.quick ? 5000 : 40000;
    caf::scoped_actor self{sys};
    auto limit = std::chrono::seconds(120);
    auto run = [&](const path& p, size_t count) {
      auto t0 = bench::clock_type::now();
      self
        ->request(p.driver, limit, bench::go_atom::value, p.target,
                  static_cast<uint64_t>(count),
                  static_cast<uint64_t>(p.in_flight), false)
        .receive([] {},
                 [&](caf::error& err) {
                   bench::fail(std::string{p.name} + ": " + sys.render(err));
                 });
      return bench::since_us(t0, bench::clock_type::now()) * 1000.0
             / static_cast<double>(count);
    };
    auto measure = [&](std::vector<path>& ps, size_t count) {
      std::vector<std::vector<double>> ns(ps.size());
      for (auto& p : ps)
        run(p, count / 5); // warm-up
      for (size_t r = 0; r < reps; ++r)
        for (size_t j = 0; j < ps.size(); ++j) {
          auto w = (j + r) % ps.size();
          ns[w].push_back(run(ps[w], count));
        }
      return ns;
    };
    auto report = [&](const char* what, std::vector<path>& ps,
                      const std::vector<std::vector<double>>& ns,
                      double goal) {
      std::vector<double> ratios;
      for (size_t r = 0; r < reps; ++r)
        ratios.push_back(ns[1][r] / ns[0][r]);
      std::printf("%-10s %-10s %9.0f ns/req (%.0f req/s)   %-9s %9.0f ns/req "
                  "(%.0f req/s)   ratio %.3f [%.3f, %.3f]\n",
                  what, ps[0].name, bench::median(ns[0]),
                  1e9 / bench::median(ns[0]), ps[1].name,
                  bench::median(ns[1]), 1e9 / bench::median(ns[1]),
                  bench::median(ratios), bench::percentile(ratios, 0),
                  bench::percentile(ratios, 100));
      bench::result(bench_name, what, bench::median(ns[1]),
                    bench::median(ns[0]), "ns/req", goal,
                    bench::paired(ratios));
      if (bench::median(ratios) > goal)
        rc = 1;
    };
    auto ns_lat = measure(latency, n_lat);
    auto ns_thr = measure(throughput, n_thr);
    report("latency", latency, ns_lat, 1.1);
    report("throughput", throughput, ns_thr, 1.0 / 0.9);
    // Context, not a goal: the plain CAF relay against the direct request,
    // and the route against the relay.
    auto context = [&](const char* what, size_t a, size_t b) {
      std::vector<double> ratios;
      for (size_t r = 0; r < reps; ++r)
        ratios.push_back(ns_thr[b][r] / ns_thr[a][r]);
      std::printf("%-22s %s over %s: time per request x%.3f [%.3f, %.3f]\n",
                  what, throughput[b].name, throughput[a].name,
                  bench::median(ratios), bench::percentile(ratios, 0),
                  bench::percentile(ratios, 100));
    };
    context("CAF's floor:", 0, 2);
    context("the route's own cost:", 2, 1);
    for (auto& p : latency)
      caf::anon_send_exit(p.driver, caf::exit_reason::user_shutdown);
    for (auto& p : throughput)
      caf::anon_send_exit(p.driver, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(*route, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(plain_relay, caf::exit_reason::user_shutdown);
  }
  bench::reap(child);
  return rc;
}
