// endpoint_throughput: request/response throughput with 64 requests in flight
// (caf::infinite timeout) to one worker, three ways, in the same run:
//   direct     to the worker's current incarnation (raw CAF, the baseline)
//   endpoint   through the worker's stable Remedy endpoint
//   delegate   through a raw CAF proxy that `delegate`s each request to the
//              worker (what a hand-written forwarder costs; reference)
// All three reach the same worker actor (the supervised child). Rounds of a
// fixed number of requests rotate over the targets; per repetition the
// ratios are taken between adjacent rounds, and the medians are reported.
// Times are ns per request (> 1 ratio = slower than the baseline).
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "common.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

namespace {

using bench::ping_atom;

constexpr size_t in_flight = 64;

caf::behavior worker(caf::event_based_actor*) {
  return {
    [](ping_atom, int x) { return x; },
  };
}

caf::behavior delegate_proxy(caf::event_based_actor* self, caf::actor target) {
  return {
    [self, target](ping_atom a, int x) {
      return self->delegate(target, a, x);
    },
  };
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--requests=N] [--reps=N]\n"
    "  --requests=N  requests per round (default 300000, quick 50000)\n"
    "  --reps=N      rounds per target (default 9, quick 3)\n");
  size_t n = opts.get_size("requests", opts.quick ? 50000 : 300000);
  size_t reps = opts.get_size("reps", opts.quick ? 3 : 9);
  remedy::config cfg;
  bench::configure(cfg, opts);
  caf::actor_system sys{cfg};
  bench::print_header("endpoint_throughput", opts, sys);
  std::printf("   %zu requests per round, %zu in flight, %zu repetitions "
              "(rounds rotate over the targets)\n\n",
              n, in_flight, reps);

  auto tree = remedy::supervisor_builder("root", remedy::strategy::one_for_one)
                .worker("w", remedy::start(worker))
                .spawn(sys);
  if (!tree)
    bench::fail("spawn tree: " + remedy::render(tree.error()));
  caf::scoped_actor self{sys};
  auto limit = std::chrono::seconds(opts.quick ? 30 : 300);
  caf::actor direct;
  self->request(tree->root, std::chrono::seconds(10),
                remedy::which_children_atom::value)
    .receive(
      [&](std::vector<remedy::child_info>& xs) {
        if (xs.size() != 1 || !xs[0].current)
          bench::fail("which_children: no running worker");
        direct = xs[0].current;
      },
      [&](caf::error& err) { bench::fail(remedy::render(err)); });
  auto ep = tree->endpoint("w");
  auto proxy = sys.spawn(delegate_proxy, direct);
  auto cl = bench::spawn_request_driver<int>(sys, "request", ping_atom::value,
                                             7);
  const char* names[] = {"direct", "endpoint", "delegate"};
  caf::actor targets[] = {direct, ep, proxy};

  auto run = [&](const caf::actor& target, size_t count) {
    auto t0 = bench::clock_type::now();
    self->request(cl, limit, bench::go_atom::value, target,
                  static_cast<uint64_t>(count),
                  static_cast<uint64_t>(in_flight), false)
      .receive([] {},
               [&](caf::error& err) {
                 bench::fail("client: " + sys.render(err));
               });
    return bench::since_us(t0, bench::clock_type::now()) * 1000.0
           / static_cast<double>(count);
  };
  // Warm-up: every path once.
  for (auto& t : targets)
    run(t, n / 10);
  std::vector<double> ns[3];
  std::vector<double> ratio_ep, ratio_del, ratio_ep_del;
  for (size_t r = 0; r < reps; ++r) {
    double cur[3];
    for (size_t j = 0; j < 3; ++j) {
      auto w = (j + r) % 3;
      cur[w] = run(targets[w], n);
      ns[w].push_back(cur[w]);
    }
    ratio_ep.push_back(cur[1] / cur[0]);
    ratio_del.push_back(cur[2] / cur[0]);
    ratio_ep_del.push_back(cur[1] / cur[2]);
  }
  std::printf("%-9s %10s %10s %10s %12s %14s\n", "target", "median", "min",
              "max", "req/s", "vs direct");
  for (size_t w = 0; w < 3; ++w) {
    auto med = bench::median(ns[w]);
    std::printf("%-9s %8.0fns %8.0fns %8.0fns %12.0f %13.2fx\n", names[w],
                med, bench::percentile(ns[w], 0),
                bench::percentile(ns[w], 100), 1e9 / med,
                w == 0   ? 1.0
                : w == 1 ? bench::median(ratio_ep)
                         : bench::median(ratio_del));
  }
  std::printf("\n(vs direct: median over repetitions of the time ratio "
              "between adjacent rounds)\n\n");
  auto more = [](const std::vector<double>& xs) { return bench::paired(xs); };
  bench::result("endpoint_throughput", "endpoint_vs_direct",
                bench::median(ns[1]), bench::median(ns[0]), "ns/req", 0,
                more(ratio_ep));
  bench::result("endpoint_throughput", "delegate_vs_direct",
                bench::median(ns[2]), bench::median(ns[0]), "ns/req", 0,
                more(ratio_del));
  bench::result("endpoint_throughput", "endpoint_vs_delegate",
                bench::median(ns[1]), bench::median(ns[2]), "ns/req", 0,
                more(ratio_ep_del));

  self->send_exit(cl, caf::exit_reason::user_shutdown);
  self->send_exit(proxy, caf::exit_reason::user_shutdown);
  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  return 0;
}
