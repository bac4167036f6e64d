// A supervised service is watched by Remedy's detectors: it beats through
// `with_heartbeats`; Remedy's detection pipeline (detectors, classifier,
// health view) runs as a subtree of the same supervision tree. The
// example makes the service hang for real (its handler blocks a scheduler
// thread) and then crash in a loop, and prints what the health view says.
// Exits 0 only if the hang and the crash loop were both classified and the
// service was healthy again in between.

#include <chrono>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using work_atom = caf::atom_constant<caf::atom("work")>;
using hang_atom = caf::atom_constant<caf::atom("hang")>;
using crash_atom = caf::atom_constant<caf::atom("crash")>;

// [service]
caf::behavior service(caf::event_based_actor* self) {
  return with_heartbeats(self, "app/svc", 100ms,
                         {
                           [](work_atom, int x) { return x * 2; },
                           [](hang_atom, int ms) {
                             // Stuck: blocks its thread, beats no more.
                             std::this_thread::sleep_for(
                               std::chrono::milliseconds(ms));
                           },
                           [](crash_atom) -> int {
                             throw std::runtime_error("corrupt state");
                           },
                         });
}
// [service]

/// Waits (at most `timeout`) for a fault event of `cls` and `kind`.
std::optional<fault_event> await_fault(caf::scoped_actor& self,
                                       fault_class cls, fault_event_kind kind,
                                       caf::timespan timeout) {
  std::optional<fault_event> result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!result && std::chrono::steady_clock::now() < deadline) {
    self->receive(
      [&](fault_event& ev) {
        std::cout << "  fault #" << ev.what.id << ' ' << to_string(ev.what.cls)
                  << " of " << ev.what.target << ' ' << to_string(ev.kind)
                  << " (confidence " << ev.what.confidence << ")\n";
        if (ev.what.cls == cls && ev.kind == kind)
          result = std::move(ev);
      },
      [](target_health&) {}, caf::after(100ms) >> [] {});
  }
  return result;
}

/// Asks the health view about `target` until it says `wanted` (the view
/// hears of a fault at about the time we do, maybe just after), for at most
/// a second; returns the last answer.
health_state wait_for(caf::scoped_actor& self, const caf::actor& view,
                     const std::string& target, health_state wanted) {
  auto state = health_state::healthy;
  for (int i = 0; i < 50; ++i) {
    if (auto h = health_of(self, view, target, 1s))
      state = h->state;
    if (state == wanted)
      break;
    std::this_thread::sleep_for(20ms);
  }
  return state;
}

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  subscribe(self.ptr(), "fault.");
  // [tree]
  detection_tree_settings watch; // Remedy's detector set, tuned for 1 s
  auto& beats = watch.detectors.heartbeat.phi; // this service beats at 10 Hz
  beats.first_heartbeat_estimate = 100ms;
  beats.min_std_deviation = 20ms;
  beats.acceptable_heartbeat_pause = 100ms;
  watch.detectors.heartbeat.check_interval = 20ms;
  watch.detectors.crash_loop.loop.events = 3; // 3 crashes within 10 s
  watch.detectors.crash_loop.loop.window = 10s;
  watch.detectors.crash_loop.stable_after = 500ms;
  watch.classifier.clear_after = 200ms;
  // Any metric of yours, by what it measures (10 s between samples here).
  watch.detectors.watch(metric_kind::rate, {"orders_per_s"}, 10s);
  auto tree = supervisor_builder("app", strategy::one_for_one)
                .intensity(10, 10s)
                .supervisor(detection_tree("detection", watch))
                .worker("svc", start(service))
                .spawn(sys);
  // [tree]
  if (!tree) {
    std::cout << "spawn failed: " << render(tree.error()) << '\n';
    return 1;
  }
  auto view = tree->endpoint("detection/health");
  auto svc = tree->endpoint("svc");
  std::this_thread::sleep_for(1s); // a second of normal heartbeats
  auto before = wait_for(self, view, "app/svc", health_state::healthy);
  std::cout << "app/svc is " << to_string(before) << '\n';

  std::cout << "the service hangs for 1.5 s:\n";
  auto t0 = std::chrono::steady_clock::now();
  self->send(svc, hang_atom::value, 1500);
  auto hang = await_fault(self, fault_class::hang, fault_event_kind::raised,
                          3s);
  auto latency = std::chrono::steady_clock::now() - t0;
  auto during = wait_for(self, view, "app/svc", health_state::faulty);
  std::cout << "app/svc is " << to_string(during) << " after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(latency)
                 .count()
            << " ms\n";
  auto recovered = await_fault(self, fault_class::hang,
                               fault_event_kind::cleared, 5s);
  auto after = wait_for(self, view, "app/svc", health_state::healthy);
  std::cout << "app/svc is " << to_string(after) << " again\n";

  std::cout << "the service crashes three times in a row:\n";
  for (int i = 0; i < 3; ++i) {
    self->send(svc, crash_atom::value); // the endpoint reaches each restart
    std::this_thread::sleep_for(50ms);
  }
  auto loop = await_fault(self, fault_class::crash_loop,
                          fault_event_kind::raised, 3s);
  auto looping = wait_for(self, view, "app/svc", health_state::faulty);
  std::cout << "app/svc is " << to_string(looping) << '\n';

  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  bool ok = before == health_state::healthy && hang
            && during == health_state::faulty && recovered
            && after == health_state::healthy && loop
            && looping == health_state::faulty;
  std::cout << (ok ? "detected the hang and the crash loop\n"
                   : "FAILED: a fault went unnoticed\n");
  return ok ? 0 : 1;
}
