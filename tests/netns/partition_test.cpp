// A real network partition of three remedy-node processes, 2 + 1, made with
// network namespaces this test creates (root only; exit code 77, which ctest
// shows as "Skipped", where they cannot be made). Each node runs in its own
// namespace with its own address, joined to the others through a bridge in
// a hub namespace; the cut sets the minority's veth down at the hub: packets
// are dropped, no process is signalled. Asserted: the minority downs itself
// by the keep-majority rule and exits 1 within a bound, never claiming
// leadership meanwhile; the majority marks it unreachable, then down, keeps
// (or elects) a leader of a term at least as high, and keeps serving HTTP
// requests; the minority node, restarted by the test as a service manager
// would while the partition still holds, does not elect itself; after the
// partition heals, the three converge: all up, one leader, the same term on
// all. With an etcd lease instead (etcd in the hub, which every node keeps
// reaching; the cut isolates one node from the other nodes only), the side
// without the lease holder downs itself, majority or not, and the holder's
// side keeps its leader, term and service. Every wait is bounded, every
// process reaped, every namespace deleted.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "netns/netns_lab.hpp"
#include "support/etcd_process.hpp"
#include "support/node_process.hpp"

using namespace std::chrono_literals;
using remedy::test::netns_lab;
using remedy::test::node_process;

namespace {

using clock_type = std::chrono::steady_clock;

// The test's own namespaces are the one place where an address other than
// 127.0.0.1 is right: this /24 exists only inside them.
const std::string subnet = "10.47.14";

struct node {
  node(std::string n, size_t i, std::string h)
    : name(std::move(n)), index(i), host(std::move(h)) {
  }

  std::string name;
  size_t index = 0;
  std::string host;
  uint16_t port = 0; // the cluster agent's, read back from the log
  uint16_t http = 0; // the gateway's, inside the node's namespace
  std::string config_path;
  std::unique_ptr<node_process> proc;

  /// How peers name this node's current incarnation (without the uid).
  std::string address() const {
    return name + "@" + host + ":" + std::to_string(port) + "#";
  }
};

/// Reads the number after `prefix` in `n`'s output (waiting at most 10 s).
uint16_t read_port(node& n, const std::string& prefix) {
  auto at = n.proc->wait_for(prefix, 10000ms);
  if (at == std::string::npos)
    return 0;
  auto out = n.proc->output();
  return static_cast<uint16_t>(std::stoul(out.substr(at + prefix.size())));
}

/// Writes `n`'s config (agent on its namespace address, `n.port`, 0: a free
/// one; `lease` goes into the cluster section, e.g. `, "lease": {...}`) and
/// starts it inside its namespace with the HTTP gateway on.
void start(netns_lab& lab, node& n, const std::vector<const node*>& seeds,
           const std::string& lease = "") {
  n.config_path = "/tmp/remedy-netns-" + std::to_string(::getpid()) + "-"
                  + n.name + ".json";
  std::string seed_list;
  for (auto* s : seeds)
    seed_list += (seed_list.empty() ? "\"" : ", \"") + s->host + ":"
                 + std::to_string(s->port) + "\"";
  std::ofstream out{n.config_path};
  out << R"({"name": ")" << n.name << R"(",
  "logging": {"level": "info"},
  "tree": {"children": [{"name": "store", "worker": "kv"}]},
  "services": [{"name": "kv", "target": "store", "timeout": "1s"}],
  "detection": {"enabled": false}, "healing": {"enabled": false},
  "cluster": {"host": ")"
      << n.host << R"(", "port": )" << n.port << R"(, "seeds": [)"
      << seed_list << R"(], "heartbeat": "100ms", "down_after": "2s")"
      << lease << "}}";
  out.close();
  n.proc = std::make_unique<node_process>(
    remedy::test::ip_program(),
    std::vector<std::string>{"netns", "exec", lab.ns(n.index),
                             REMEDY_NODE_EXE, "--config", n.config_path,
                             "--http", "0"});
  n.port = read_port(n, "cluster agent on " + n.host + ":");
  n.http = read_port(n, "HTTP on 127.0.0.1:");
}

/// Stops the nodes (SIGKILL if still running, reaped) and removes their
/// config files; declared after the nodes, so it runs first.
struct node_cleanup {
  std::vector<node*> ns;
  ~node_cleanup() {
    for (auto* n : ns) {
      n->proc.reset();
      std::remove(n->config_path.c_str());
    }
  }
};

/// The lines of `text` from byte `from` on.
std::vector<std::string> lines_of(const std::string& text, size_t from = 0) {
  std::vector<std::string> result;
  while (from < text.size()) {
    auto end = text.find('\n', from);
    if (end == std::string::npos)
      break; // a line still being written
    result.push_back(text.substr(from, end - from));
    from = end + 1;
  }
  return result;
}

bool has_line(const std::string& text, std::initializer_list<std::string> parts,
              size_t from = 0) {
  for (auto& line : lines_of(text, from)) {
    bool all = true;
    for (auto& p : parts)
      all = all && line.find(p) != std::string::npos;
    if (all)
      return true;
  }
  return false;
}

/// Waits at most `limit` for a line of `n`'s output (from byte `from`)
/// with all of `parts`.
bool saw(node& n, std::initializer_list<std::string> parts,
         std::chrono::milliseconds limit, size_t from = 0) {
  auto until = clock_type::now() + limit;
  for (;;) {
    if (has_line(n.proc->output(), parts, from))
      return true;
    if (clock_type::now() >= until)
      return false;
    std::this_thread::sleep_for(20ms);
  }
}

struct leader_line {
  uint64_t term = 0;
  std::string leader;
};

/// Every "<name>: leader of term N is X" line of `text` from byte `from`.
std::vector<leader_line> leader_lines(const std::string& text,
                                      size_t from = 0) {
  std::vector<leader_line> result;
  const std::string marker = ": leader of term ";
  for (auto& line : lines_of(text, from)) {
    auto i = line.find(marker);
    if (i == std::string::npos)
      continue;
    auto rest = line.substr(i + marker.size());
    auto is = rest.find(" is ");
    if (is == std::string::npos)
      continue;
    result.push_back({std::stoull(rest.substr(0, is)), rest.substr(is + 4)});
  }
  return result;
}

std::optional<leader_line> latest_leader(node& n) {
  auto xs = leader_lines(n.proc->output());
  if (xs.empty())
    return std::nullopt;
  return xs.back();
}

/// Waits at most `limit` until the latest leader line of every node in
/// `ns` names the same leader and term; returns it.
std::optional<leader_line> agreed_leader(std::initializer_list<node*> ns,
                                         std::chrono::milliseconds limit) {
  auto until = clock_type::now() + limit;
  for (;;) {
    std::optional<leader_line> agreed;
    bool all = true;
    for (auto* n : ns) {
      auto x = latest_leader(*n);
      if (!x || (agreed && (x->term != agreed->term
                            || x->leader != agreed->leader))) {
        all = false;
        break;
      }
      agreed = x;
    }
    if (all && agreed)
      return agreed;
    if (clock_type::now() >= until)
      return std::nullopt;
    std::this_thread::sleep_for(20ms);
  }
}

std::string outputs(std::initializer_list<node*> ns) {
  std::string result;
  for (auto* n : ns)
    result += "--- " + n->name + "\n" + (n->proc ? n->proc->output() : "");
  return result;
}

/// The first of `ns` that is the leader of `x` (`the_leader`) or is not.
node* pick(const leader_line& x, bool the_leader,
           std::initializer_list<node*> ns) {
  for (auto* n : ns)
    if ((n->name == x.leader) == the_leader)
      return n;
  FAIL("no such node");
  return nullptr;
}

/// `ns` without `n`.
std::vector<node*> all_but(node* n, std::initializer_list<node*> ns) {
  std::vector<node*> result;
  for (auto* m : ns)
    if (m != n)
      result.push_back(m);
  return result;
}

/// Starts a, then b and c joining through a, and waits until everyone sees
/// everyone up, each at its namespace address (b and c learn of each other
/// by gossip and connect across the bridge).
void start_three(netns_lab& lab, node& a, node& b, node& c,
                 const std::string& lease = "") {
  start(lab, a, {}, lease);
  {
    INFO(outputs({&a}));
    REQUIRE(a.port != 0);
    REQUIRE(a.http != 0);
  }
  // The agent listens on its namespace address only, not on every address
  // of the namespace: its port on the namespace's loopback refuses.
  CHECK(!remedy::test::connects_in(lab.ns(a.index), a.port));
  start(lab, b, {&a}, lease);
  start(lab, c, {&a}, lease);
  for (auto* n : {&b, &c}) {
    INFO(outputs({n}));
    REQUIRE(n->port != 0);
    REQUIRE(n->http != 0);
  }
  for (auto* n : {&a, &b, &c})
    for (auto* m : {&a, &b, &c})
      if (n != m) {
        INFO(n->name << " should see " << m->address() << " up\n"
                     << outputs({&a, &b, &c}));
        REQUIRE(saw(*n, {n->name + ": " + m->address(), " node_up"}, 10000ms));
      }
}

/// The partition scenario; `cut_leader` picks the minority node: the
/// leader, or a follower.
void partition_scenario(bool cut_leader) {
  netns_lab lab{{"a", "b", "c"}, subnet};
  REQUIRE(lab.error().empty());
  node a{"a", 0, lab.address(0)};
  node b{"b", 1, lab.address(1)};
  node c{"c", 2, lab.address(2)};
  std::map<std::string, node*> by_name{{"a", &a}, {"b", &b}, {"c", &c}};
  node_cleanup files{{&a, &b, &c}};

  start_three(lab, a, b, c);
  auto first = agreed_leader({&a, &b, &c}, 10000ms);
  {
    INFO(outputs({&a, &b, &c}));
    REQUIRE(first);
  }

  // -- the cut ---------------------------------------------------------------
  auto* minority = pick(*first, cut_leader, {&c, &b, &a});
  auto majority = all_but(minority, {&a, &b, &c});
  auto& m1 = *majority[0];
  auto& m2 = *majority[1];
  std::map<std::string, size_t> at_cut;
  for (auto* n : {&a, &b, &c})
    at_cut[n->name] = n->proc->output().size();
  auto t0 = clock_type::now();
  REQUIRE(lab.cut(minority->index).empty());

  // The minority: reaches 1 of 3 voters, downs itself after down_after (2
  // s; phi needs about 0.5 s to suspect first), and remedy-node exits 1.
  CHECK(saw(*minority,
            {minority->name + ": reached only 1 of 3 voters", "downs itself"},
            8000ms, at_cut[minority->name]));
  auto downs_itself_after = clock_type::now() - t0;
  auto code = minority->proc->wait_exit(5000ms);
  auto downed_after = clock_type::now() - t0;
  CHECK(code == 1);
  // The rule: phi suspects both peers within about 0.5 s, then down_after.
  CHECK(downs_itself_after < 5s);
  // Exiting takes about 3.7 s more here: ~actor_system waits for CAF's
  // middleman, which is blocked in a connect(2) to a cut-off peer until the
  // kernel gives up (ARP fails after about 3 s on this bridge).
  CHECK(downed_after < 10s);
  CHECK(has_line(minority->proc->output(),
                 {"remedy-node: ", "split-brain rule downed this node"}));
  // Never a new claim of leadership on the minority side after the cut.
  for (auto& x : leader_lines(minority->proc->output(),
                              at_cut[minority->name])) {
    INFO("minority announced leader " << x.leader << " of term " << x.term);
    CHECK(x.leader != minority->name);
  }
  auto ms = [](clock_type::duration d) {
    return static_cast<long long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  std::printf("%s: minority %s downs itself after %lld ms, exits %d after "
              "%lld ms\n",
              cut_leader ? "leader cut" : "follower cut",
              minority->name.c_str(), ms(downs_itself_after), code,
              ms(downed_after));
  auto minority_output = minority->proc->output();
  if (std::getenv("NETNS_DEBUG"))
    std::printf("%s", minority_output.c_str());

  // The majority: unreachable, then down; one leader among the two, of a
  // term at least the one before the cut.
  for (auto* n : majority) {
    CHECK(saw(*n, {n->name + ": " + minority->address(), " unreachable"},
              3000ms, at_cut[n->name]));
    CHECK(saw(*n, {n->name + ": " + minority->address(), " down"}, 6000ms,
              at_cut[n->name]));
  }
  auto during = agreed_leader({&m1, &m2}, 6000ms);
  {
    INFO(outputs({&m1, &m2}));
    REQUIRE(during);
  }
  CHECK(during->leader != minority->name);
  CHECK(during->term >= first->term);
  if (cut_leader)
    CHECK(during->term > first->term);
  else
    CHECK(during->term == first->term); // the lease held: no new election
  std::printf("  majority leader %s of term %llu (before: %s of term %llu)\n",
              during->leader.c_str(),
              static_cast<unsigned long long>(during->term),
              first->leader.c_str(),
              static_cast<unsigned long long>(first->term));
  // It keeps serving: a write and a read through each majority node's
  // gateway, inside its namespace.
  for (auto* n : majority) {
    auto ns = lab.ns(n->index);
    auto put = remedy::test::http_in(ns, n->http, "PUT", "/api/kv/during",
                                     n->name, 3000ms);
    CHECK(put.status == 204);
    auto got = remedy::test::http_in(ns, n->http, "GET", "/api/kv/during",
                                     "", 3000ms);
    CHECK(got.status == 200);
    CHECK(got.body.find("\"value\":\"" + n->name + "\"") != std::string::npos);
    CHECK(n->proc->running());
    CHECK(!has_line(n->proc->output(), {"downs itself"}));
  }

  // -- restarted while still cut off -----------------------------------------
  // A service manager starts the node again at once; the partition still
  // holds. It must not elect itself: it has not joined, so it knows no
  // electorate but its own name.
  auto old_address = minority->address();
  minority->proc.reset();
  start(lab, *minority, {&m1, &m2});
  {
    INFO(outputs({minority}));
    REQUIRE(minority->port != 0);
  }
  std::this_thread::sleep_for(3000ms); // beyond the 2 s election timeout
  CHECK(minority->proc->running());
  for (auto& x : leader_lines(minority->proc->output())) {
    INFO("cut-off restarted node announced leader " << x.leader << " of term "
                                                    << x.term);
    CHECK(x.leader != minority->name);
  }

  // -- healed ----------------------------------------------------------------
  std::map<std::string, size_t> at_heal;
  for (auto* n : {&a, &b, &c})
    at_heal[n->name] = n->proc->output().size();
  auto t1 = clock_type::now();
  REQUIRE(lab.heal(minority->index).empty());
  CHECK(saw(*minority, {minority->name + ": joined through"}, 10000ms));
  for (auto* n : majority) {
    INFO(outputs({n, minority}));
    // The same address, a new incarnation: node_up if it was first seen
    // joining (through its join), node_rejoined if first seen up (by
    // gossip from the other).
    auto until = clock_type::now() + 10000ms;
    auto back = [&] {
      auto out = n->proc->output();
      auto prefix = n->name + ": " + old_address;
      return has_line(out, {prefix, " node_up"}, at_heal[n->name])
             || has_line(out, {prefix, " node_rejoined"}, at_heal[n->name]);
    };
    while (!back() && clock_type::now() < until)
      std::this_thread::sleep_for(20ms);
    CHECK(back());
    CHECK(saw(*minority, {minority->name + ": " + n->address(), " node_up"},
              10000ms));
  }
  auto healed = agreed_leader({&a, &b, &c}, 10000ms);
  auto converged_after = clock_type::now() - t1;
  {
    INFO(outputs({&a, &b, &c}));
    REQUIRE(healed);
  }
  CHECK(healed->term >= during->term);
  CHECK(healed->leader != "");
  std::printf("  healed: all three name %s leader of term %llu after %lld "
              "ms\n",
              healed->leader.c_str(),
              static_cast<unsigned long long>(healed->term),
              ms(converged_after));
  // All three running, none downed itself after the heal.
  for (auto* n : {&a, &b, &c}) {
    CHECK(n->proc->running());
    CHECK(!has_line(n->proc->output(), {"downs itself"}, at_heal[n->name]));
  }
  // At most one leader per term over the whole run, on every node.
  std::map<uint64_t, std::set<std::string>> by_term;
  for (auto* n : {&a, &b, &c})
    for (auto& x : leader_lines(n->proc->output()))
      by_term[x.term].insert(x.leader);
  for (auto& x : leader_lines(minority_output)) // its first process
    by_term[x.term].insert(x.leader);
  for (auto& [term, names] : by_term) {
    INFO("term " << term);
    CHECK(names.size() == 1);
  }
}


/// The lease-holder rule in a real partition: etcd runs in the hub, which
/// every node still reaches; the cut isolates one node from the other two
/// nodes only (blackhole routes). `cut_holder`: the lease holder, else a
/// follower. The side without the holder downs itself, even when it is the
/// majority; the holder's side keeps the lease, its term and its service.
void lease_partition_scenario(bool cut_holder) {
  netns_lab lab{{"a", "b", "c"}, subnet};
  REQUIRE(lab.error().empty());
  auto hub = lab.hub_address();
  REQUIRE(!hub.empty());
  remedy::test::etcd_process etcd{
    15000ms, {remedy::test::ip_program(), "netns", "exec", lab.hub()}, hub};
  {
    INFO(etcd.output());
    REQUIRE(etcd.ready());
  }
  auto lease = R"(, "lease": {"kind": "etcd", "endpoints": [")"
               + etcd.endpoint()
               + R"("], "key": "remedy/netns", "ttl": "2s"})";
  node a{"a", 0, lab.address(0)};
  node b{"b", 1, lab.address(1)};
  node c{"c", 2, lab.address(2)};
  node_cleanup files{{&a, &b, &c}};
  start_three(lab, a, b, c, lease);
  auto first = agreed_leader({&a, &b, &c}, 10000ms);
  {
    INFO(outputs({&a, &b, &c}) << etcd.output());
    REQUIRE(first);
  }
  auto* cut = pick(*first, cut_holder, {&c, &b, &a});
  auto others = all_but(cut, {&a, &b, &c});
  auto* holder = cut_holder ? cut : nullptr;
  for (auto* n : others)
    if (n->name == first->leader)
      holder = n;
  REQUIRE(holder != nullptr);
  std::vector<node*> losers;
  for (auto* n : {&a, &b, &c})
    if ((n == cut) != (holder == cut))
      losers.push_back(n); // the side without the holder
  std::map<std::string, size_t> at_cut;
  for (auto* n : {&a, &b, &c})
    at_cut[n->name] = n->proc->output().size();
  auto t0 = clock_type::now();
  REQUIRE(lab.isolate(cut->index).empty());

  // The side without the holder: cannot reach it for max(down_after, 2 x
  // TTL) = 4 s after phi suspects it, downs itself and exits 1.
  for (auto* n : losers) {
    INFO(outputs({n}));
    CHECK(saw(*n, {n->name + ": cannot reach the lease holder " + holder->name,
                   "downs itself (lease-holder rule)"},
              10000ms, at_cut[n->name]));
    CHECK(n->proc->wait_exit(8000ms) == 1);
    CHECK(has_line(n->proc->output(),
                   {"could not reach the lease holder"}));
    // It reached etcd all along, but the holder kept its lease alive: no
    // other leader was ever named on this side.
    for (auto& x : leader_lines(n->proc->output(), at_cut[n->name])) {
      INFO(n->name << " announced leader " << x.leader << " of term "
                   << x.term);
      CHECK(x.leader == first->leader);
      CHECK(x.term == first->term);
    }
  }
  auto downed_after = clock_type::now() - t0;
  auto ms = [](clock_type::duration d) {
    return static_cast<long long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  std::printf("lease %s cut: %zu node(s) without the holder downed "
              "themselves, the last exited after %lld ms\n",
              cut_holder ? "holder" : "follower", losers.size(),
              ms(downed_after));
  // The holder's side: the holder keeps its lease and term (no election, no
  // step-down), nobody there downs itself, and it serves.
  std::vector<node*> keepers;
  for (auto* n : {&a, &b, &c})
    if (std::find(losers.begin(), losers.end(), n) == losers.end())
      keepers.push_back(n);
  for (auto* n : keepers) {
    INFO(outputs({n}));
    CHECK(n->proc->running());
    CHECK(!has_line(n->proc->output(), {"downs itself"}, at_cut[n->name]));
    CHECK(!has_line(n->proc->output(), {"steps down"}, at_cut[n->name]));
    auto now = latest_leader(*n);
    REQUIRE(now);
    CHECK(now->leader == first->leader);
    CHECK(now->term == first->term);
    auto ns = lab.ns(n->index);
    auto put = remedy::test::http_in(ns, n->http, "PUT", "/api/kv/during",
                                     n->name, 3000ms);
    CHECK(put.status == 204);
    auto got = remedy::test::http_in(ns, n->http, "GET", "/api/kv/during", "",
                                     3000ms);
    CHECK(got.status == 200);
  }

  // -- healed: the downed nodes, started again, join; one leader, the same
  // term as before the cut ----------------------------------------------------
  REQUIRE(lab.rejoin(cut->index).empty());
  std::vector<const node*> seeds;
  for (auto* n : keepers)
    seeds.push_back(n);
  for (auto* n : losers) {
    n->proc.reset();
    start(lab, *n, seeds, lease);
    INFO(outputs({n}));
    REQUIRE(n->port != 0);
    CHECK(saw(*n, {n->name + ": joined through"}, 10000ms));
  }
  auto healed = agreed_leader({&a, &b, &c}, 10000ms);
  {
    INFO(outputs({&a, &b, &c}));
    REQUIRE(healed);
  }
  CHECK(healed->leader == first->leader);
  CHECK(healed->term == first->term);
  for (auto* n : {&a, &b, &c})
    CHECK(n->proc->running());
}

} // namespace

TEST_CASE("a 2 + 1 network partition: the follower cut off downs itself, "
          "the majority keeps its leader and serves; healed, all converge",
          "[cluster][netns]") {
  partition_scenario(false);
}

TEST_CASE("a 2 + 1 network partition: the leader cut off downs itself, the "
          "majority elects a newer leader and serves; healed, all converge",
          "[cluster][netns]") {
  partition_scenario(true);
}

TEST_CASE("etcd lease, a partition that isolates the lease holder from the "
          "other two nodes but not from etcd: the two, a majority without "
          "the holder, down themselves; the holder keeps its lease, term "
          "and service; healed, all converge on it",
          "[cluster][netns][etcd]") {
  if (remedy::test::etcd_program().empty()) {
    WARN("skipped: no etcd (Debian's etcd-server, or $REMEDY_ETCD)");
    return;
  }
  lease_partition_scenario(true);
}

TEST_CASE("etcd lease, a partition that isolates a follower from the other "
          "two nodes but not from etcd: the follower downs itself; the "
          "holder's side keeps its lease, term and service; healed, all "
          "converge",
          "[cluster][netns][etcd]") {
  if (remedy::test::etcd_program().empty()) {
    WARN("skipped: no etcd (Debian's etcd-server, or $REMEDY_ETCD)");
    return;
  }
  lease_partition_scenario(false);
}

TEST_CASE("the lab deletes its namespaces", "[netns]") {
  std::string hub;
  {
    netns_lab lab{{"x"}, subnet};
    REQUIRE(lab.error().empty());
    hub = remedy::test::netns_prefix + std::to_string(::getpid()) + "-hub";
    CHECK(netns_lab::exists(hub));
    CHECK(netns_lab::exists(lab.ns(0)));
  }
  CHECK(!netns_lab::exists(hub));
  CHECK(!netns_lab::exists(remedy::test::netns_prefix
                           + std::to_string(::getpid()) + "-x"));
}

int main(int argc, char** argv) {
  auto why = remedy::test::netns_unavailable();
  if (!why.empty()) {
    std::printf("skipped: %s\n", why.c_str());
    return 77; // ctest: Skipped (SKIP_RETURN_CODE)
  }
  auto failed = Catch::Session().run(argc, argv);
  return failed == 0 ? 0 : 1; // never 77 by accident
}
