// Leader failover time between real remedy-node processes, for both kinds
// of leader lease in the same run, rounds interleaved (embedded, etcd,
// embedded, ...): each round starts three nodes on free ports (a seeds b
// and c), waits for a leader all three name, SIGKILLs it, and times from
// the signal until a survivor announces a new leader ("leader of term N is
// X" on its log). The kill comes at a random moment (0-700 ms, seeded)
// after all three name the leader.
//
// - embedded: the Raft election (election timeout 1 s, heartbeat 100 ms);
// - etcd: cluster.lease kind etcd (TTL 2 s) against one real etcd on
//   127.0.0.1 (a fresh key per round); skipped, with a line saying so,
//   where /usr/bin/etcd (or $REMEDY_ETCD) is missing.
//
// The nodes run the cluster's healing orchestrator (healing.scope
// "cluster"), a cluster singleton: each round also times, from the same
// signal, until the new leader logs that the orchestrator runs there.
//
// Prints every round, then median and p99 of each (RESULT lines; no raw-CAF
// side: CAF has no election).
//
//   bench_leader_failover [--rounds=10] [--node=PATH] [--seed=1]
//                         [--mode=both|embedded|etcd]

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"
#include "support/etcd_process.hpp"
#include "support/node_process.hpp"

using namespace std::chrono_literals;
using remedy::test::etcd_process;
using remedy::test::free_port;
using remedy::test::node_process;

namespace {

/// The config of node `name`; `lease` is the cluster.lease JSON (empty:
/// none, the embedded election).
std::string config(const std::string& name, uint16_t port, uint16_t seed,
                   const std::string& lease) {
  auto path = "/tmp/remedy-failover-" + name + "-"
              + std::to_string(::getpid()) + ".json";
  std::ofstream out{path};
  out << R"({"name": ")" << name << R"(", "logging": {"level": "info"},
  "tree": {"children": [{"name": "w", "worker": "echo"}]},
  "detection": {"enabled": false}, "healing": {"scope": "cluster"},
  "cluster": {"port": )"
      << port << R"(, "seeds": [)"
      << (seed != 0 ? "\"127.0.0.1:" + std::to_string(seed) + "\"" : "")
      << "]" << (lease.empty() ? "" : ", \"lease\": " + lease) << "}}";
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

struct failover {
  /// Until a survivor names a new leader.
  double leader_ms = -1;
  /// Until the new leader runs the cluster's healing orchestrator.
  double singleton_ms = -1;
};

/// One round: the failover times in ms, or fails the benchmark.
failover failover_round(const std::string& node, const std::string& mode,
                      size_t r, const std::string& lease, std::mt19937& rng) {
  std::vector<std::string> names{"a", "b", "c"};
  std::vector<uint16_t> ports;
  for (size_t i = 0; i < 3; ++i)
    ports.push_back(free_port());
  std::vector<std::unique_ptr<node_process>> procs;
  std::vector<std::string> files;
  for (size_t i = 0; i < 3; ++i) {
    files.push_back(
      config(names[i], ports[i], i == 0 ? 0 : ports[0], lease));
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
    bench::fail((mode + ": no leader within 10 s").c_str());
  size_t victim = static_cast<size_t>(first.second[0] - 'a');
  // A random moment within the next 700 ms: the leader line comes right
  // after an etcd holder's keep-alive, so killing at once would always hit
  // the same phase of its TTL / 3 cadence (and of the survivors' polls).
  std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 700));
  std::vector<size_t> seen(3);
  for (size_t i = 0; i < 3; ++i)
    seen[i] = procs[i]->output().size();
  auto t0 = std::chrono::steady_clock::now();
  procs[victim]->signal(SIGKILL);
  failover took;
  std::string next;
  auto since_kill = [&] {
    return bench::since_us(t0, std::chrono::steady_clock::now()) / 1000.0;
  };
  while (took.singleton_ms < 0
         && std::chrono::steady_clock::now() < t0 + 10s) {
    for (size_t i = 0; i < 3; ++i) {
      if (i == victim)
        continue;
      if (took.leader_ms < 0) {
        auto x = last_leader(procs[i]->output(), seen[i]);
        if (x.first > first.first && x.second != first.second) {
          took.leader_ms = since_kill();
          next = x.second;
        }
      }
      if (!next.empty() && names[i] == next
          && procs[i]->output().find("singleton 'healing': runs on " + next,
                                     seen[i])
               != std::string::npos)
        took.singleton_ms = since_kill();
    }
    std::this_thread::sleep_for(2ms);
  }
  procs.clear(); // SIGKILL and reap
  for (auto& f : files)
    std::remove(f.c_str());
  if (took.leader_ms < 0)
    bench::fail((mode + ": no new leader within 10 s").c_str());
  if (took.singleton_ms < 0)
    bench::fail((mode + ": the orchestrator did not move within 10 s").c_str());
  std::printf("   %-8s round %zu: leader %s (term %llu) killed, new leader "
              "after %.0f ms, orchestrator there after %.0f ms\n",
              mode.c_str(), r + 1, first.second.c_str(),
              static_cast<unsigned long long>(first.first), took.leader_ms,
              took.singleton_ms);
  return took;
}

void print_result(const char* name, const std::vector<double>& ms,
                  const char* params) {
  std::printf("RESULT bench=leader_failover name=%s median=%.0f p99=%.0f "
              "min=%.0f max=%.0f rounds=%zu %s\n",
              name, remedy::median(ms), remedy::percentile(ms, 99.0),
              *std::min_element(ms.begin(), ms.end()),
              *std::max_element(ms.begin(), ms.end()), ms.size(), params);
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(argc, argv,
                           "[--rounds=N] [--node=PATH] [--seed=N] "
                           "[--mode=both|embedded|etcd]");
  auto node = opts.get("node", REMEDY_NODE_EXE);
  auto rounds = opts.get_size("rounds", opts.quick ? 3 : 10);
  auto mode = opts.get("mode", "both");
  bool embedded = mode == "both" || mode == "embedded";
  bool etcd = mode == "both" || mode == "etcd";
  std::printf("== leader_failover  (%s)\n   node=%s  loadavg=%s\n",
              bench::today().c_str(), node.c_str(), bench::loadavg().c_str());
  std::unique_ptr<etcd_process> server;
  if (etcd && remedy::test::etcd_program().empty()) {
    std::printf("   etcd: skipped: no etcd (apt-get install etcd-server)\n");
    etcd = false;
  } else if (etcd) {
    server = std::make_unique<etcd_process>();
    if (!server->ready())
      bench::fail(("etcd did not start:\n" + server->output()).c_str());
    std::printf("   etcd on %s\n", server->endpoint().c_str());
  }
  std::mt19937 rng{static_cast<unsigned>(opts.get_size("seed", 1))};
  std::vector<double> raft_ms, raft_singleton_ms;
  std::vector<double> etcd_ms, etcd_singleton_ms;
  for (size_t r = 0; r < rounds; ++r) {
    if (embedded) {
      auto x = failover_round(node, "embedded", r, "", rng);
      raft_ms.push_back(x.leader_ms);
      raft_singleton_ms.push_back(x.singleton_ms);
    }
    if (etcd) {
      auto lease = R"({"kind": "etcd", "endpoints": [")"
                   + server->endpoint() + R"("], "key": "bench/leader-)"
                   + std::to_string(r) + R"(", "ttl": "2s"})";
      auto x = failover_round(node, "etcd", r, lease, rng);
      etcd_ms.push_back(x.leader_ms);
      etcd_singleton_ms.push_back(x.singleton_ms);
    }
  }
  if (embedded) {
    print_result("embedded_failover_ms", raft_ms,
                 "election_timeout_ms=1000 heartbeat_ms=100");
    print_result("embedded_orchestrator_moved_ms", raft_singleton_ms,
                 "election_timeout_ms=1000 heartbeat_ms=100");
  }
  if (etcd) {
    print_result("etcd_failover_ms", etcd_ms,
                 "ttl_ms=2000 poll_ms=667 etcd=3.4");
    print_result("etcd_orchestrator_moved_ms", etcd_singleton_ms,
                 "ttl_ms=2000 poll_ms=667 etcd=3.4");
  }
  return 0;
}
