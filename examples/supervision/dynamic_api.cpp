// The supervisor's dynamic API, OTP's supervisor functions as messages:
// start_child, terminate_child, restart_child, delete_child,
// which_children and count_children, with the error each one answers when
// the child is in the wrong state (rendered with remedy::render).

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/all.hpp>

#include "remedy/supervision/atoms.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

caf::behavior worker(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

// Asks `sup` and returns its reply (caf::unit_t for an empty one) or error.
template <class T, class... Ts>
caf::expected<T> ask(caf::scoped_actor& self, const caf::actor& sup, Ts... xs) {
  caf::expected<T> result{caf::sec::request_timeout};
  auto on_error = [&](caf::error& err) { result = std::move(err); };
  if constexpr (std::is_same<T, caf::unit_t>::value)
    self->request(sup, 1s, xs...)
      .receive([&] { result = caf::unit; }, on_error);
  else
    self->request(sup, 1s, xs...)
      .receive([&](T& x) { result = std::move(x); }, on_error);
  return result;
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
  using info = child_info;
  using none = caf::unit_t;
  // [start_child]
  auto cache = child_spec::worker("cache", start(worker))
                 .with_restart(restart_type::transient);
  show("start_child(cache)",
       ask<info>(self, *sup, start_child_atom::value, cache));
  show("start_child(cache) again",
       ask<info>(self, *sup, start_child_atom::value, cache),
       errc::already_started);
  // [start_child]
  auto counts = ask<child_counts>(self, *sup, count_children_atom::value);
  if (counts)
    std::cout << "count_children: specs=" << counts->specs
              << " active=" << counts->active << '\n';
  // [terminate]
  show("terminate_child(cache)",
       ask<none>(self, *sup, terminate_child_atom::value,
                 std::string{"cache"}));
  auto children = ask<std::vector<info>>(self, *sup,
                                         which_children_atom::value);
  // [terminate]
  if (children)
    print(*children);
  show("start_child(cache) while terminated",
       ask<info>(self, *sup, start_child_atom::value, cache),
       errc::already_present);
  show("delete_child(db) while running",
       ask<none>(self, *sup, delete_child_atom::value, std::string{"db"}),
       errc::running);
  show("restart_child(cache)",
       ask<info>(self, *sup, restart_child_atom::value, std::string{"cache"}));
  show("restart_child(cache) again",
       ask<info>(self, *sup, restart_child_atom::value, std::string{"cache"}),
       errc::running);
  show("terminate_child(cache)",
       ask<none>(self, *sup, terminate_child_atom::value,
                 std::string{"cache"}));
  show("delete_child(cache)",
       ask<none>(self, *sup, delete_child_atom::value, std::string{"cache"}));
  show("delete_child(cache) again",
       ask<none>(self, *sup, delete_child_atom::value, std::string{"cache"}),
       errc::unknown_child);
  show("start_child(args) on a non-pool",
       ask<info>(self, *sup, start_child_atom::value, caf::make_message(42)),
       errc::not_supported);
  show("start_child(bad/id)",
       ask<info>(self, *sup, start_child_atom::value,
                 child_spec::worker("bad/id", start(worker))),
       errc::invalid_argument);
  auto broken = child_spec::worker(
    "broken",
    [](caf::actor_system&, const caf::message&) -> caf::expected<caf::actor> {
      throw std::runtime_error("no config file");
    });
  show("start_child(broken)",
       ask<info>(self, *sup, start_child_atom::value, broken),
       errc::start_failed);
  children = ask<std::vector<info>>(self, *sup, which_children_atom::value);
  if (children)
    print(*children);
  bool ok = mismatches == 0 && counts && counts->specs == 2
            && counts->active == 2 && children && children->size() == 1;
  self->send_exit(*sup, caf::exit_reason::user_shutdown);
  std::cout << (ok ? "OK" : "UNEXPECTED") << '\n';
  return ok ? 0 : 1;
}
