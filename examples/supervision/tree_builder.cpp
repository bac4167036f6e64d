// Composes a supervision tree with supervisor_builder: a one_for_one root
// with a rest_for_one subtree "io" and a simple_one_for_one pool "conns".
// Starts two pool children with start_child, crashes the middle worker of
// "io" and shows that it and the worker after it restart while the one
// before it keeps running, then stops the tree from its root and checks that
// no actor is left running.

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using crash_atom = caf::atom_constant<caf::atom("crash")>;

// A worker that throws when told to crash.
caf::behavior worker(caf::event_based_actor*) {
  return {[](crash_atom) { throw std::runtime_error("simulated fault"); }};
}

// A pool child serving one peer.
caf::behavior connection(caf::event_based_actor*, std::string peer) {
  return {[peer](crash_atom) { throw std::runtime_error(peer + " lost"); }};
}

std::vector<child_info> children(caf::scoped_actor& self, caf::actor sup) {
  auto xs = which_children(self, sup);
  if (!xs)
    std::cout << render(xs.error()) << '\n';
  return xs ? std::move(*xs) : std::vector<child_info>{};
}

caf::actor child(caf::scoped_actor& self, caf::actor sup, std::string id) {
  for (auto& c : children(self, sup))
    if (c.id == id)
      return c.current;
  return {};
}

void print(const std::string& title, const std::vector<child_info>& xs) {
  std::cout << title << ":\n";
  for (auto& c : xs)
    std::cout << "  " << c.id << " " << to_string(c.status)
              << " actor=" << (c.current ? c.current.id() : 0)
              << " restarts=" << c.restarts << '\n';
}

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys}; // counts as one running actor
  // [build]
  auto tree
    = supervisor_builder("root", strategy::one_for_one)
        .worker("config", start(worker))
        .supervisor(supervisor_builder("io", strategy::rest_for_one)
                      .worker("listener", start(worker))
                      .worker("acceptor", start(worker))
                      .worker("router", start(worker)))
        .supervisor(supervisor_builder("conns", strategy::simple_one_for_one)
                      .worker("conn", pool_start<std::string>(connection),
                              restart_type::temporary))
        .spawn(sys);
  // [build]
  if (!tree) {
    std::cout << "spawn failed: " << render(tree.error()) << '\n';
    return 1;
  }
  // [await]
  // Spawning is asynchronous; wait until the whole tree has started.
  if (auto up = await_started(self, tree->root); !up) {
    std::cout << render(up.error()) << '\n';
    return 1;
  }
  // [await]
  print("root", children(self, tree->root));
  auto io = child(self, tree->root, "io");
  auto conns = child(self, tree->root, "conns");
  // [pool]
  for (std::string peer : {"10.0.0.7:5120", "10.0.0.9:6001"})
    if (auto c = start_pool_child(self, conns, caf::make_message(peer)))
      std::cout << "started " << c->id << '\n';
  // [pool]
  auto pool = children(self, conns);
  print("conns", pool);
  auto before = children(self, io);
  print("io before the crash", before);

  std::cout << "crashing io/acceptor\n";
  self->send(tree->endpoint("io/acceptor"), crash_atom::value);
  std::vector<child_info> after;
  for (int i = 0; i < 100; ++i) {
    after = children(self, io);
    if (after.size() == 3 && after[2].restarts == 1
        && after[2].status == child_status::running)
      break;
    std::this_thread::sleep_for(10ms);
  }
  print("io after the crash", after);
  bool ok = pool.size() == 2 && before.size() == 3 && after.size() == 3
            && after[0].current == before[0].current // listener kept
            && after[0].restarts == 0
            && after[1].current != before[1].current // acceptor restarted
            && after[1].restarts == 1
            && after[2].current != before[2].current // router restarted
            && after[2].restarts == 1;

  // [stop]
  self->monitor(tree->root);
  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  self->receive(
    [](caf::down_msg& msg) {
      std::cout << "root stopped: " << render(msg.reason) << '\n';
    },
    caf::after(2s) >> [] { std::cout << "root did not stop\n"; });
  // [stop]
  // Endpoints follow their owner (the root) a moment later; what remains is
  // this scoped_actor.
  for (int i = 0; i < 100 && sys.registry().running() > 1; ++i)
    std::this_thread::sleep_for(10ms);
  std::cout << "actors running besides this client: "
            << sys.registry().running() - 1 << '\n';
  ok = ok && sys.registry().running() == 1;
  std::cout << (ok ? "OK" : "UNEXPECTED") << '\n';
  return ok ? 0 : 1;
}
