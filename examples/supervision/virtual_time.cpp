// Runs a supervision tree under CAF's deterministic test coordinator, as
// Remedy's unit tests do: actors run only when the program says so, and time
// is virtual. A worker under backoff::exponential(1s, 1min) crashes three
// times; each restart is shown to wait exactly 1 s, 2 s and 4 s of virtual
// time (not a millisecond less), while the program takes a few milliseconds.

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>


#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using crash_atom = caf::atom_constant<caf::atom("crash")>;

caf::behavior worker(caf::event_based_actor*) {
  return {[](crash_atom) { throw std::runtime_error("simulated fault"); }};
}

// [config]
struct test_config : remedy::config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
  }
};
// [config]

long long ms(caf::timespan x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x).count();
}

} // namespace

int main() {
  test_config cfg;
  caf::actor_system sys{cfg};
  auto& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  caf::scoped_actor self{sys};
  subscribe(self.ptr(), "supervision.child_restarting");
  subscribe(self.ptr(), "supervision.child_restarted");
  auto tree = supervisor_builder("root")
                .intensity(5, 1min)
                .with_backoff(backoff::exponential(1s, 1min))
                .worker("worker", start(worker))
                .spawn(sys);
  if (!tree) {
    std::cout << "spawn failed: " << render(tree.error()) << '\n';
    return 1;
  }
  sched.run();
  // The events that reached this client so far.
  auto events = [&] {
    std::vector<supervision_event> result;
    while (!self->mailbox().empty())
      self->receive([&](supervision_event& ev) { result.push_back(ev); });
    return result;
  };
  bool ok = true;
  caf::timespan expected = 1s;
  for (int crash = 1; crash <= 3; ++crash, expected *= 2) {
    // [crash]
    self->send(tree->endpoint("worker"), crash_atom::value);
    sched.run(); // the worker crashes, the supervisor schedules its restart
    auto scheduled = events();
    auto delay = scheduled.empty() ? 0s : scheduled.front().delay;
    sched.advance_time(delay - 1ms);
    sched.run();
    auto too_early = events(); // nothing yet
    sched.advance_time(1ms);
    sched.run();
    auto restarted = events(); // child_restarted
    // [crash]
    std::cout << "crash " << crash << ": restart scheduled in " << ms(delay)
              << " ms; " << too_early.size() << " restarts after "
              << ms(delay - 1ms) << " ms, " << restarted.size() << " after "
              << ms(delay) << " ms";
    if (!restarted.empty())
      std::cout << " (restarts=" << restarted.front().restarts << ")";
    std::cout << '\n';
    ok = ok && scheduled.size() == 1 && delay == expected && too_early.empty()
         && restarted.size() == 1
         && restarted.front().kind == supervision_event_kind::child_restarted;
  }
  std::cout << "virtual time passed: "
            << ms(sys.clock().now().time_since_epoch()) << " ms\n";
  // Nothing runs by itself here: stop the tree, then run.
  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  sched.run();
  std::cout << (ok ? "OK" : "UNEXPECTED") << '\n';
  return ok ? 0 : 1;
}
