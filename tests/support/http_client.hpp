#pragma once

// A raw HTTP/1.1 client for tests on 127.0.0.1: a real socket, requests
// written as bytes (so malformed ones can be sent too), answers parsed from
// the stream with Content-Length, every wait bounded.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace remedy::test {

using namespace std::chrono_literals;

struct answer {
  /// 0 if no complete answer arrived.
  int status = 0;
  /// Header names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;

  std::string header(const std::string& name) const {
    auto i = headers.find(name);
    return i == headers.end() ? std::string{} : i->second;
  }
};

class http_client {
public:
  explicit http_client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }

  ~http_client() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends all of `data`; false if the peer closed.
  bool send(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      auto n = ::send(fd_, data.data() + done, data.size() - done,
                      MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  /// Reads one answer, waiting at most `limit`.
  answer read(std::chrono::milliseconds limit = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    answer result;
    for (;;) {
      if (auto parsed = parse(result))
        return *parsed;
      if (!fill(deadline))
        return result;
    }
  }

  /// Waits at most `limit` for the peer to close (read returns 0 or an
  /// error, after any unread data).
  bool closed_by_peer(std::chrono::milliseconds limit = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (!fill(deadline))
        return eof_;
    }
  }

  /// Whether bytes (or the end) arrive within `limit`.
  bool readable(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
  }

private:
  /// Reads what is there; false on timeout, end of stream or error.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return false;
    char buf[16384];
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }

  /// Takes one complete answer off the input, if there is one.
  std::optional<answer> parse(answer& result) {
    auto end = in_.find("\r\n\r\n");
    if (end == std::string::npos)
      return std::nullopt;
    std::istringstream head{in_.substr(0, end)};
    std::string line;
    std::getline(head, line);
    answer a;
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12)
      return std::nullopt;
    a.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos)
        continue;
      auto name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      a.headers[name] = value;
    }
    size_t length = 0;
    if (auto cl = a.header("content-length"); !cl.empty())
      length = std::stoul(cl);
    if (in_.size() < end + 4 + length)
      return std::nullopt;
    a.body = in_.substr(end + 4, length);
    in_.erase(0, end + 4 + length);
    result = a;
    return a;
  }

  int fd_ = -1;
  std::string in_;
  bool eof_ = false;
};

/// One request on a fresh connection.
inline answer ask(uint16_t port, const std::string& raw,
           std::chrono::milliseconds limit = 5000ms) {
  http_client c{port};
  REQUIRE(c.send(raw));
  return c.read(limit);
}

inline std::string get(const std::string& target, const std::string& extra = {}) {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + extra
         + "\r\n";
}

inline std::string post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace remedy::test
