// Escalation: a subtree that exceeds its restart intensity gives up and
// exits, and its parent restarts the whole subtree. The "payments" subtree
// allows 2 restarts per second; its gateway crashes right after each of its
// first three starts, so the third crash escalates to the root, which
// restarts "payments" (gateway and ledger both get new incarnations). The
// client follows it all on the event bus as OTP-style supervisor reports.

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include <caf/all.hpp>


#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using crash_atom = caf::atom_constant<caf::atom("crash")>;
using call_atom = caf::atom_constant<caf::atom("call")>;

using counter = std::shared_ptr<std::atomic<int>>;

// A service whose first `outages` incarnations crash right after starting.
caf::behavior service(caf::event_based_actor* self, std::string name,
                      counter starts, int outages) {
  int incarnation = ++*starts;
  if (incarnation <= outages)
    self->send(self, crash_atom::value);
  return {
    [](crash_atom) { throw std::runtime_error("upstream unreachable"); },
    [=](call_atom) {
      return name + " incarnation " + std::to_string(incarnation);
    },
  };
}

std::string call(caf::scoped_actor& self, const caf::actor& ep) {
  std::string result;
  self->request(ep, 1s, call_atom::value)
    .receive([&](std::string& x) { result = std::move(x); },
             [&](caf::error& err) { result = render(err); });
  return result;
}

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  // [subscribe]
  subscribe(self.ptr(), "supervision.");
  // [subscribe]
  auto gateway_starts = std::make_shared<std::atomic<int>>(0);
  auto ledger_starts = std::make_shared<std::atomic<int>>(0);
  // [tree]
  auto tree
    = supervisor_builder("root", strategy::one_for_one) // OTP: 1 in 5 s
        .supervisor(supervisor_builder("payments", strategy::one_for_one)
                      .intensity(2, 1s)
                      .worker("gateway", start(service, std::string{"gateway"},
                                               gateway_starts, 3))
                      .worker("ledger", start(service, std::string{"ledger"},
                                              ledger_starts, 0)))
        .spawn(sys);
  // [tree]
  if (!tree) {
    std::cout << "spawn failed: " << render(tree.error()) << '\n';
    return 1;
  }
  // Print reports until the root has restarted "payments" and the new
  // "payments" has started both its children.
  bool escalated = false;
  bool restarted_by_root = false;
  int started_after = 0;
  bool timed_out = false;
  // [events]
  while (!timed_out && !(restarted_by_root && started_after == 2))
    self->receive(
      [&](supervision_event& ev) {
        std::cout << to_string(ev) << '\n';
        using kind = supervision_event_kind;
        escalated |= ev.kind == kind::escalated
                     && ev.supervisor == "root/payments";
        restarted_by_root |= ev.kind == kind::child_restarted
                             && ev.supervisor == "root"
                             && ev.child == "payments";
        if (escalated && ev.kind == kind::child_started
            && ev.supervisor == "root/payments")
          ++started_after;
      },
      caf::after(2s) >> [&] { timed_out = true; });
  // [events]
  auto gateway = call(self, tree->endpoint("payments/gateway"));
  auto ledger = call(self, tree->endpoint("payments/ledger"));
  std::cout << "now serving: " << gateway << ", " << ledger << '\n';
  bool ok = escalated && restarted_by_root && started_after == 2
            && gateway == "gateway incarnation 4"
            && ledger == "ledger incarnation 2";

  self->monitor(tree->root);
  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg&) {}, caf::after(2s) >> [&] { ok = false; });
  std::cout << (ok ? "OK" : "UNEXPECTED") << '\n';
  return ok ? 0 : 1;
}
