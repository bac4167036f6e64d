#pragma once

// A real etcd for tests and benchmarks: /usr/bin/etcd (or $REMEDY_ETCD) on
// 127.0.0.1 with free client and peer ports and a fresh data directory,
// started as a node_process (output collected, SIGKILLed and reaped if still
// running at the end) and ready when it says it serves client requests. The
// data directory is removed afterwards.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

#include "support/node_process.hpp"

namespace remedy::test {

/// The etcd program: $REMEDY_ETCD if set, else /usr/bin/etcd; empty if it
/// is not an executable file.
inline std::string etcd_program() {
  const char* env = std::getenv("REMEDY_ETCD");
  std::string path = env != nullptr && *env != '\0' ? env : "/usr/bin/etcd";
  return ::access(path.c_str(), X_OK) == 0 ? path : std::string{};
}

class etcd_process {
public:
  /// Starts etcd and waits (at most `limit`) until it serves clients; check
  /// `ready()`.
  explicit etcd_process(
    std::chrono::milliseconds limit = std::chrono::milliseconds(15000))
    : etcd_process(limit, {}, "127.0.0.1") {
  }

  /// Starts etcd through `launcher` (e.g. `ip netns exec <ns>`; empty: run
  /// it directly), serving clients on `host`.
  etcd_process(std::chrono::milliseconds limit,
               std::vector<std::string> launcher, std::string host)
    : host_(std::move(host)) {
    auto program = etcd_program();
    if (program.empty())
      return;
    char templ[] = "/tmp/remedy-etcd-XXXXXX";
    if (::mkdtemp(templ) == nullptr)
      return;
    dir_ = templ;
    // Up to three tries, each with fresh ports and data: a port found free
    // may be taken before etcd binds it, and on a loaded machine etcd has
    // been seen not to say it is ready within the limit.
    for (int attempt = 0; attempt < 3 && !ready_; ++attempt) {
      proc_.reset(); // SIGKILL and reap an earlier try
      client_port_ = free_port();
      auto peer_port = free_port();
      if (client_port_ == 0 || peer_port == 0)
        continue;
      auto client = "http://" + host_ + ":" + std::to_string(client_port_);
      auto peer = "http://127.0.0.1:" + std::to_string(peer_port);
      std::vector<std::string> args{
        "--name", "remedy-test", "--data-dir",
        dir_ + "/data" + std::to_string(attempt), "--listen-client-urls",
        client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
        "--initial-advertise-peer-urls", peer, "--initial-cluster",
        "remedy-test=" + peer};
      auto exe = program;
      if (!launcher.empty()) {
        auto with = launcher;
        exe = with.front();
        with.erase(with.begin());
        with.push_back(program);
        with.insert(with.end(), args.begin(), args.end());
        args = std::move(with);
      }
      proc_ = std::make_unique<node_process>(exe, std::move(args));
      ready_ = proc_->wait_for("ready to serve client requests", limit)
               != std::string::npos;
    }
  }

  etcd_process(const etcd_process&) = delete;
  etcd_process& operator=(const etcd_process&) = delete;

  ~etcd_process() {
    proc_.reset(); // SIGKILL if still running, reaped
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  bool ready() const {
    return ready_;
  }

  uint16_t port() const {
    return client_port_;
  }

  /// "<host>:<port>".
  std::string endpoint() const {
    return host_ + ":" + std::to_string(client_port_);
  }

  node_process& proc() {
    return *proc_;
  }

  std::string output() const {
    return proc_ ? proc_->output() : std::string{"(etcd not started)"};
  }

private:
  std::string host_;
  std::string dir_;
  uint16_t client_port_ = 0;
  std::unique_ptr<node_process> proc_;
  bool ready_ = false;
};

} // namespace remedy::test
