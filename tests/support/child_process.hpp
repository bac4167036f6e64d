#pragma once

// Runs a program as a child process for tests: captures stdout and stderr,
// optionally sends it a signal after a delay, kills (SIGKILL) and reaps it
// when it overruns its limit. Everything the child needs is prepared before
// fork: between fork and exec only async-signal-safe calls are made.

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace remedy::test {

struct process_result {
  /// The exit code, or 128 + signal number if the child was killed.
  int exit_code = -1;
  bool timed_out = false;
  std::string out;
  std::string err;
  /// Time from the signal (if one was sent) to the child's exit.
  std::chrono::milliseconds exit_after_signal{0};

  std::string describe() const {
    return "exit code " + std::to_string(exit_code)
           + (timed_out ? " (timed out, killed)" : "") + "\n--- stdout\n"
           + out + "--- stderr\n" + err;
  }
};

struct signal_plan {
  int signal = SIGTERM;
  std::chrono::milliseconds after{0};
};

/// `path` and `args` as the NUL-terminated argv of exec; the pointers
/// point into `storage`, which must outlive them.
inline std::vector<char*> argv_of(const std::string& path,
                                  const std::vector<std::string>& args,
                                  std::vector<std::string>& storage) {
  storage = {path};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& x : storage)
    argv.push_back(x.data());
  argv.push_back(nullptr);
  return argv;
}

inline process_result
run_process(const std::string& path, const std::vector<std::string>& args,
            std::chrono::milliseconds limit,
            std::optional<signal_plan> send = std::nullopt) {
  using clock = std::chrono::steady_clock;
  process_result result;
  std::vector<std::string> storage;
  auto argv = argv_of(path, args, storage);
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    return result;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return result;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  auto start = clock::now();
  auto deadline = start + limit;
  // A flag and a plain time point (g++ -O2 warns about an optional one).
  bool signal_pending = send.has_value();
  clock::time_point signal_at = start;
  if (send)
    signal_at = start + send->after;
  clock::time_point signalled{};
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = pid > 0 ? 2 : 0;
  while (open_fds > 0) {
    auto now = clock::now();
    if (signal_pending && now >= signal_at) {
      ::kill(pid, send->signal);
      signalled = now;
      signal_pending = false;
    }
    auto until = signal_pending ? std::min(signal_at, deadline) : deadline;
    auto left
      = std::chrono::duration_cast<std::chrono::milliseconds>(until - now)
          .count();
    if (now >= deadline) {
      result.timed_out = true;
      break;
    }
    auto n = ::poll(fds, 2, static_cast<int>(std::max<long>(left, 0)));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      char buf[4096];
      auto got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got > 0) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (result.timed_out && pid > 0)
    ::kill(pid, SIGKILL);
  for (auto& x : fds)
    if (x.fd >= 0)
      ::close(x.fd);
  int status = 0;
  while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (send && signalled != clock::time_point{})
    result.exit_after_signal
      = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now()
                                                              - signalled);
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  return result;
}

} // namespace remedy::test
