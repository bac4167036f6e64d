// A client talks to a supervised worker through its stable endpoint, never
// through the worker's own handle. A poison job crashes the worker; its
// supervisor restarts it after an exponential backoff with jitter. Jobs the
// client sends while the worker is backing off wait in the endpoint's stash
// and are answered, in order, by the new incarnation. Ends with the
// endpoint's counters.

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using job_atom = caf::atom_constant<caf::atom("job")>;

constexpr int poison = 4;

// Handles jobs and says which incarnation did, as its how-many-th job.
// [worker]
caf::behavior ledger(caf::event_based_actor*,
                     std::shared_ptr<std::atomic<int>> incarnations) {
  int incarnation = ++*incarnations;
  return {[incarnation, handled = 0](job_atom, int job) mutable {
    if (job == poison)
      throw std::runtime_error("poison job " + std::to_string(job));
    return "job " + std::to_string(job) + " done by incarnation "
           + std::to_string(incarnation) + " as its job #"
           + std::to_string(++handled);
  }};
}
// [worker]

void print(const endpoint_stats& x) {
  std::cout << "endpoint: state=" << to_string(x.state)
            << " forwarded=" << x.forwarded << " stashed=" << x.stashed
            << " replayed=" << x.replayed << " rejected=" << x.rejected
            << " pending=" << x.pending << '\n';
}

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  subscribe(self.ptr(), "supervision.child_restarting");
  auto incarnations = std::make_shared<std::atomic<int>>(0);
  // [tree]
  auto tree = supervisor_builder("shop")
                .intensity(5, 10s)
                .with_backoff(backoff::exponential(400ms, 5s).with_jitter(0.25))
                .worker("ledger", start(ledger, incarnations))
                .spawn(sys);
  // [tree]
  if (!tree) {
    std::cout << "spawn failed: " << render(tree.error()) << '\n';
    return 1;
  }
  auto ledger_ep = tree->endpoint("ledger");
  bool ok = true;
  // [call]
  for (int job = 1; job <= poison; ++job)
    self->request(ledger_ep, 1s, job_atom::value, job)
      .receive([](std::string& reply) { std::cout << reply << '\n'; },
               [&](caf::error& err) {
                 std::cout << "job " << job << " failed: " << render(err)
                           << '\n';
                 ok = ok && job == poison;
               });
  // [call]
  self->receive(
    [](supervision_event& ev) { std::cout << to_string(ev) << '\n'; },
    caf::after(1s) >> [&] { ok = false; });

  // [stash]
  // The ledger is backing off now: these jobs wait in the endpoint's stash.
  using handle = decltype(self->request(ledger_ep, 1s, job_atom::value, 0));
  std::vector<handle> pending;
  for (int job = 5; job <= 8; ++job)
    pending.push_back(self->request(ledger_ep, 2s, job_atom::value, job));
  // [stash]
  auto during = endpoint_stats_of(self, ledger_ep);
  if (!during)
    return 1;
  std::cout << "sent jobs 5-8 during the backoff\n";
  print(*during);
  int nth = 0;
  for (auto& h : pending)
    h.receive(
      [&](std::string& reply) {
        std::cout << reply << '\n';
        ++nth; // job 4 + nth, the new incarnation's job #nth
        ok = ok
             && reply
                  == "job " + std::to_string(4 + nth)
                       + " done by incarnation 2 as its job #"
                       + std::to_string(nth);
      },
      [&](caf::error& err) {
        std::cout << "failed: " << render(err) << '\n';
        ok = false;
      });
  auto after = endpoint_stats_of(self, ledger_ep);
  if (!after)
    return 1;
  print(*after);
  ok = ok && during->state == endpoint_state::waiting && during->pending == 4
       && after->state == endpoint_state::up && after->pending == 0
       && after->forwarded + after->replayed == 8 && after->rejected == 0;

  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  std::cout << (ok ? "OK" : "UNEXPECTED") << '\n';
  return ok ? 0 : 1;
}
