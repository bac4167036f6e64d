// phi_accrual: the cost of the phi accrual failure detector's two hot
// operations in steady state, and that neither allocates.
//
// One detector with Remedy's default settings (a history of 1000 intervals)
// is warmed up with 3000 heartbeats, so the ring is full and has wrapped.
// Then, per repetition:
//   heartbeat  N heartbeats at precomputed times (1 s +- 50 ms apart): each
//              computes phi at its arrival (the Akka rule that keeps the
//              heartbeat ending a suspected failure out of the history) and
//              pushes its interval into the ring.
//   phi        N phi queries at precomputed times 0 to 3 s after the last
//              heartbeat (the detector actor's periodic check).
// The median over the repetitions is reported in ns per operation. A global
// operator new counts allocations during the measured loops: anything but 0
// fails the bench.
//
// There is no raw-CAF equivalent of a pure function, so the results are
// absolute values with a goal (<= 100 ns per operation, 0 allocations):
//
//   RESULT bench=phi_accrual name=<what> value=<v> unit=<u> goal=<g>
//     pass=<yes|no> n=<ops>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "common.hpp"
#include "remedy/detection/phi_accrual.hpp"

// -- allocation counter -------------------------------------------------------

namespace {

std::atomic<uint64_t> g_allocations{0};

} // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size))
    return p;
  throw std::bad_alloc{};
}

void* operator new[](std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size))
    return p;
  throw std::bad_alloc{};
}

void operator delete(void* p) noexcept {
  std::free(p);
}

void operator delete[](void* p) noexcept {
  std::free(p);
}

void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

// -- benchmark ----------------------------------------------------------------

namespace {

using time_point = remedy::phi_accrual::time_point;

/// Keeps results alive so the optimiser cannot drop the work.
volatile double g_sink = 0;

struct measurement {
  double ns_per_op;
  uint64_t allocations;
};

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(argc, argv,
                           "[--ops=N] [--reps=R]\n"
                           "  --ops=N   operations per repetition (default "
                           "1000000, quick 100000)\n"
                           "  --reps=R  repetitions, the median counts "
                           "(default 15, quick 5)\n");
  auto ops = opts.get_size("ops", opts.quick ? 100'000 : 1'000'000);
  auto reps = opts.get_size("reps", opts.quick ? 5 : 15);
  std::printf("== phi_accrual  (%s)\n", bench::today().c_str());
  std::printf("   history=1000 intervals  ops=%zu  reps=%zu  mode=%s  "
              "loadavg=%s\n\n",
              ops, reps, opts.quick ? "quick" : "full",
              bench::loadavg().c_str());

  remedy::phi_accrual fd{remedy::phi_accrual_settings{}};
  if (auto err = fd.settings().validate())
    bench::fail("settings: " + remedy::render(err));
  std::mt19937_64 rng{42};
  std::uniform_int_distribution<int64_t> jitter_us{-50'000, 50'000};
  auto next_interval = [&] {
    return std::chrono::microseconds(1'000'000 + jitter_us(rng));
  };
  auto t = time_point{} + std::chrono::hours(1000);
  for (int i = 0; i < 3000; ++i) {
    t += next_interval();
    fd.heartbeat(t);
  }
  if (fd.intervals() != 1000 || fd.skipped() != 0)
    bench::fail("warm-up: the history is not full of accepted intervals");

  // Precomputed inputs: the loops below touch only the detector.
  std::vector<time_point> beats(ops);
  std::vector<time_point> probes(ops);
  // Those two vectors went through the counter: it is live.
  if (g_allocations.load(std::memory_order_relaxed) == 0)
    bench::fail("the allocation counter is not hooked into operator new");

  auto measure_heartbeats = [&]() -> measurement {
    for (auto& x : beats) {
      t += next_interval();
      x = t;
    }
    auto before = g_allocations.load(std::memory_order_relaxed);
    auto t0 = bench::clock_type::now();
    for (auto x : beats)
      fd.heartbeat(x);
    auto t1 = bench::clock_type::now();
    auto allocs = g_allocations.load(std::memory_order_relaxed) - before;
    if (fd.skipped() != 0)
      bench::fail("a regular heartbeat was taken for a failure");
    return {bench::since_us(t0, t1) * 1e3 / static_cast<double>(ops), allocs};
  };

  auto measure_phi = [&]() -> measurement {
    std::uniform_int_distribution<int64_t> after_us{0, 3'000'000};
    auto last = *fd.last_heartbeat();
    for (auto& x : probes)
      x = last + std::chrono::microseconds(after_us(rng));
    auto before = g_allocations.load(std::memory_order_relaxed);
    auto t0 = bench::clock_type::now();
    double sum = 0;
    for (auto x : probes)
      sum += fd.phi(x);
    auto t1 = bench::clock_type::now();
    auto allocs = g_allocations.load(std::memory_order_relaxed) - before;
    g_sink = g_sink + sum;
    return {bench::since_us(t0, t1) * 1e3 / static_cast<double>(ops), allocs};
  };

  std::vector<double> heartbeat_ns;
  std::vector<double> phi_ns;
  uint64_t allocations = 0;
  for (size_t r = 0; r < reps; ++r) {
    // Alternate the order so drift hits both alike.
    measurement hb;
    measurement ph;
    if (r % 2 == 0) {
      hb = measure_heartbeats();
      ph = measure_phi();
    } else {
      ph = measure_phi();
      hb = measure_heartbeats();
    }
    heartbeat_ns.push_back(hb.ns_per_op);
    phi_ns.push_back(ph.ns_per_op);
    allocations += hb.allocations + ph.allocations;
  }

  std::printf("%-10s %9s %9s %9s\n", "operation", "median", "min", "max");
  std::printf("%-10s %7.1fns %7.1fns %7.1fns\n", "heartbeat",
              bench::median(heartbeat_ns), bench::percentile(heartbeat_ns, 0),
              bench::percentile(heartbeat_ns, 100));
  std::printf("%-10s %7.1fns %7.1fns %7.1fns\n", "phi", bench::median(phi_ns),
              bench::percentile(phi_ns, 0), bench::percentile(phi_ns, 100));
  std::printf("\n(allocations during %zu measured operations: %llu; "
              "checksum %.3g)\n\n",
              2 * ops * reps, static_cast<unsigned long long>(allocations),
              static_cast<double>(g_sink));

  auto n = "n=" + std::to_string(ops * reps);
  bench::value_result("phi_accrual", "heartbeat.median",
                      bench::median(heartbeat_ns), "ns", 100, n);
  bench::value_result("phi_accrual", "phi.median", bench::median(phi_ns), "ns",
                      100, n);
  bench::value_result("phi_accrual", "steady_allocations",
                      static_cast<double>(allocations), "count", 0,
                      "n=" + std::to_string(2 * ops * reps));
  if (allocations != 0)
    bench::fail(std::to_string(allocations)
                + " allocations in steady state (expected 0)");
  return 0;
}
