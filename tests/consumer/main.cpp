// Links against an installed Remedy (find_package or pkg-config), builds a
// one-worker tree through the whole public API and prints the version;
// cmake/consumer_test.cmake checks the output.
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <remedy/remedy.hpp>

#include <iostream>

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  auto worker = [](caf::event_based_actor*) -> caf::behavior {
    return {[](int x) { return x; }};
  };
  auto tree = remedy::supervisor_builder("root", remedy::strategy::one_for_one)
                .worker("w", remedy::start(worker))
                .spawn(sys);
  if (!tree) {
    std::cerr << "could not start a tree: " << remedy::render(tree.error())
              << '\n';
    return 1;
  }
  caf::anon_send_exit(tree->root, caf::exit_reason::user_shutdown);
  std::cout << "remedy " << remedy::version() << " with CAF "
            << CAF_MAJOR_VERSION << '.' << CAF_MINOR_VERSION << '.'
            << CAF_PATCH_VERSION << '\n';
  return 0;
}
