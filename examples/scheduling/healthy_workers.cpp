// A fault-aware scheduler in front of four workers: three fast ones, one
// slow one, and one that crashes on its fifth task. A client submits 300
// tasks one after another, as it would to a single actor. Every task gets
// its answer: the crashed worker's task runs again elsewhere, and the slow
// worker gets almost no work once its latency is known. Exits 0 only if
// the answers, the per-worker counts and the counters show all that.

#include <deque>
#include <iostream>
#include <stdexcept>
#include <string>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using reply_atom = caf::atom_constant<caf::atom("reply")>;

// [workers]
caf::behavior fast(caf::event_based_actor*) {
  return {[](int x) { return x * 2; }};
}

// Answers each task 200 ms later (in order), without blocking a thread.
caf::behavior slow(caf::stateful_actor<std::deque<caf::response_promise>>* self) {
  return {
    [self](int x) {
      self->state.push_back(self->make_response_promise());
      self->delayed_send(self, 200ms, reply_atom::value, x);
      return self->state.back();
    },
    [self](reply_atom, int x) {
      self->state.front().deliver(x * 2);
      self->state.pop_front();
    },
  };
}

caf::behavior flaky(caf::stateful_actor<int>* self) {
  return {[self](int x) {
    if (++self->state == 5)
      throw std::runtime_error("corrupt state");
    return x * 2;
  }};
}
// [workers]

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  // [schedule]
  auto sched = spawn_scheduler(sys, scheduler_settings{});
  if (!sched)
    return 1;
  add_worker(self, *sched, sys.spawn(fast), "fast-1");
  add_worker(self, *sched, sys.spawn(fast), "fast-2");
  add_worker(self, *sched, sys.spawn(slow), "slow");
  add_worker(self, *sched, sys.spawn(flaky), "flaky");
  int answered = 0;
  for (int i = 0; i < 300; ++i)
    self->request(*sched, 5s, i)
      .receive([&](int y) { answered += y == 2 * i ? 1 : 0; },
               [&](caf::error& err) {
                 std::cout << "task " << i << ": " << render(err) << '\n';
               });
  // [schedule]
  auto stats = scheduler_stats_of(self, *sched);
  auto workers = workers_of(self, *sched);
  if (!stats || !workers)
    return 1;
  uint64_t slow_tasks = 0;
  for (auto& w : *workers) {
    std::cout << w.name << ": " << w.done << " done, " << w.failed
              << " failed, state " << w.state << '\n';
    if (w.name == "slow")
      slow_tasks = w.done;
  }
  std::cout << answered << " of 300 answered; retries " << stats->retries
            << ", submitted " << stats->submitted << " = done " << stats->done
            << " + failed " << stats->failed << '\n';
  self->send_exit(*sched, caf::exit_reason::user_shutdown);
  bool ok = answered == 300 && stats->retries >= 1 && slow_tasks < 30
            && stats->done == 300 && workers->size() == 3;
  return ok ? 0 : 1;
}
