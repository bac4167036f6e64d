// An HTTP gateway in front of one service actor: starts the gateway on a
// free port of 127.0.0.1, asks `GET /api/greeter/hello?name=ada` with a tiny
// blocking client, and prints the answer. Exits 0 only if the answer is a
// 200 with the greeting the service made.

#include <chrono>
#include <cstdio>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;

namespace {

// [service]
/// Answers `/api/greeter/<path>?name=<who>` with a JSON greeting.
caf::behavior greeter() {
  return {
    [](remedy::api_request& req) {
      auto who = req.query.rfind("name=", 0) == 0 ? req.query.substr(5)
                                                  : std::string{"world"};
      remedy::api_response res;
      res.body = "{\"greeting\": "
                 + remedy::json_quote("hello, " + who + " (" + req.method
                                      + " " + req.path + ")")
                 + "}";
      return res;
    },
  };
}
// [service]

/// Sends `request` to 127.0.0.1:`port` and returns everything the server
/// sends until it closes (at most 5 s).
std::string exchange(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return {};
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::send(fd, request.data(), request.size(), MSG_NOSIGNAL)
           == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
      reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  auto service = sys.spawn(greeter);
  int rc = 1;
  {
    // [start]
    remedy::http_gateway_settings settings; // 127.0.0.1, a free port
    settings.request_timeout = 2s;
    remedy::http_services services;
    services.api["greeter"] = service;
    auto gateway = remedy::start_http_gateway(sys, settings, services);
    if (!gateway) {
      std::fprintf(stderr, "cannot start: %s\n",
                   remedy::render(gateway.error()).c_str());
      caf::anon_send_exit(service, caf::exit_reason::kill);
      return 1;
    }
    auto port = (*gateway)->port();
    // [start]
    auto reply = exchange(port, "GET /api/greeter/hello?name=ada HTTP/1.1\r\n"
                                "Host: localhost\r\nConnection: close\r\n\r\n");
    std::printf("%s\n", reply.c_str());
    bool ok = reply.rfind("HTTP/1.1 200 OK\r\n", 0) == 0
              && reply.find("\r\n\r\n{\"greeting\": \"hello, ada (GET "
                            "/hello)\"}")
                   != std::string::npos;
    (*gateway)->stop();
    rc = ok ? 0 : 1;
    std::printf("%s\n", ok ? "OK" : "FAILED: unexpected answer");
  }
  caf::anon_send_exit(service, caf::exit_reason::kill);
  return rc;
}
