// gateway: HTTP throughput and p99 latency of Remedy's HTTP gateway against
// a plain, minimal Beast server doing the same work, in the same run,
// interleaved.
//
//   gateway  remedy::http_gateway (limits, timers, per-client rate limit on
//            at a rate never reached, metrics) in front of one service actor
//            that answers an api_response
//   plain    a bare Beast server (one io thread, no limits, no timers, no
//            rate limit, no metrics) that sends the same api_request to the
//            same kind of actor through a bridge actor (request with an
//            infinite timeout) and answers its reply. Note: that is one
//            actor hop more than the gateway, which sends the request to the
//            service itself in its bridge's name (the bridge only receives
//            the answer); the comparison measures the designs as built.
//
// Load: wrk (keep-alive, -t1 -c<connections> -d<seconds>s --latency) if it
// is installed, else a built-in keep-alive client (one thread per
// connection). Each repetition runs both servers, in alternating order; the
// ratio is taken per repetition and its median reported. The goal (gateway
// at least 0.8x plain's throughput) is checked as a time-per-request ratio
// (gateway ns / plain ns <= 1.25), as the other benches state it.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <caf/all.hpp>

#include "common.hpp"
#include "remedy/runtime/api_request.hpp"
#include "remedy/runtime/api_response.hpp"
#include "remedy/runtime/http_gateway.hpp"
#include "remedy/runtime/type_ids.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr const char* bench_name = "gateway";
constexpr const char* body_text = "{\"ok\": true, \"n\": 42}";

/// The service: answers every request with the same small JSON document.
caf::behavior service() {
  return {
    [](remedy::api_request&) {
      remedy::api_response res;
      res.body = body_text;
      return res;
    },
  };
}

// -- the plain server ---------------------------------------------------------

/// Callbacks by id, for the plain bridge's answers.
struct plain_table {
  std::mutex mtx;
  uint64_t next = 1;
  std::unordered_map<uint64_t, std::function<void(remedy::api_response)>> map;

  uint64_t add(std::function<void(remedy::api_response)> f) {
    std::lock_guard<std::mutex> guard{mtx};
    auto id = next++;
    map.emplace(id, std::move(f));
    return id;
  }

  void complete(uint64_t id, remedy::api_response res) {
    std::function<void(remedy::api_response)> f;
    {
      std::lock_guard<std::mutex> guard{mtx};
      auto i = map.find(id);
      if (i == map.end())
        return;
      f = std::move(i->second);
      map.erase(i);
    }
    f(std::move(res));
  }
};

caf::behavior plain_bridge(caf::event_based_actor* self,
                           std::shared_ptr<plain_table> table) {
  return {
    [self, table](uint64_t id, const caf::actor& target,
                  remedy::api_request& req) {
      self->request(target, caf::infinite, std::move(req))
        .then(
          [table, id](remedy::api_response& res) {
            table->complete(id, std::move(res));
          },
          [table, id](caf::error& err) {
            remedy::api_response res;
            res.status = 500;
            res.body = remedy::render(err);
            table->complete(id, std::move(res));
          });
    },
  };
}

struct plain_server;

class plain_session : public std::enable_shared_from_this<plain_session> {
public:
  plain_session(plain_server& srv, tcp::socket socket)
    : srv_(srv), socket_(std::move(socket)) {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay{true}, ec);
  }

  void read();

private:
  void on_read(beast::error_code ec);

  plain_server& srv_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

struct plain_server {
  caf::actor target;
  caf::actor bridge;
  std::shared_ptr<plain_table> table = std::make_shared<plain_table>();
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;

  plain_server(caf::actor_system& sys, caf::actor service)
    : target(std::move(service)) {
    bridge = sys.spawn(plain_bridge, table);
    tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
    accept();
    thread = std::thread{[this] { ioc.run(); }};
  }

  ~plain_server() {
    asio::post(ioc, [this] { acceptor.close(); });
    ioc.stop();
    thread.join();
    // Sessions waiting for an answer die with their callbacks, before the
    // io context; a late answer then finds no callback.
    decltype(table->map) dropped;
    {
      std::lock_guard<std::mutex> guard{table->mtx};
      dropped.swap(table->map);
    }
    dropped.clear();
    caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
  }

  uint16_t port() const {
    return acceptor.local_endpoint().port();
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc),
                          [this](beast::error_code ec, tcp::socket s) {
                            if (ec)
                              return;
                            std::make_shared<plain_session>(*this,
                                                            std::move(s))
                              ->read();
                            accept();
                          });
  }
};

void plain_session::read() {
  req_ = {};
  http::async_read(socket_, buffer_, req_,
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     self->on_read(ec);
                   });
}

void plain_session::on_read(beast::error_code ec) {
  if (ec)
    return;
  remedy::api_request msg;
  msg.method = std::string{req_.method_string()};
  msg.path = std::string{req_.target()};
  msg.body = std::move(req_.body());
  auto self = shared_from_this();
  auto id = srv_.table->add([self](remedy::api_response res) {
    auto ex = self->socket_.get_executor();
    asio::post(ex, [self, res = std::move(res)]() mutable {
      self->res_ = {};
      self->res_.version(11);
      self->res_.result(res.status);
      self->res_.set(http::field::content_type, res.content_type);
      self->res_.body() = std::move(res.body);
      self->res_.keep_alive(self->req_.keep_alive());
      self->res_.prepare_payload();
      http::async_write(self->socket_, self->res_,
                        [self](beast::error_code ec, size_t) {
                          if (ec || !self->res_.keep_alive())
                            return;
                          self->read();
                        });
    });
  });
  caf::anon_send(srv_.bridge, id, srv_.target, std::move(msg));
}

// -- load ---------------------------------------------------------------------

struct load_result {
  double rps = 0;
  double p99_us = 0;
};

/// Sends one request on a fresh connection; returns the whole answer.
std::string fetch(uint16_t port, const std::string& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string req = "GET " + target
                    + " HTTP/1.1\r\nHost: localhost\r\nConnection: "
                      "close\r\n\r\n";
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
      && ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) > 0) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0)
      out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

double to_us(double value, const std::string& unit) {
  if (unit == "us")
    return value;
  if (unit == "ms")
    return value * 1e3;
  if (unit == "s")
    return value * 1e6;
  if (unit == "m")
    return value * 60e6;
  return value;
}

/// Runs wrk against `url`; fails the bench on errors or non-2xx answers.
load_result run_wrk(const std::string& url, size_t connections,
                    size_t seconds) {
  auto cmd = "wrk -t1 -c" + std::to_string(connections) + " -d"
             + std::to_string(seconds) + "s --latency " + url + " 2>&1";
  std::string out;
  if (auto* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof(buf), p))
      out += buf;
    if (::pclose(p) != 0)
      bench::fail("wrk failed:\n" + out);
  } else {
    bench::fail("cannot run wrk");
  }
  if (out.find("Non-2xx") != std::string::npos
      || out.find("Socket errors") != std::string::npos)
    bench::fail("wrk saw errors:\n" + out);
  std::smatch m;
  load_result r;
  static const std::regex rps{R"(Requests/sec:\s+([0-9.]+))"};
  static const std::regex p99{R"(\n\s+99%\s+([0-9.]+)(us|ms|s|m)\s*\n)"};
  if (!std::regex_search(out, m, rps))
    bench::fail("no Requests/sec in wrk's output:\n" + out);
  r.rps = std::stod(m[1]);
  if (!std::regex_search(out, m, p99))
    bench::fail("no 99% latency in wrk's output:\n" + out);
  r.p99_us = to_us(std::stod(m[1]), m[2]);
  return r;
}

/// The built-in load generator: `connections` threads, each a keep-alive
/// connection asking `target` in a loop for `seconds`.
load_result run_builtin(uint16_t port, const std::string& target,
                        size_t connections, size_t seconds) {
  std::vector<std::vector<double>> lat(connections);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  auto t_end = bench::clock_type::now() + std::chrono::seconds(seconds);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  for (size_t i = 0; i < connections; ++i)
    threads.emplace_back([&, i] {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
          != 0) {
        failed = true;
        ::close(fd);
        return;
      }
      std::string in;
      char buf[4096];
      while (bench::clock_type::now() < t_end && !failed) {
        auto t0 = bench::clock_type::now();
        if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) <= 0) {
          failed = true;
          break;
        }
        // Answers are small: read until the header and Content-Length body.
        for (;;) {
          auto end = in.find("\r\n\r\n");
          if (end != std::string::npos) {
            auto cl = in.find("Content-Length: ");
            size_t len = cl < end ? std::stoul(in.substr(cl + 16)) : 0;
            if (in.size() >= end + 4 + len) {
              if (in.rfind("HTTP/1.1 200", 0) != 0)
                failed = true;
              in.erase(0, end + 4 + len);
              break;
            }
          }
          auto n = ::recv(fd, buf, sizeof(buf), 0);
          if (n <= 0) {
            failed = true;
            break;
          }
          in.append(buf, static_cast<size_t>(n));
        }
        lat[i].push_back(bench::since_us(t0, bench::clock_type::now()));
      }
      ::close(fd);
    });
  for (auto& t : threads)
    t.join();
  if (failed)
    bench::fail("the built-in client saw an error or a non-200 answer");
  std::vector<double> all;
  for (auto& xs : lat)
    all.insert(all.end(), xs.begin(), xs.end());
  load_result r;
  r.rps = static_cast<double>(all.size()) / static_cast<double>(seconds);
  r.p99_us = all.empty() ? 0 : bench::percentile(all, 99);
  return r;
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--seconds=N] [--connections=N] [--reps=N] [--builtin]\n"
    "  --seconds=N      load per server and repetition (default 3, quick 1)\n"
    "  --connections=N  keep-alive connections (default 16)\n"
    "  --reps=N         repetitions (default 3, quick 1)\n"
    "  --builtin        use the built-in client even if wrk is installed\n");
  size_t seconds = opts.get_size("seconds", opts.quick ? 1 : 3);
  size_t connections = opts.get_size("connections", 16);
  size_t reps = opts.get_size("reps", opts.quick ? 1 : 3);
  bool use_wrk = !opts.has("builtin") && ::access("/usr/bin/wrk", X_OK) == 0;
  remedy::config cfg;
  bench::configure(cfg, opts);
  caf::actor_system sys{cfg};
  bench::print_header(bench_name, opts, sys);
  std::printf("   load: %s, %zu keep-alive connections, %zu s per server "
              "and repetition, %zu repetitions; 1 io thread per server\n",
              use_wrk ? "wrk -t1" : "built-in client", connections, seconds,
              reps);
  auto gw_service = sys.spawn(service);
  auto plain_service = sys.spawn(service);
  remedy::http_gateway_settings settings;
  settings.io_threads = 1;
  settings.rate_limit = 1e9; // on, never reached: its cost is measured
  settings.rate_burst = 1e9;
  remedy::http_services services;
  services.api["bench"] = gw_service;
  auto gw = remedy::start_http_gateway(sys, settings, services);
  if (!gw)
    bench::fail("gateway: " + remedy::render(gw.error()));
  std::optional<plain_server> plain;
  plain.emplace(sys, plain_service);
  const std::string target = "/api/bench/x";
  for (auto port : {(*gw)->port(), plain->port()}) {
    auto answer = fetch(port, target);
    if (answer.rfind("HTTP/1.1 200", 0) != 0
        || answer.find(body_text) == std::string::npos)
      bench::fail("unexpected answer on port " + std::to_string(port) + ":\n"
                  + answer);
  }
  auto run = [&](uint16_t port) {
    return use_wrk ? run_wrk("http://127.0.0.1:" + std::to_string(port)
                               + target,
                             connections, seconds)
                   : run_builtin(port, target, connections, seconds);
  };
  std::vector<double> gw_rps, plain_rps, gw_p99, plain_p99, ratios, p99_ratios;
  std::printf("\n   %-4s %-8s %12s %10s\n", "rep", "server", "req/s",
              "p99 us");
  for (size_t rep = 0; rep < reps; ++rep) {
    load_result g, p;
    if (rep % 2 == 0) {
      g = run((*gw)->port());
      p = run(plain->port());
    } else {
      p = run(plain->port());
      g = run((*gw)->port());
    }
    std::printf("   %-4zu %-8s %12.0f %10.0f\n", rep, "gateway", g.rps,
                g.p99_us);
    std::printf("   %-4zu %-8s %12.0f %10.0f\n", rep, "plain", p.rps,
                p.p99_us);
    std::fflush(stdout);
    gw_rps.push_back(g.rps);
    plain_rps.push_back(p.rps);
    gw_p99.push_back(g.p99_us);
    plain_p99.push_back(p.p99_us);
    ratios.push_back(g.rps / p.rps);
    p99_ratios.push_back(g.p99_us / p.p99_us);
  }
  auto g = bench::median(gw_rps);
  auto p = bench::median(plain_rps);
  std::printf("\n   throughput: gateway %.0f req/s, plain %.0f req/s, "
              "gateway/plain %.3f (paired median; goal >= 0.80)\n",
              g, p, bench::median(ratios));
  std::printf("   p99: gateway %.0f us, plain %.0f us\n\n",
              bench::median(gw_p99), bench::median(plain_p99));
  std::vector<double> time_ratios;
  for (auto r : ratios)
    time_ratios.push_back(1 / r);
  // Time per request (ns), so that the ratio reads like the other benches'.
  std::printf("RESULT bench=%s name=throughput remedy=%.4g caf=%.4g "
              "ratio=%.3f unit=ns/req goal=1.25 pass=%s rps_gateway=%.0f "
              "rps_plain=%.0f rps_ratio=%.3f %s\n",
              bench_name, 1e9 / g, 1e9 / p, bench::median(time_ratios),
              bench::median(time_ratios) <= 1.25 ? "yes" : "no", g, p,
              bench::median(ratios), bench::paired(time_ratios).c_str());
  bench::result(bench_name, "p99", bench::median(gw_p99),
                bench::median(plain_p99), "us", 0,
                bench::paired(p99_ratios));
  (*gw)->stop();
  plain.reset();
  for (auto& x : {gw_service, plain_service})
    caf::anon_send_exit(x, caf::exit_reason::kill);
  return 0;
}
