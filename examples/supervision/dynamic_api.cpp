// The supervisor's dynamic API, OTP's supervisor functions as typed calls:
// start_child, terminate_child, restart_child, delete_child,
// which_children and count_children, here in their blocking form (a
// scoped_actor gets caf::expected), with the error each one answers when
// the child is in the wrong state (rendered with remedy::render).

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

caf::behavior worker(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

int mismatches = 0;

// Prints what a call answered; counts it if it is not `want` (none: ok).
template <class T>
void show(const std::string& call, const caf::expected<T>& x,
          errc want = errc::none) {
  std::cout << call << " -> " << (x ? "ok" : render(x.error())) << '\n';
  if (want == errc::none ? !x : (x || !is(x.error(), want)))
    ++mismatches;
}

void print(const std::vector<child_info>& xs) {
  for (auto& c : xs)
    std::cout << "  " << c.id << ": " << to_string(c.status) << ", "
              << to_string(c.restart) << ", restarts=" << c.restarts << '\n';
}

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  supervisor_flags flags;
  flags.name = "app";
  auto sup = spawn_supervisor(sys, flags,
                              {child_spec::worker("db", start(worker))});
  if (!sup) {
    std::cout << "spawn failed: " << render(sup.error()) << '\n';
    return 1;
  }
  // [start_child]
  auto cache = child_spec::worker("cache", start(worker))
                 .with_restart(restart_type::transient);
  show("start_child(cache)", start_child(self, *sup, cache));
  show("start_child(cache) again", start_child(self, *sup, cache),
       errc::already_started);
  // [start_child]
  auto counts = count_children(self, *sup);
  if (counts)
    std::cout << "count_children: specs=" << counts->specs
              << " active=" << counts->active << '\n';
  // [terminate]
  show("terminate_child(cache)", terminate_child(self, *sup, "cache"));
  auto children = which_children(self, *sup);
  // [terminate]
  if (children)
    print(*children);
  show("start_child(cache) while terminated", start_child(self, *sup, cache),
       errc::already_present);
  show("delete_child(db) while running", delete_child(self, *sup, "db"),
       errc::running);
  show("restart_child(cache)", restart_child(self, *sup, "cache"));
  show("restart_child(cache) again", restart_child(self, *sup, "cache"),
       errc::running);
  show("terminate_child(cache)", terminate_child(self, *sup, "cache"));
  show("delete_child(cache)", delete_child(self, *sup, "cache"));
  show("delete_child(cache) again", delete_child(self, *sup, "cache"),
       errc::unknown_child);
  show("start_pool_child(42) on a non-pool",
       start_pool_child(self, *sup, caf::make_message(42)),
       errc::not_supported);
  show("start_child(bad/id)",
       start_child(self, *sup, child_spec::worker("bad/id", start(worker))),
       errc::invalid_argument);
  auto broken = child_spec::worker(
    "broken",
    [](caf::actor_system&, const caf::message&) -> caf::expected<caf::actor> {
      throw std::runtime_error("no config file");
    });
  show("start_child(broken)", start_child(self, *sup, broken),
       errc::start_failed);
  children = which_children(self, *sup);
  if (children)
    print(*children);
  bool ok = mismatches == 0 && counts && counts->specs == 2
            && counts->active == 2 && children && children->size() == 1;
  self->send_exit(*sup, caf::exit_reason::user_shutdown);
  std::cout << (ok ? "OK" : "UNEXPECTED") << '\n';
  return ok ? 0 : 1;
}
