// A program of your own as a Remedy node: register your worker types (one
// with arguments read strictly from the config file) and hand `main` to
// `remedy::run_node`. The config file gives the tree, the services and
// chaos; this example writes one to /tmp, runs it with chaos crashing its
// workers twice a second, and stops itself after 3 s with SIGTERM, as a
// service manager would. Exits 0 only if the node ran, its workers were
// crashed and restarted under supervision, and it stopped cleanly.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <caf/event_based_actor.hpp>

#include "remedy/remedy.hpp"
#include "remedy/runtime/run_node.hpp"

using namespace std::chrono_literals;

namespace {

std::atomic<int> greeter_starts{0};

// [worker]
caf::behavior greeter(caf::event_based_actor*, std::string greeting) {
  ++greeter_starts;
  return {
    [greeting](const std::string& name) { return greeting + ", " + name; },
  };
}
// [worker]

const char* config = R"({
  "name": "hello",
  "logging": {"level": "warn"},
  "tree": {
    "intensity": {"restarts": 50, "within": "10s"},
    "children": [
      {"name": "en", "worker": "greeter", "args": {"greeting": "Hello"}},
      {"name": "fr", "worker": "greeter", "args": {"greeting": "Bonjour"}}
    ]
  },
  "services": [{"name": "greet", "target": "en", "timeout": "1s"}],
  "chaos": {"enabled": true, "crash_rate": 2, "seed": 7}
})";

} // namespace

int main() {
  auto path = std::string{"/tmp/remedy-own-node-"} + std::to_string(getpid())
              + ".json";
  std::ofstream{path} << config;
  // SIGTERM after 3 s: blocked here first, so that run_node's signal thread
  // (not this one) takes it.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);
  std::thread stopper{[] {
    std::this_thread::sleep_for(3s);
    kill(getpid(), SIGTERM);
  }};
  // [main]
  remedy::node_registry reg;
  reg.worker("greeter", [](remedy::strict_json::object_reader& args) {
    std::string greeting = "Hi";
    args.get_optional("greeting", greeting,
                      remedy::strict_json::string_rule::non_empty);
    return remedy::start(greeter, greeting);
  });
  std::string arg0 = "own_node", arg1 = "--config";
  char* argv[] = {arg0.data(), arg1.data(), path.data(), nullptr};
  int status = remedy::run_node(3, argv, reg); // as `main` would
  // [main]
  stopper.join();
  std::remove(path.c_str());
  int starts = greeter_starts;
  std::cout << "node exited " << status << "; greeters started " << starts
            << " times (2 at start, the rest restarts after chaos)\n";
  bool ok = status == remedy::exit_status::ok && starts > 2;
  std::cout << (ok ? "ran, healed crashes, stopped cleanly\n" : "FAILED\n");
  return ok ? 0 : 1;
}
