// Leader failover time of the embedded election between real remedy-node
// processes: each round starts three nodes on free ports (a seeds b and c),
// waits for a leader, SIGKILLs it, and times from the signal until a
// survivor announces a new leader ("leader of term N is X" on its log).
// Prints every round, then median and p99 (a RESULT line, no raw-CAF side:
// CAF has no election).
//
//   bench_leader_failover [--rounds=10] [--node=PATH]

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"
#include "support/node_process.hpp"

using namespace std::chrono_literals;
using remedy::test::free_port;
using remedy::test::node_process;

namespace {

std::string config(const std::string& name, uint16_t port, uint16_t seed) {
  auto path = "/tmp/remedy-failover-" + name + "-"
              + std::to_string(::getpid()) + ".json";
  std::ofstream out{path};
  out << R"({"name": ")" << name << R"(", "logging": {"level": "info"},
  "tree": {"children": [{"name": "w", "worker": "echo"}]},
  "detection": {"enabled": false}, "healing": {"enabled": false},
  "cluster": {"port": )"
      << port << R"(, "seeds": [)"
      << (seed != 0 ? "\"127.0.0.1:" + std::to_string(seed) + "\"" : "")
      << "]}}";
  return path;
}

/// The newest "leader of term N is X" in `text` after byte `from`, as
/// (term, name), or term 0.
std::pair<uint64_t, std::string> last_leader(const std::string& text,
                                             size_t from = 0) {
  const std::string marker = "leader of term ";
  std::pair<uint64_t, std::string> result{0, ""};
  for (auto i = text.find(marker, from); i != std::string::npos;
       i = text.find(marker, i + 1)) {
    auto rest = text.substr(i + marker.size(), 64);
    auto is = rest.find(" is ");
    auto eol = rest.find('\n');
    if (is == std::string::npos || eol == std::string::npos)
      continue;
    result = {std::stoull(rest.substr(0, is)),
              rest.substr(is + 4, eol - is - 4)};
  }
  return result;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(argc, argv, "[--rounds=N] [--node=PATH]");
  auto node = opts.get("node", REMEDY_NODE_EXE);
  auto rounds = opts.get_size("rounds", opts.quick ? 3 : 10);
  std::printf("== leader_failover  (%s)\n   node=%s  loadavg=%s\n",
              bench::today().c_str(), node.c_str(), bench::loadavg().c_str());
  std::vector<double> ms;
  for (size_t r = 0; r < rounds; ++r) {
    std::vector<std::string> names{"a", "b", "c"};
    std::vector<uint16_t> ports;
    for (size_t i = 0; i < 3; ++i)
      ports.push_back(free_port());
    std::vector<std::unique_ptr<node_process>> procs;
    std::vector<std::string> files;
    for (size_t i = 0; i < 3; ++i) {
      files.push_back(config(names[i], ports[i], i == 0 ? 0 : ports[0]));
      procs.push_back(std::make_unique<node_process>(
        node, std::vector<std::string>{"--config", files.back()}));
      if (i == 0)
        procs[0]->wait_for("cluster agent on", 5000ms);
    }
    // A leader all three name.
    std::pair<uint64_t, std::string> first{0, ""};
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      auto x = last_leader(procs[0]->output());
      if (x.first > 0 && last_leader(procs[1]->output()) == x
          && last_leader(procs[2]->output()) == x) {
        first = x;
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    if (first.first == 0)
      bench::fail("no leader within 10 s");
    size_t victim = static_cast<size_t>(first.second[0] - 'a');
    std::vector<size_t> seen(3);
    for (size_t i = 0; i < 3; ++i)
      seen[i] = procs[i]->output().size();
    auto t0 = std::chrono::steady_clock::now();
    procs[victim]->signal(SIGKILL);
    double took = -1;
    while (took < 0 && std::chrono::steady_clock::now() < t0 + 10s) {
      for (size_t i = 0; i < 3; ++i) {
        if (i == victim)
          continue;
        auto x = last_leader(procs[i]->output(), seen[i]);
        if (x.first > first.first && x.second != first.second) {
          took = bench::since_us(t0, std::chrono::steady_clock::now())
                 / 1000.0;
          break;
        }
      }
      std::this_thread::sleep_for(2ms);
    }
    procs.clear(); // SIGKILL and reap
    for (auto& f : files)
      std::remove(f.c_str());
    if (took < 0)
      bench::fail("no new leader within 10 s");
    std::printf("   round %zu: leader %s (term %llu) killed, new leader "
                "after %.0f ms\n",
                r + 1, first.second.c_str(),
                static_cast<unsigned long long>(first.first), took);
    ms.push_back(took);
  }
  std::printf("RESULT bench=leader_failover name=embedded_failover_ms "
              "median=%.0f p99=%.0f min=%.0f max=%.0f rounds=%zu "
              "election_timeout_ms=1000 heartbeat_ms=100\n",
              remedy::median(ms), remedy::percentile(ms, 99.0),
              *std::min_element(ms.begin(), ms.end()),
              *std::max_element(ms.begin(), ms.end()), ms.size());
  return 0;
}
