#pragma once

// A program running in the background for multi-process tests: its stderr
// (and stdout) collected by a thread, signals on demand, bounded waits for a
// line, and always reaped: the destructor sends SIGKILL if it still runs.

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/child_process.hpp"

namespace remedy::test {

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0,
/// read back, closed). Returns 0 on failure.
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

class node_process {
public:
  node_process(const std::string& path, std::vector<std::string> args) {
    std::vector<std::string> storage;
    auto argv = argv_of(path, args, storage);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      ::execv(path.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
    reader_ = std::thread{[this] { read_loop(); }};
  }

  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  ~node_process() {
    if (pid_ > 0 && !exited_)
      ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(10));
    if (reader_.joinable())
      reader_.join();
  }

  pid_t pid() const {
    return pid_;
  }

  /// Whether the process still runs (reaps it if it has exited).
  bool running() {
    if (pid_ <= 0 || exited_)
      return false;
    wait_exit(std::chrono::milliseconds(0));
    return !exited_;
  }

  /// Sends `sig`. For SIGSTOP, also waits (at most 1 s) until every thread
  /// of the process has stopped: kill() only queues the stop, and a request
  /// sent at once could still be served.
  void signal(int sig) {
    if (pid_ <= 0 || exited_)
      return;
    ::kill(pid_, sig);
    if (sig != SIGSTOP)
      return;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (std::chrono::steady_clock::now() < until && !all_stopped())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  /// Everything the process wrote so far.
  std::string output() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return out_;
  }

  /// Waits at most `limit` until the output contains `text` (at or after
  /// byte `from`); returns where it starts, or npos.
  size_t wait_for(const std::string& text, std::chrono::milliseconds limit,
                  size_t from = 0) {
    std::unique_lock<std::mutex> guard{mtx_};
    size_t pos = std::string::npos;
    cv_.wait_for(guard, limit, [&] {
      pos = out_.find(text, from);
      return pos != std::string::npos || eof_;
    });
    return out_.find(text, from);
  }

  /// Waits at most `limit` for the process to exit; returns its exit code
  /// (128 + signal if killed), or -1 if it still runs.
  int wait_exit(std::chrono::milliseconds limit) {
    if (pid_ <= 0)
      return -1;
    if (exited_)
      return code_;
    auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      int status = 0;
      auto r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status)
                                  : 128 + WTERMSIG(status);
        return code_;
      }
      if (std::chrono::steady_clock::now() >= until)
        return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

private:
  /// Whether every thread of the process is in state T (stopped).
  bool all_stopped() const {
    auto dir = "/proc/" + std::to_string(pid_) + "/task";
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr)
      return true; // gone
    bool all = true;
    while (auto* e = ::readdir(d)) {
      if (e->d_name[0] == '.')
        continue;
      std::ifstream in{dir + "/" + e->d_name + "/stat"};
      std::string stat{std::istreambuf_iterator<char>{in}, {}};
      auto close = stat.rfind(')');
      if (close != std::string::npos && close + 2 < stat.size()
          && stat[close + 2] != 'T' && stat[close + 2] != 't')
        all = false;
    }
    ::closedir(d);
    return all;
  }

  void read_loop() {
    char buf[4096];
    for (;;) {
      auto n = ::read(fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      std::lock_guard<std::mutex> guard{mtx_};
      if (n <= 0) {
        eof_ = true;
        cv_.notify_all();
        break;
      }
      out_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
    }
    ::close(fd_);
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  int code_ = -1;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::string out_;
  bool eof_ = false;
  std::thread reader_;
};

} // namespace remedy::test
