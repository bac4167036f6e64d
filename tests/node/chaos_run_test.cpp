// The chaos scenario's service without faults, behind the plain CAF relay
// of bench_overhead's third side: every request is answered with the right
// value, so that side measures the same work as the other two.

#include <catch2/catch.hpp>

#include <chrono>

#include "chaos_run.hpp"
#include "chaos_worker.hpp"

using namespace std::chrono_literals;
using namespace remedy::node;

TEST_CASE("chaos run: the service behind a plain CAF relay answers every "
          "request correctly",
          "[node][chaos_run]") {
  run_settings cfg;
  cfg.relays = true;
  cfg.load_rps = 200;
  cfg.shape.workers = 4;
  cfg.shape.length = 1500ms;
  cfg.shape.warmup = 1000ms;
  cfg.shape.tail = caf::timespan{0};
  cfg.worker.iterations = calibrate_iterations(50us);
  live_counters live;
  auto res = run_once(cfg, live);
  REQUIRE(res.error.empty());
  CHECK(res.requests.size() >= 200); // 200/s for 1.5 s
  size_t ok = 0;
  for (auto& r : res.requests)
    ok += r.done && r.ok ? 1 : 0;
  CHECK(ok == res.requests.size()); // ok: the value checked by the client
  CHECK(live.failed == 0);
}
