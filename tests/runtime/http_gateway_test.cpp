// The HTTP gateway (remedy/runtime/http_gateway.hpp): settings validation,
// routing and parsing without sockets, then the real server on 127.0.0.1
// with a raw-socket client: every endpoint, every error mapping, the limits
// (rate, sizes, slowloris, connections), keep-alive and stop().
//
// Every wait on a socket is bounded by poll() with a deadline.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/response_promise.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/runtime/api_request.hpp"
#include "remedy/runtime/api_response.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/http_error_status.hpp"
#include "remedy/runtime/http_gateway.hpp"
#include "remedy/runtime/http_request_check.hpp"
#include "remedy/runtime/http_route.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "support/http_client.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

// -- a raw-socket HTTP client -------------------------------------------------

using remedy::test::answer;
using remedy::test::ask;
using remedy::test::get;
using remedy::test::post;
using client = remedy::test::http_client;

boost::json::object json_of(const answer& a) {
  boost::json::error_code ec;
  auto v = boost::json::parse(a.body, ec);
  INFO(a.body);
  REQUIRE(!ec);
  REQUIRE(v.is_object());
  return v.as_object();
}

std::string str(const boost::json::object& o, const char* key) {
  auto i = o.find(key);
  if (i == o.end() || !i->value().is_string())
    return "<missing>";
  return std::string{i->value().as_string()};
}

// -- services -----------------------------------------------------------------

/// Answers every request with a JSON echo of it.
caf::behavior echo_service() {
  return {
    [](api_request& r) {
      api_response res;
      res.body = "{\"method\": " + json_quote(r.method)
                 + ", \"service\": " + json_quote(r.service)
                 + ", \"path\": " + json_quote(r.path)
                 + ", \"query\": " + json_quote(r.query)
                 + ", \"body\": " + json_quote(r.body)
                 + ", \"client\": " + json_quote(r.client) + "}";
      return res;
    },
  };
}

/// Answers every request with `err`.
caf::behavior failing_service(caf::event_based_actor*, caf::error err) {
  return {
    [err](api_request&) -> caf::result<api_response> { return err; },
  };
}

struct silent_state {
  std::vector<caf::response_promise> held;
};

/// Never answers (holds every request's promise).
caf::behavior silent_service(caf::stateful_actor<silent_state>* self) {
  return {
    [self](api_request&) {
      auto rp = self->make_response_promise();
      self->state.held.push_back(rp);
      return rp;
    },
  };
}

caf::behavior metrics_service() {
  return {
    [](metrics_atom) {
      return std::string{"# HELP test_up A test metric.\n"
                         "# TYPE test_up gauge\n"
                         "test_up 1\n"};
    },
  };
}

caf::behavior health_service(caf::event_based_actor*, bool healthy) {
  return {
    [healthy](health_atom) {
      health_report r;
      r.healthy = healthy;
      r.json = std::string{"{\"healthy\": "} + (healthy ? "true" : "false")
               + ", \"faults\": []}";
      return r;
    },
  };
}

// -- fixture ------------------------------------------------------------------

caf::actor_system_config& real_config(remedy::config& cfg) {
  cfg.set("scheduler.max-threads", 2);
  return cfg;
}

struct gw_fixture {
  remedy::config cfg;
  caf::actor_system sys;
  std::vector<caf::actor> actors;
  std::unique_ptr<http_gateway> gw;

  gw_fixture() : sys(real_config(cfg)) {
    // nop
  }

  ~gw_fixture() {
    if (gw)
      gw->stop();
    gw.reset();
    for (auto& x : actors)
      caf::anon_send_exit(x, caf::exit_reason::kill);
  }

  template <caf::spawn_options Os = caf::no_spawn_options, class... Ts>
  caf::actor spawn(Ts&&... xs) {
    auto x = sys.spawn<Os>(std::forward<Ts>(xs)...);
    actors.push_back(x);
    return x;
  }

  http_services services() {
    http_services s;
    s.metrics = spawn(metrics_service);
    s.health = spawn(health_service, true);
    s.api["echo"] = spawn(echo_service);
    return s;
  }

  uint16_t start(http_gateway_settings settings, http_services s) {
    auto r = http_gateway::start(sys, std::move(settings), std::move(s));
    if (!r)
      FAIL(render(r.error()));
    gw = std::move(*r);
    REQUIRE(gw->port() != 0);
    return gw->port();
  }

  uint16_t start(http_gateway_settings settings = {}) {
    return start(std::move(settings), services());
  }
};

/// Every line of a Prometheus text exposition is a comment (# HELP/# TYPE)
/// or `name{labels} value`.
bool prometheus_lines_ok(const std::string& text, std::string& bad) {
  static const std::regex sample{
    R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*",?)*\})? )"
    R"(([-+]?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[+-]Inf)$)"};
  static const std::regex comment{
    R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)"};
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    if (!std::regex_match(line, sample) && !std::regex_match(line, comment)) {
      bad = line;
      return false;
    }
  }
  return !text.empty() && text.back() == '\n';
}

} // namespace

// -- without sockets ----------------------------------------------------------

TEST_CASE("http gateway settings name the bad field", "[http]") {
  using test::bad_setting;
  http_gateway_settings ok;
  REQUIRE(!ok.validate());
  auto with = [](auto f) {
    http_gateway_settings s;
    f(s);
    return s;
  };
  std::vector<bad_setting<http_gateway_settings>> cases{
    {"address", "'nowhere'",
     with([](auto& s) { s.address = "nowhere"; })},
    {"io_threads", "0", with([](auto& s) { s.io_threads = 0; })},
    {"request_timeout", "0ns",
     with([](auto& s) { s.request_timeout = caf::timespan{0}; })},
    {"max_header_bytes", "10", with([](auto& s) { s.max_header_bytes = 10; })},
    {"max_body_bytes", "",
     with([](auto& s) { s.max_body_bytes = size_t{1} << 40; })},
    {"header_timeout", "-1ns",
     with([](auto& s) { s.header_timeout = caf::timespan{-1}; })},
    {"body_timeout", "0ns",
     with([](auto& s) { s.body_timeout = caf::timespan{0}; })},
    {"idle_timeout", "0ns",
     with([](auto& s) { s.idle_timeout = caf::timespan{0}; })},
    {"max_connections", "0", with([](auto& s) { s.max_connections = 0; })},
    {"rate_limit", "", with([](auto& s) { s.rate_limit = -1; })},
    {"rate_limit", "", with([](auto& s) { s.rate_limit = test::qnan; })},
    {"rate_burst", "", with([](auto& s) {
       s.rate_limit = 5;
       s.rate_burst = 0.5;
     })},
    {"retry_after", "0ns",
     with([](auto& s) { s.retry_after = caf::timespan{0}; })},
  };
  test::check_rejected(cases, "http gateway: ");
}

TEST_CASE("http routes by method and target", "[http]") {
  auto r = route_http("GET", "/metrics");
  CHECK(r.kind == http_route_kind::metrics);
  CHECK(route_http("GET", "/health?verbose=1").kind == http_route_kind::health);
  r = route_http("POST", "/health");
  CHECK(r.kind == http_route_kind::reject);
  CHECK(r.status == 405);
  r = route_http("DELETE", "/api/orders/42/items?x=1&y=2");
  REQUIRE(r.kind == http_route_kind::api);
  CHECK(r.service == "orders");
  CHECK(r.path == "/42/items");
  CHECK(r.query == "x=1&y=2");
  r = route_http("GET", "/api/orders");
  REQUIRE(r.kind == http_route_kind::api);
  CHECK(r.path.empty());
  CHECK(route_http("GET", "/api/").status == 404);
  CHECK(route_http("GET", "/api").status == 404);
  CHECK(route_http("GET", "/nothing").status == 404);
  CHECK(route_http("GET", "/api/b%20d/x").status == 400);
  CHECK(route_http("GET", "http://example.com/metrics").status == 400);
  CHECK(route_http("GET", "*").status == 400);
  CHECK(route_http("GET", "/api/" + std::string(65, 'a')).status == 400);
  CHECK(route_http("GET", "/api/" + std::string(64, 'a')).kind
        == http_route_kind::api);
}

TEST_CASE("http requests parse with the gateway's limits", "[http]") {
  auto c = check_http_request(get("/api/echo/x?q=1"), 8192, 1024);
  REQUIRE(c.outcome == http_request_check::state::complete);
  CHECK(c.method == "GET");
  CHECK(c.route.service == "echo");
  CHECK(c.keep_alive);
  c = check_http_request(post("/api/echo", "hello"), 8192, 1024);
  REQUIRE(c.outcome == http_request_check::state::complete);
  CHECK(c.body_bytes == 5);
  // Incomplete: half a header, half a body.
  CHECK(check_http_request("GET /metrics HTTP/1.1\r\nHo", 8192, 1024).outcome
        == http_request_check::state::incomplete);
  CHECK(check_http_request(post("/api/echo", "hello").substr(0, 60), 8192,
                           1024)
          .outcome
        == http_request_check::state::incomplete);
  // A chunked body cut after its last chunk's size line (found by the
  // fuzzer: feeding Beast the same bytes twice after need_more asserts).
  c = check_http_request("PUT /api/orders HTTP/1.1\r\nHost: x\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n0\r\n",
                         8192, 1024);
  CHECK(c.outcome == http_request_check::state::incomplete);
  c = check_http_request("PUT /api/orders HTTP/1.1\r\nHost: x\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                         "0\r\n\r\n",
                         8192, 1024);
  REQUIRE(c.outcome == http_request_check::state::complete);
  CHECK(c.body_bytes == 3);
  // Errors.
  c = check_http_request("GARBAGE\r\n\r\n", 8192, 1024);
  CHECK(c.outcome == http_request_check::state::error);
  CHECK(c.status == 400);
  c = check_http_request(get("/metrics", "X-Big: " + std::string(9000, 'a')
                                           + "\r\n"),
                         8192, 1024);
  CHECK(c.status == 431);
  c = check_http_request(post("/api/echo", std::string(2000, 'b')), 8192,
                         1024);
  CHECK(c.status == 413);
  // HTTP/1.1 without Host.
  c = check_http_request("GET /metrics HTTP/1.1\r\n\r\n", 8192, 1024);
  REQUIRE(c.outcome == http_request_check::state::complete);
  CHECK(c.status == 400);
  CHECK(c.route.reason == "missing_host");
}

TEST_CASE("http maps service errors to statuses", "[http]") {
  struct row {
    caf::error err;
    uint16_t status;
    bool retry;
  };
  std::vector<row> rows{
    {make_error(errc::breaker_open), 503, true},
    {make_error(errc::bulkhead_full), 503, true},
    {make_error(errc::bulkhead_timeout), 503, true},
    {make_error(errc::task_rejected), 503, true},
    {make_error(errc::timeout), 504, false},
    {make_error(errc::task_expired), 504, false},
    {caf::make_error(caf::sec::request_timeout), 504, false},
    {make_error(errc::target_down), 502, false},
    {caf::make_error(caf::sec::request_receiver_down), 502, false},
    {caf::make_error(caf::exit_reason::kill), 502, false},
    {make_error(errc::invalid_argument), 500, false},
    {caf::make_error(caf::sec::unexpected_response), 500, false},
  };
  for (auto& x : rows) {
    auto m = http_status_of(x.err);
    CAPTURE(render(x.err));
    CHECK(m.status == x.status);
    CHECK(m.retry_after == x.retry);
    CHECK(!m.name.empty());
  }
  CHECK(http_status_of(make_error(errc::breaker_open)).name == "breaker_open");
  auto body = http_error_json("x\"y\n\x01\xff", "svc", "d");
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  REQUIRE(!ec);
  CHECK(v.as_object().at("service").as_string() == "svc");
}

// -- on sockets ---------------------------------------------------------------

TEST_CASE("http gateway serves metrics, health and errors for paths",
          "[http]") {
  gw_fixture f;
  auto port = f.start();
  SECTION("GET /metrics") {
    // One request first, so the gateway's own counters have a line.
    REQUIRE(ask(port, get("/nothing")).status == 404);
    auto a = ask(port, get("/metrics"));
    REQUIRE(a.status == 200);
    CHECK(a.header("content-type")
          == "text/plain; version=0.0.4; charset=utf-8");
    std::string bad;
    CHECK(prometheus_lines_ok(a.body, bad));
    CAPTURE(bad);
    CHECK(a.body.find("test_up 1\n") != std::string::npos);
    CHECK(a.body.find("remedy_http_requests_total{route=\"other\","
                      "status=\"404\"} 1\n")
          != std::string::npos);
    CHECK(a.body.find("remedy_http_request_duration_seconds_count 1\n")
          != std::string::npos);
    // This connection at least (the first one may not be closed yet).
    CHECK(a.body.find("remedy_http_open_connections ") != std::string::npos);
    CHECK(a.body.find("remedy_http_metrics_source_up 1\n")
          != std::string::npos);
  }
  SECTION("GET /health healthy") {
    auto a = ask(port, get("/health"));
    REQUIRE(a.status == 200);
    CHECK(a.header("content-type") == "application/json");
    auto o = json_of(a);
    CHECK(o.at("healthy").as_bool());
  }
  SECTION("wrong methods") {
    auto a = ask(port, post("/metrics", "x"));
    CHECK(a.status == 405);
    CHECK(a.header("allow") == "GET");
    CHECK(str(json_of(a), "error") == "method_not_allowed");
    CHECK(ask(port, "DELETE /health HTTP/1.1\r\nHost: x\r\n\r\n").status
          == 405);
  }
  SECTION("other paths") {
    auto a = ask(port, get("/favicon.ico"));
    CHECK(a.status == 404);
    CHECK(str(json_of(a), "error") == "not_found");
  }
}

TEST_CASE("http gateway answers 503 for an unhealthy node", "[http]") {
  gw_fixture f;
  auto s = f.services();
  s.health = f.spawn(health_service, false);
  auto port = f.start({}, s);
  auto a = ask(port, get("/health"));
  REQUIRE(a.status == 503);
  CHECK(a.header("content-type") == "application/json");
  CHECK_FALSE(json_of(a).at("healthy").as_bool());
}

TEST_CASE("http gateway without metrics and health actors", "[http]") {
  gw_fixture f;
  http_services s;
  auto port = f.start({}, s);
  auto a = ask(port, get("/metrics"));
  REQUIRE(a.status == 200);
  CHECK(a.body.find("remedy_http_metrics_source_up 0\n") != std::string::npos);
  a = ask(port, get("/health"));
  CHECK(a.status == 503);
  CHECK(str(json_of(a), "error") == "target_down");
}

TEST_CASE("http gateway forwards /api requests to services", "[http]") {
  gw_fixture f;
  auto port = f.start();
  SECTION("an api_response comes back as it is") {
    auto a = ask(port, post("/api/echo/orders/7?expand=1", "{\"n\": 1}"));
    REQUIRE(a.status == 200);
    CHECK(a.header("content-type") == "application/json");
    auto o = json_of(a);
    CHECK(str(o, "method") == "POST");
    CHECK(str(o, "service") == "echo");
    CHECK(str(o, "path") == "/orders/7");
    CHECK(str(o, "query") == "expand=1");
    CHECK(str(o, "body") == "{\"n\": 1}");
    CHECK(str(o, "client") == "127.0.0.1");
  }
  SECTION("an unknown service is 404") {
    auto a = ask(port, get("/api/nope/x"));
    REQUIRE(a.status == 404);
    auto o = json_of(a);
    CHECK(str(o, "error") == "unknown_service");
    CHECK(str(o, "service") == "nope");
  }
  SECTION("services change at run time") {
    REQUIRE(f.gw->set_service("late", f.spawn(echo_service)) == caf::none);
    CHECK(ask(port, get("/api/late/x")).status == 200);
    REQUIRE(f.gw->set_service("late", caf::actor{}) == caf::none);
    CHECK(ask(port, get("/api/late/x")).status == 404);
    CHECK(f.gw->set_service("bad name", f.spawn(echo_service)) != caf::none);
  }
  SECTION("a service's own status and content type pass through") {
    auto teapot = f.spawn([]() -> caf::behavior {
      return {
        [](api_request&) {
          return api_response{418, "text/plain", "short and stout"};
        },
      };
    });
    REQUIRE(!f.gw->set_service("teapot", teapot));
    auto a = ask(port, get("/api/teapot"));
    CHECK(a.status == 418);
    CHECK(a.header("content-type") == "text/plain");
    CHECK(a.body == "short and stout");
    // 204 carries no body, whatever the service put there.
    auto empty = f.spawn([]() -> caf::behavior {
      return {
        [](api_request&) { return api_response{204, "", "ignored"}; },
      };
    });
    REQUIRE(!f.gw->set_service("empty", empty));
    client c{port};
    REQUIRE(c.send(get("/api/empty")));
    a = c.read();
    CHECK(a.status == 204);
    CHECK(a.body.empty());
    REQUIRE(c.send(get("/api/echo/still")));
    CHECK(c.read().status == 200);
  }
}

TEST_CASE("http gateway maps each service error to its status", "[http]") {
  gw_fixture f;
  struct row {
    const char* service;
    caf::error err;
    int status;
    bool retry;
    const char* name;
  };
  std::vector<row> rows{
    {"breaker", make_error(errc::breaker_open, "route 'x'"), 503, true,
     "breaker_open"},
    {"bulkfull", make_error(errc::bulkhead_full), 503, true, "bulkhead_full"},
    {"bulkwait", make_error(errc::bulkhead_timeout), 503, true,
     "bulkhead_timeout"},
    {"rejected", make_error(errc::task_rejected), 503, true, "task_rejected"},
    {"timeout", make_error(errc::timeout), 504, false, "timeout"},
    {"expired", make_error(errc::task_expired), 504, false, "task_expired"},
    {"reqtimeout", caf::make_error(caf::sec::request_timeout), 504, false,
     "request_timeout"},
    {"down", make_error(errc::target_down), 502, false, "target_down"},
    {"gone", caf::make_error(caf::sec::request_receiver_down), 502, false,
     "request_receiver_down"},
    {"other", make_error(errc::invalid_argument, "bad"), 500, false,
     "invalid_argument"},
  };
  auto s = f.services();
  for (auto& x : rows)
    s.api[x.service] = f.spawn(failing_service, x.err);
  auto settings = http_gateway_settings{};
  settings.retry_after = 3s;
  auto port = f.start(settings, s);
  for (auto& x : rows) {
    CAPTURE(x.service);
    auto a = ask(port, get(std::string{"/api/"} + x.service + "/y"));
    CHECK(a.status == x.status);
    CHECK(a.header("content-type") == "application/json");
    if (x.retry)
      CHECK(a.header("retry-after") == "3");
    else
      CHECK(a.header("retry-after").empty());
    auto o = json_of(a);
    CHECK(str(o, "error") == x.name);
    CHECK(str(o, "service") == x.service);
  }
}

TEST_CASE("http gateway answers 504 for a service that never answers",
          "[http]") {
  gw_fixture f;
  auto s = f.services();
  s.api["silent"] = f.spawn(silent_service);
  http_gateway_settings settings;
  settings.request_timeout = 300ms;
  auto port = f.start(settings, s);
  auto t0 = steady::now();
  auto a = ask(port, get("/api/silent/x"), 5000ms);
  auto took = steady::now() - t0;
  REQUIRE(a.status == 504);
  CHECK(str(json_of(a), "error") == "request_timeout");
  CHECK(took >= 250ms);
  CHECK(took < 3s);
}

TEST_CASE("http gateway drops a late answer and maps dead services and "
          "wrong answers",
          "[http]") {
  gw_fixture f;
  auto s = f.services();
  // Holds its one request until told to answer it (a late answer).
  s.api["slow"] = f.spawn([](caf::event_based_actor* self) -> caf::behavior {
    auto held = std::make_shared<caf::response_promise>();
    return {
      [self, held](api_request&) {
        *held = self->make_response_promise();
        return caf::delegated<api_response>{};
      },
      [held](caf::ok_atom) {
        held->deliver(
          api_response{200, "application/json", "{\"late\": true}"});
      },
    };
  });
  s.api["wrong"] = f.spawn([]() -> caf::behavior {
    return {
      [](api_request&) { return std::string{"not an api_response"}; },
    };
  });
  auto dead = f.spawn(echo_service);
  s.api["dead"] = dead;
  http_gateway_settings settings;
  settings.request_timeout = 200ms;
  auto port = f.start(settings, s);
  client c{port};
  REQUIRE(c.send(get("/api/slow/x")));
  auto a = c.read();
  CHECK(a.status == 504);
  // The same connection goes on; the late answer (at 600 ms) finds nothing.
  REQUIRE(c.send(get("/api/echo/after")));
  a = c.read();
  CHECK(a.status == 200);
  // The late answer now: it reaches the bridge before the next request
  // does (the service answers us after delivering it).
  {
    caf::scoped_actor self{f.sys};
    bool delivered = false;
    self->request(s.api["slow"], 2s, caf::ok_atom::value)
      .receive([&] { delivered = true; }, [](caf::error&) {});
    REQUIRE(delivered);
  }
  REQUIRE(c.send(get("/api/echo/later")));
  a = c.read();
  REQUIRE(a.status == 200);
  CHECK(str(json_of(a), "path") == "/later");
  CHECK_FALSE(c.readable(100ms)); // nothing extra arrived
  // An answer of the wrong type.
  a = ask(port, get("/api/wrong/x"));
  CHECK(a.status == 500);
  CHECK(str(json_of(a), "error") == "unexpected_response");
  // A service that is gone.
  {
    caf::scoped_actor self{f.sys};
    self->monitor(dead);
    caf::anon_send_exit(dead, caf::exit_reason::kill);
    bool gone = false;
    self->receive([&](caf::down_msg&) { gone = true; },
                  caf::after(2s) >> [] {});
    REQUIRE(gone);
  }
  a = ask(port, get("/api/dead/x"));
  CHECK(a.status == 502);
  CHECK(str(json_of(a), "error") == "request_receiver_down");
}

TEST_CASE("http gateway rate-limits each client", "[http]") {
  gw_fixture f;
  http_gateway_settings settings;
  settings.rate_limit = 0.5; // a token every 2 s: none comes back in the test
  settings.rate_burst = 3;
  auto port = f.start(settings);
  client c{port};
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.send(get("/api/echo/x")));
    CHECK(c.read().status == 200);
  }
  REQUIRE(c.send(get("/api/echo/x")));
  auto a = c.read();
  CHECK(a.status == 429);
  auto retry = a.header("retry-after");
  REQUIRE(!retry.empty());
  CHECK(std::stoi(retry) >= 1);
  CHECK(str(json_of(a), "error") == "rate_limited");
  // The limited connection stays usable (keep-alive) and is still limited.
  REQUIRE(c.send(get("/health")));
  CHECK(c.read().status == 429);
  REQUIRE(f.gw->own_metrics().find("remedy_http_rate_limited_total 2\n")
          != std::string::npos);
}

TEST_CASE("http gateway rejects malformed and oversized requests", "[http]") {
  gw_fixture f;
  http_gateway_settings settings;
  settings.max_body_bytes = 1024;
  auto port = f.start(settings);
  SECTION("malformed is 400, then the connection closes") {
    client c{port};
    REQUIRE(c.send("GET /metrics HTTP/1.1\r\nHost x\r\n\r\n"));
    auto a = c.read();
    CHECK(a.status == 400);
    CHECK(str(json_of(a), "error") == "malformed");
    CHECK(c.closed_by_peer());
  }
  SECTION("a header over 8 KiB is 431") {
    client c{port};
    REQUIRE(c.send(get("/metrics", "X-Big: " + std::string(10000, 'a')
                                     + "\r\n")));
    auto a = c.read();
    CHECK(a.status == 431);
    CHECK(c.closed_by_peer());
  }
  SECTION("a body over the limit is 413, judged by its Content-Length") {
    client c{port};
    REQUIRE(c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: "
                   "2048\r\n\r\n"));
    auto a = c.read();
    CHECK(a.status == 413);
    CHECK(c.closed_by_peer());
  }
  SECTION("a chunked body over the limit is 413") {
    client c{port};
    std::string chunk(900, 'c');
    REQUIRE(c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                   "chunked\r\n\r\n384\r\n"
                   + chunk + "\r\n384\r\n" + chunk + "\r\n0\r\n\r\n"));
    CHECK(c.read().status == 413);
  }
  auto m = f.gw->own_metrics();
  CHECK(m.find("remedy_http_rejected_total{reason=\"malformed\"}")
        != std::string::npos);
}

TEST_CASE("http gateway cuts off a slowloris client without stalling others",
          "[http]") {
  gw_fixture f;
  http_gateway_settings settings;
  settings.header_timeout = 2s;
  auto port = f.start(settings);
  std::atomic<int> slow_status{0};
  std::atomic<bool> slow_closed{false};
  std::atomic<bool> slow_done{false};
  std::atomic<long> slow_ms{0};
  std::thread slow{[&] {
    client c{port};
    std::string head = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    auto t0 = steady::now();
    // One byte every 100 ms, for at most 6 s.
    for (size_t i = 0; steady::now() - t0 < 6s; ++i) {
      auto byte = i < head.size() ? std::string(1, head[i]) : std::string{"a"};
      if (!c.send(byte) || c.readable(100ms))
        break;
    }
    auto a = c.read(1000ms);
    slow_ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(steady::now()
                                                            - t0)
        .count());
    slow_status = a.status;
    slow_closed = c.closed_by_peer(2000ms);
    slow_done = true;
  }};
  // Meanwhile another client asks every 100 ms and is served promptly: a
  // gateway that the slow client held up would keep it waiting for up to
  // the header timeout (2 s).
  std::vector<long> others;
  auto t0 = steady::now();
  while (!slow_done && steady::now() - t0 < 8s) {
    auto s0 = steady::now();
    auto a = ask(port, get("/api/echo/x"), 3000ms);
    CHECK(a.status == 200);
    others.push_back(static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - s0)
        .count()));
    std::this_thread::sleep_for(100ms);
  }
  slow.join();
  CHECK(slow_status == 408);
  CHECK(slow_closed);
  CHECK(slow_ms >= 1900);
  CHECK(slow_ms < 4500);
  REQUIRE(others.size() >= 3);
  CAPTURE(others);
  CHECK(*std::max_element(others.begin(), others.end()) < 1000);
  CHECK(f.gw->own_metrics().find(
          "remedy_http_rejected_total{reason=\"header_timeout\"} 1\n")
        != std::string::npos);
}

TEST_CASE("http gateway keeps connections alive and honours close",
          "[http]") {
  gw_fixture f;
  auto port = f.start();
  client c{port};
  REQUIRE(c.send(get("/api/echo/one")));
  auto a = c.read();
  REQUIRE(a.status == 200);
  CHECK(str(json_of(a), "path") == "/one");
  CHECK(a.header("connection") != "close");
  REQUIRE(c.send(get("/api/echo/two")));
  a = c.read();
  REQUIRE(a.status == 200);
  CHECK(str(json_of(a), "path") == "/two");
  // Two requests in one write: answered one after the other, in order.
  REQUIRE(c.send(get("/api/echo/p1") + get("/api/echo/p2")));
  a = c.read();
  REQUIRE(a.status == 200);
  CHECK(str(json_of(a), "path") == "/p1");
  a = c.read();
  REQUIRE(a.status == 200);
  CHECK(str(json_of(a), "path") == "/p2");
  REQUIRE(c.send(get("/api/echo/three", "Connection: close\r\n")));
  a = c.read();
  REQUIRE(a.status == 200);
  CHECK(a.header("connection") == "close");
  CHECK(c.closed_by_peer());
}

TEST_CASE("http gateway times out a slow body, answers 100-continue and "
          "closes HTTP/1.0",
          "[http]") {
  gw_fixture f;
  http_gateway_settings settings;
  settings.body_timeout = 500ms;
  auto port = f.start(settings);
  SECTION("a body that stops half-way is 408 after the body timeout") {
    client c{port};
    REQUIRE(c.send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: "
                   "10\r\n\r\nabc"));
    auto t0 = steady::now();
    auto a = c.read(5000ms);
    auto took = steady::now() - t0;
    CHECK(a.status == 408);
    CHECK(took >= 400ms);
    CHECK(took < 3s);
    CHECK(c.closed_by_peer());
    CHECK(f.gw->own_metrics().find(
            "remedy_http_rejected_total{reason=\"body_timeout\"} 1\n")
          != std::string::npos);
  }
  SECTION("Expect: 100-continue") {
    client c{port};
    REQUIRE(c.send("POST /api/echo/e HTTP/1.1\r\nHost: x\r\nExpect: "
                   "100-continue\r\nContent-Length: 5\r\n\r\n"));
    auto interim = c.read();
    CHECK(interim.status == 100);
    REQUIRE(c.send("hello"));
    auto a = c.read();
    REQUIRE(a.status == 200);
    CHECK(str(json_of(a), "body") == "hello");
  }
  SECTION("HTTP/1.0 without keep-alive closes after the answer") {
    client c{port};
    REQUIRE(c.send("GET /api/echo/old HTTP/1.0\r\n\r\n"));
    auto a = c.read();
    REQUIRE(a.status == 200);
    CHECK(str(json_of(a), "path") == "/old");
    CHECK(c.closed_by_peer());
  }
}

TEST_CASE("http gateway closes idle connections and refuses too many",
          "[http]") {
  gw_fixture f;
  http_gateway_settings settings;
  settings.idle_timeout = 1s;
  settings.max_connections = 2;
  auto port = f.start(settings);
  {
    client c{port};
    REQUIRE(c.send(get("/health")));
    REQUIRE(c.read().status == 200);
    auto t0 = steady::now();
    CHECK(c.closed_by_peer(4000ms));
    auto took = steady::now() - t0;
    CHECK(took >= 800ms);
    CHECK(took < 3s);
  }
  client a{port};
  client b{port};
  REQUIRE(a.send(get("/health")));
  REQUIRE(a.read().status == 200);
  REQUIRE(b.send(get("/health")));
  REQUIRE(b.read().status == 200);
  // Both are open (idle): a third connection is refused.
  client c{port};
  auto third = c.read(3000ms);
  CHECK(third.status == 503);
  CHECK(str(json_of(third), "error") == "too_many_connections");
}

TEST_CASE("http gateway stops promptly with open connections", "[http]") {
  gw_fixture f;
  auto s = f.services();
  s.api["silent"] = f.spawn(silent_service);
  http_gateway_settings settings;
  settings.io_threads = 2;
  auto port = f.start(settings, s);
  std::vector<std::unique_ptr<client>> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(std::make_unique<client>(port));
    REQUIRE(open.back()->send(get("/health")));
    REQUIRE(open.back()->read().status == 200);
  }
  // One waits for a service that never answers, one is half-way a header.
  open.push_back(std::make_unique<client>(port));
  REQUIRE(open.back()->send(get("/api/silent/x")));
  open.push_back(std::make_unique<client>(port));
  REQUIRE(open.back()->send("GET /metrics HTTP/1.1\r\nHo"));
  // Real sockets on Beast's io thread: give the half header time to be read
  // (the gateway exposes no per-connection state to wait on).
  std::this_thread::sleep_for(100ms);
  auto t0 = steady::now();
  f.gw->stop();
  auto took = steady::now() - t0;
  CHECK(took < 1s);
  for (auto& c : open)
    CHECK(c->closed_by_peer(2000ms));
  // The port no longer accepts.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0);
  ::close(fd);
  f.gw->stop(); // idempotent
}
