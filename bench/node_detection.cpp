// How fast a paused peer node is noticed: Remedy's cluster agent (heartbeats
// judged by phi accrual) against CAF's own middleman connection timeout, on
// the same pause of the same peer, at the same 100 ms heartbeat.
//
// Each round forks a child process (this program with --child) that runs a
// cluster agent joined to the parent's. The parent also holds a plain CAF
// proxy of the child's agent (remote_actor) and monitors it: CAF reports it
// down when its connection timeout expires. The parent SIGSTOPs the child
// and records (a) the agent's node_unreachable event and (b) the proxy's
// down message, both from the moment of the signal. Ratio: Remedy / CAF
// (goal <= 0.4). Then SIGKILL and reap.
//
// --healthy=SECONDS runs one child for that long, without pauses, with the
// parent's scheduler kept busy by a message storm, and counts false
// suspicions (node_unreachable events; goal: 0).
//
//   bench_node_detection [--rounds=5] [--caf-timeout-ms=1000]
//                        [--healthy=SECONDS]

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "common.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/config.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

constexpr auto heartbeat = 100ms;

void configure_net(remedy::config& cfg, caf::timespan caf_timeout) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", caf::timespan{heartbeat});
  cfg.set("middleman.connection-timeout", caf_timeout);
}

cluster_settings agent_settings(const std::string& name) {
  cluster_settings s;
  s.name = name;
  s.heartbeat_interval = heartbeat;
  s.down_after = 30s;       // only unreachability is measured
  s.keep_majority = false;  // a two-node cluster must not down itself
  return s;
}

/// The child: a cluster agent joined to the parent's, until killed.
int run_child(uint16_t parent_port, caf::timespan caf_timeout) {
  remedy::config cfg;
  configure_net(cfg, caf_timeout);
  caf::actor_system sys{cfg};
  auto s = agent_settings("child");
  s.seeds.emplace_back("127.0.0.1", parent_port);
  auto agent = spawn_cluster_agent(sys, s);
  if (!agent)
    return 1;
  std::printf("%u\n", agent->second);
  std::fflush(stdout);
  for (;;)
    std::this_thread::sleep_for(1s); // until SIGKILL
}

bench::child_process fork_child(const char* self_path, uint16_t parent_port,
                                caf::timespan caf_timeout) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(caf_timeout)
              .count();
  return bench::fork_self(self_path,
                          {"--child=" + std::to_string(parent_port),
                           "--caf-timeout-ms=" + std::to_string(ms),
                           "--log=off"});
}

/// Waits (at most `limit`) until the parent's agent sees the child up.
bool wait_joined(caf::scoped_actor& self, const caf::actor& agent,
                 caf::timespan limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    bool up = false;
    self->request(agent, 1s, cluster_reachable_atom::value)
      .receive([&](std::vector<cluster_member>& xs) { up = xs.size() == 2; },
               [](caf::error&) {});
    if (up)
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

caf::behavior storm(caf::event_based_actor* self) {
  return {[self](int n) {
    if (n > 0)
      self->send(self, n - 1);
    else
      self->send(self, 1000);
  }};
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(argc, argv,
                           "[--rounds=N] [--caf-timeout-ms=MS] "
                           "[--healthy=SECONDS]");
  caf::timespan caf_timeout = std::chrono::milliseconds(
    opts.get_size("caf-timeout-ms", 1000));
  if (opts.has("child"))
    return run_child(static_cast<uint16_t>(opts.get_size("child", 0)),
                     caf_timeout);
  remedy::config cfg;
  bench::configure(cfg, opts);
  configure_net(cfg, caf_timeout);
  caf::actor_system sys{cfg};
  bench::print_header("node_detection", opts, sys);
  auto agent = spawn_cluster_agent(sys, agent_settings("parent"));
  if (!agent)
    bench::fail("no agent: " + render(agent.error()));
  caf::scoped_actor self{sys};
  subscribe(self.ptr(), "cluster.node_unreachable");
  auto rounds = opts.get_size("rounds", opts.quick ? 2 : 5);
  std::vector<double> remedy_ms, caf_ms, ratios;
  for (size_t r = 0; r < rounds; ++r) {
    auto child = fork_child(argv[0], agent->second, caf_timeout);
    if (!wait_joined(self, agent->first, 5s))
      bench::fail("the child did not join");
    auto proxy = sys.middleman().remote_actor("127.0.0.1", child.port);
    if (!proxy)
      bench::fail("no proxy: " + render(proxy.error()));
    self->monitor(*proxy);
    std::this_thread::sleep_for(1s); // a second of healthy heartbeats
    auto t0 = std::chrono::steady_clock::now();
    ::kill(child.pid, SIGSTOP);
    double remedy_at = -1;
    double caf_at = -1;
    auto until = t0 + 10s;
    while ((remedy_at < 0 || caf_at < 0)
           && std::chrono::steady_clock::now() < until)
      self->receive(
        [&](const cluster_event& ev) {
          if (ev.member.name == "child" && remedy_at < 0)
            remedy_at = bench::since_us(t0, std::chrono::steady_clock::now())
                        / 1000.0;
        },
        [&](const caf::down_msg& dm) {
          if (dm.source == proxy->address() && caf_at < 0)
            caf_at = bench::since_us(t0, std::chrono::steady_clock::now())
                     / 1000.0;
        },
        caf::after(50ms) >> [] {});
    bench::reap(child);
    if (remedy_at < 0 || caf_at < 0)
      bench::fail("a detector missed the pause within 10 s");
    std::printf("   round %zu: remedy %.0f ms, caf %.0f ms\n", r + 1,
                remedy_at, caf_at);
    remedy_ms.push_back(remedy_at);
    caf_ms.push_back(caf_at);
    ratios.push_back(remedy_at / caf_at);
    // Let the parent's agent mark the child down and forget it.
    std::this_thread::sleep_for(300ms);
  }
  bench::result("node_detection", "paused_peer_detect_ms",
                bench::median(remedy_ms), bench::median(caf_ms), "ms", 0.4,
                bench::paired(ratios));
  if (auto secs = opts.get_size("healthy", 0); secs > 0) {
    auto child = fork_child(argv[0], agent->second, caf_timeout);
    if (!wait_joined(self, agent->first, 5s))
      bench::fail("the child did not join");
    std::vector<caf::actor> storms;
    for (int i = 0; i < 4; ++i) {
      storms.push_back(sys.spawn(storm));
      caf::anon_send(storms.back(), 1000);
    }
    size_t suspicions = 0;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(secs);
    while (std::chrono::steady_clock::now() < until)
      self->receive(
        [&](const cluster_event& ev) {
          if (ev.member.name == "child")
            ++suspicions;
        },
        caf::after(100ms) >> [] {});
    for (auto& s : storms)
      caf::anon_send_exit(s, caf::exit_reason::kill);
    bench::reap(child);
    bench::value_result("node_detection", "false_suspicions_healthy",
                        static_cast<double>(suspicions), "events", 0.0,
                        "seconds=" + std::to_string(secs)
                          + " load=message_storm_x4");
  }
  caf::anon_send_exit(agent->first, caf::exit_reason::user_shutdown);
  return 0;
}
