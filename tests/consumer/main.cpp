// Links against an installed Remedy (find_package or pkg-config) and prints
// its version; cmake/consumer_test.cmake checks the output.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <remedy/runtime/version.hpp>

#include <iostream>

int main() {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::cout << "remedy " << remedy::version() << " with CAF "
            << CAF_MAJOR_VERSION << '.' << CAF_MINOR_VERSION << '.'
            << CAF_PATCH_VERSION << '\n';
  return 0;
}
