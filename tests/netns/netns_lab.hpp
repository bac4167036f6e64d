#pragma once

// Network namespaces for partition tests (needs root): a hub namespace with
// a bridge, and one namespace per node joined to the bridge by a veth pair.
// Every name carries the test's pid; every namespace (and with it every
// link: all links live inside the test's own namespaces) is deleted by the
// destructor, and namespaces left behind by a run that was killed are
// removed by the next one. A cut is a real partition: the hub side of a
// node's veth goes down, packets are dropped, no process is signalled.

#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/child_process.hpp"

namespace remedy::test {

/// The `ip` program (iproute2), or empty.
inline std::string ip_program() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip",
                           "/bin/ip"})
    if (::access(path, X_OK) == 0)
      return path;
  return {};
}

/// Runs `ip args...`; returns "" on success, else what went wrong.
inline std::string run_ip(const std::vector<std::string>& args) {
  auto ip = ip_program();
  if (ip.empty())
    return "no ip program";
  using namespace std::chrono_literals;
  auto r = run_process(ip, args, 10000ms);
  if (r.exit_code == 0)
    return {};
  std::string cmd = "ip";
  for (auto& x : args)
    cmd += " " + x;
  return cmd + ": exit code " + std::to_string(r.exit_code) + ": " + r.err;
}

/// Every test namespace starts with this.
inline const std::string netns_prefix = "remedy-netns-";

/// Why network namespaces cannot be used here, or "" if they can (root,
/// `ip` installed, and `ip netns add` works).
inline std::string netns_unavailable() {
  if (::geteuid() != 0)
    return "not root (network namespaces need CAP_SYS_ADMIN)";
  if (ip_program().empty())
    return "no ip program (install iproute2)";
  auto probe = netns_prefix + std::to_string(::getpid()) + "-probe";
  if (auto err = run_ip({"netns", "add", probe}); !err.empty())
    return "cannot create a network namespace: " + err;
  run_ip({"netns", "del", probe});
  return {};
}

/// Kills the processes inside namespace `ns` (our own nodes: only the test
/// starts processes in its namespaces).
inline void kill_inside(const std::string& ns) {
  auto r = run_process(ip_program(), {"netns", "pids", ns},
                       std::chrono::milliseconds(10000));
  size_t pos = 0;
  while (pos < r.out.size()) {
    auto end = r.out.find('\n', pos);
    if (end == std::string::npos)
      end = r.out.size();
    auto pid = std::atol(r.out.substr(pos, end - pos).c_str());
    if (pid > 1)
      ::kill(static_cast<pid_t>(pid), SIGKILL);
    pos = end + 1;
  }
}

/// Whether process `pid` is gone (or a zombie: killed, not yet reaped).
inline bool process_gone(long pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0)
    return errno == ESRCH;
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  std::getline(stat, line);
  auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size()
         && line[paren + 2] == 'Z';
}

/// Removes the namespaces of earlier runs whose test process is gone
/// (killed by a timeout before its destructors ran).
inline void remove_stale_namespaces() {
  auto* dir = ::opendir("/var/run/netns");
  if (dir == nullptr)
    return;
  std::vector<std::string> stale;
  while (auto* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name.rfind(netns_prefix, 0) != 0)
      continue;
    auto pid = std::atol(name.c_str() + netns_prefix.size());
    if (pid > 0 && process_gone(pid))
      stale.push_back(name);
  }
  ::closedir(dir);
  for (auto& ns : stale) {
    kill_inside(ns);
    run_ip({"netns", "del", ns});
  }
}

class netns_lab {
public:
  /// Creates the hub and one namespace per name in `nodes`: node i gets
  /// address `subnet`.(i + 1)/24 on its eth0, and its loopback up (for its
  /// HTTP gateway on 127.0.0.1). Check `error()` after construction.
  netns_lab(std::vector<std::string> nodes, std::string subnet)
    : nodes_(std::move(nodes)), subnet_(std::move(subnet)) {
    remove_stale_namespaces();
    auto base = netns_prefix + std::to_string(::getpid()) + "-";
    hub_ = base + "hub";
    if (!add_ns(hub_) || !ip({"-n", hub_, "link", "set", "lo", "up"})
        || !ip({"-n", hub_, "link", "add", "br0", "type", "bridge"})
        || !ip({"-n", hub_, "link", "set", "br0", "up"}))
      return;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      auto ns = base + nodes_[i];
      auto veth = "veth-" + nodes_[i];
      if (!add_ns(ns) || !ip({"-n", ns, "link", "set", "lo", "up"})
          || !ip({"-n", hub_, "link", "add", veth, "type", "veth", "peer",
                  "name", "eth0", "netns", ns})
          || !ip({"-n", hub_, "link", "set", veth, "master", "br0"})
          || !ip({"-n", hub_, "link", "set", veth, "up"})
          || !ip({"-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0"})
          || !ip({"-n", ns, "link", "set", "eth0", "up"}))
        return;
    }
  }

  netns_lab(const netns_lab&) = delete;
  netns_lab& operator=(const netns_lab&) = delete;

  ~netns_lab() {
    // Deleting a namespace destroys its links (a veth pair goes with either
    // end). Processes still inside would keep it alive: kill them first.
    for (auto i = created_.rbegin(); i != created_.rend(); ++i) {
      kill_inside(*i);
      run_ip({"netns", "del", *i});
    }
  }

  /// What failed while building the lab, or "".
  const std::string& error() const {
    return error_;
  }

  /// The namespace of node `i`.
  std::string ns(size_t i) const {
    return netns_prefix + std::to_string(::getpid()) + "-" + nodes_.at(i);
  }

  std::string address(size_t i) const {
    return subnet_ + "." + std::to_string(i + 1);
  }

  /// Partitions node `i` from the others: its veth's hub end goes down.
  std::string cut(size_t i) {
    return run_ip({"-n", hub_, "link", "set", "veth-" + nodes_.at(i), "down"});
  }

  /// Heals the partition of node `i`.
  std::string heal(size_t i) {
    return run_ip({"-n", hub_, "link", "set", "veth-" + nodes_.at(i), "up"});
  }

  /// The hub namespace (where a service all nodes reach can run).
  const std::string& hub() const {
    return hub_;
  }

  /// Gives the hub's bridge the address `subnet`.254, so that a process in
  /// the hub serves every node; returns it, or "" on failure.
  std::string hub_address() {
    auto addr = subnet_ + ".254";
    if (!run_ip({"-n", hub_, "addr", "add", addr + "/24", "dev", "br0"})
           .empty())
      return {};
    return addr;
  }

  /// Partitions node `i` from the other nodes only: blackhole routes in
  /// both directions, so that what runs in the hub (at the hub's address)
  /// still reaches every node.
  std::string isolate(size_t i) {
    return routes(i, "add");
  }

  /// Undoes `isolate(i)`.
  std::string rejoin(size_t i) {
    return routes(i, "del");
  }

  /// Whether namespace `name` exists (for checking the cleanup).
  static bool exists(const std::string& name) {
    return ::access(("/var/run/netns/" + name).c_str(), F_OK) == 0;
  }

private:
  std::string routes(size_t i, const std::string& op) {
    for (size_t j = 0; j < nodes_.size(); ++j) {
      if (j == i)
        continue;
      for (auto [from, to] : {std::pair{i, j}, std::pair{j, i}})
        if (auto err = run_ip({"-n", ns(from), "route", op, "blackhole",
                               address(to) + "/32"});
            !err.empty())
          return err;
    }
    return {};
  }

  bool add_ns(const std::string& name) {
    if (!ip({"netns", "add", name}))
      return false;
    created_.push_back(name);
    return true;
  }

  bool ip(const std::vector<std::string>& args) {
    if (!error_.empty())
      return false;
    error_ = run_ip(args);
    return error_.empty();
  }

  std::vector<std::string> nodes_;
  std::string subnet_;
  std::string hub_;
  std::vector<std::string> created_;
  std::string error_;
};

/// A TCP socket created inside namespace `ns` (a socket belongs to the
/// namespace it was created in; only a helper thread switches namespace),
/// or -1.
inline int socket_in(const std::string& ns) {
  int result = -1;
  std::thread t{[&] {
    int fd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return;
    if (::setns(fd, CLONE_NEWNET) == 0)
      result = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ::close(fd);
  }};
  t.join();
  return result;
}

struct ns_answer {
  /// 0: no answer (refused, timed out, or malformed).
  int status = 0;
  std::string body;
};

/// Connects to 127.0.0.1:`port` inside `ns`; whether it was accepted.
inline bool connects_in(const std::string& ns, uint16_t port) {
  int fd = socket_in(ns);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok
    = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

/// One HTTP/1.1 request to 127.0.0.1:`port` inside `ns` (a node's gateway),
/// answered within `limit` or not at all.
inline ns_answer http_in(const std::string& ns, uint16_t port,
                         const std::string& method, const std::string& target,
                         const std::string& body,
                         std::chrono::milliseconds limit) {
  ns_answer result;
  int fd = socket_in(ns);
  if (fd < 0)
    return result;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return result;
  }
  auto req = method + " " + target + " HTTP/1.1\r\nHost: node\r\n"
             + "Connection: close\r\nContent-Length: "
             + std::to_string(body.size()) + "\r\n\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL)
      != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return result;
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::string in;
  for (;;) {
    auto head_end = in.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      auto head = in.substr(0, head_end);
      for (auto& ch : head)
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto cl = head.find("content-length: ");
      size_t length = 0; // none (a 204): the head is all
      if (cl != std::string::npos)
        length = std::stoul(head.substr(cl + 16));
      if (in.size() >= head_end + 4 + length) {
        if (in.rfind("HTTP/1.", 0) == 0 && in.size() > 12)
          result.status = std::atoi(in.c_str() + 9);
        result.body = in.substr(head_end + 4, length);
        break;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      break;
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return result;
}

} // namespace remedy::test
