// The HTTP gateway: Beast connections on the gateway's io threads, one
// bridge actor between them and the node's actors.
//
// A connection reads a request (header and body each under a deadline),
// routes it (http_parser.hpp, shared with check_http_request and the
// fuzzer) and, for a route that needs an actor, registers a callback under a
// fresh id in the pending table and sends the actor the request (an
// api_request, or the metrics or health atom) as a request in the bridge's
// name, with a request id that carries the table's id. The actor answers
// the bridge; the bridge hands the answer to the pending table, whose
// callback posts it to the connection's strand. Nothing blocks: io threads
// only enqueue, the bridge only posts. The only things crossing actors are
// serializable messages (api_request, api_response, health_report, strings,
// errors); the callbacks stay in the table. No CAF timer per request: the
// connection's deadline (checked by the gateway's sweeper) times the
// request out with 504 and drops its callback, so a late answer finds
// nothing.

#include "remedy/runtime/http_gateway.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>
#include <caf/sec.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include "http_parser.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/runtime/api_request.hpp"
#include "remedy/runtime/api_response.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/http_error_status.hpp"
#include "remedy/runtime/http_route.hpp"
#include "remedy/runtime/type_ids.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace remedy {

namespace {

using steady = std::chrono::steady_clock;

constexpr const char* prometheus_type
  = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* json_type = "application/json";

/// Whole seconds for Retry-After: rounded up, at least 1.
std::string retry_seconds(double seconds) {
  auto s = static_cast<long long>(std::ceil(seconds));
  return std::to_string(std::max(1LL, s));
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           steady::now().time_since_epoch())
    .count();
}

// -- answers from the bridge --------------------------------------------------

/// What the bridge hands back: a service's answer, an error, the metrics
/// actor's text or the health actor's report.
using bridge_outcome
  = std::variant<api_response, caf::error, std::string, health_report>;

/// Callbacks of requests in flight to the bridge, by id. Filled from io
/// threads, emptied by the bridge; closed (all callbacks dropped, later
/// additions refused) when the gateway stops.
class pending_table {
public:
  using callback = std::function<void(bridge_outcome&&)>;

  /// Registers `f`; returns its id, or 0 if the table is closed.
  uint64_t add(callback f) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return 0;
    auto id = next_++;
    map_.emplace(id, std::move(f));
    return id;
  }

  /// Runs and drops the callback of `id` (nothing if it is gone).
  void complete(uint64_t id, bridge_outcome&& x) {
    // Held while a callback runs (it posts to the io context): close()
    // waits for running callbacks, so none touches a destroyed io context.
    std::shared_lock<std::shared_mutex> running{run_mtx_};
    callback f;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      auto i = map_.find(id);
      if (i == map_.end())
        return;
      f = std::move(i->second);
      map_.erase(i);
    }
    f(std::move(x));
  }

  /// Drops the callback of `id`; false if it is gone (answered or
  /// running).
  bool cancel(uint64_t id) {
    std::lock_guard<std::mutex> guard{mtx_};
    return map_.erase(id) > 0;
  }

  /// Refuses later additions, drops every callback and waits for those
  /// running.
  void close() {
    std::unordered_map<uint64_t, callback> dropped;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      closed_ = true;
      dropped.swap(map_);
    }
    std::unique_lock<std::shared_mutex> wait{run_mtx_};
    // The callbacks (and the connections they hold) die here.
  }

private:
  std::shared_mutex run_mtx_;
  std::mutex mtx_;
  uint64_t next_ = 1;
  bool closed_ = false;
  std::unordered_map<uint64_t, callback> map_;
};

// -- the bridge actor ---------------------------------------------------------

/// Request ids the gateway makes itself: the pending table's id in the low
/// 59 bits and bit 59 as a tag (as in detail::reply_ids), so that a reply
/// finds its callback from its id alone: no CAF pending-response entry and
/// no CAF timer per request (the connection times the request out itself).
constexpr uint64_t reply_tag = uint64_t{1} << 59;

/// The bridge's only handler (it needs one to stay alive); nobody sends it.
using bridge_idle_atom = caf::atom_constant<caf::atom("r_bridgeid")>;
constexpr uint64_t reply_id_mask = reply_tag - 1;

caf::message_id request_id(uint64_t id) {
  return caf::message_id{(caf::message_id::normal_message_category
                          << caf::message_id::category_offset)
                         | reply_tag | (id & reply_id_mask)};
}

/// Receives the answers to the requests that the connections send in its
/// name and hands each to the pending table. It makes no requests itself
/// and keeps nothing per request.
class http_bridge : public caf::event_based_actor {
public:
  http_bridge(caf::actor_config& cfg, std::shared_ptr<pending_table> pending)
    : caf::event_based_actor(cfg), pending_(std::move(pending)) {
    // nop
  }

  const char* name() const override {
    return "remedy.http_bridge";
  }

  caf::behavior make_behavior() override {
    // Answers arrive through consume(); the behavior keeps the actor alive.
    return {
      [](bridge_idle_atom) {
        // nop
      },
    };
  }

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    if (x.mid.is_response() && (x.mid.integer_value() & reply_tag) != 0) {
      auto id = x.mid.integer_value() & reply_id_mask;
      auto msg = x.move_content_to_message();
      pending_->complete(id, outcome_of(msg));
      return caf::invoke_message_result::consumed;
    }
    return caf::event_based_actor::consume(x);
  }

private:
  static bridge_outcome outcome_of(caf::message& msg) {
    if (msg.match_elements<api_response>())
      return std::move(msg.get_mutable_as<api_response>(0));
    if (msg.match_elements<caf::error>())
      return std::move(msg.get_mutable_as<caf::error>(0));
    if (msg.match_elements<std::string>())
      return std::move(msg.get_mutable_as<std::string>(0));
    if (msg.match_elements<health_report>())
      return std::move(msg.get_mutable_as<health_report>(0));
    return caf::make_error(caf::sec::unexpected_response);
  }

  std::shared_ptr<pending_table> pending_;
};

// -- the gateway's own metrics ------------------------------------------------

/// Counters and a latency histogram, rendered as Prometheus text.
class gateway_metrics {
public:
  static constexpr std::array<double, 14> bounds = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  void on_response(const char* route, unsigned status, double seconds) {
    std::lock_guard<std::mutex> guard{mtx_};
    ++requests_[{route, status}];
    auto i = std::lower_bound(bounds.begin(), bounds.end(), seconds)
             - bounds.begin();
    ++buckets_[static_cast<size_t>(i)];
    sum_ += seconds;
    ++count_;
  }

  void on_rejected(const char* reason) {
    std::lock_guard<std::mutex> guard{mtx_};
    ++rejected_[reason];
  }

  void on_rate_limited() {
    std::lock_guard<std::mutex> guard{mtx_};
    ++rate_limited_;
  }

  void opened() {
    open_.fetch_add(1, std::memory_order_relaxed);
  }

  void closed() {
    open_.fetch_sub(1, std::memory_order_relaxed);
  }

  int64_t open() const {
    return open_.load(std::memory_order_relaxed);
  }

  std::string render() const {
    std::string out;
    char buf[160];
    std::lock_guard<std::mutex> guard{mtx_};
    out += "# HELP remedy_http_requests_total HTTP requests the gateway "
           "answered, by route and status.\n"
           "# TYPE remedy_http_requests_total counter\n";
    for (auto& [key, n] : requests_) {
      std::snprintf(buf, sizeof(buf),
                    "remedy_http_requests_total{route=\"%s\",status=\"%u\"} "
                    "%llu\n",
                    key.first.c_str(), key.second,
                    static_cast<unsigned long long>(n));
      out += buf;
    }
    out += "# HELP remedy_http_request_duration_seconds Time from a "
           "request's last byte to its answer.\n"
           "# TYPE remedy_http_request_duration_seconds histogram\n";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
      cumulative += buckets_[i];
      std::snprintf(buf, sizeof(buf),
                    "remedy_http_request_duration_seconds_bucket{le=\"%g\"} "
                    "%llu\n",
                    bounds[i], static_cast<unsigned long long>(cumulative));
      out += buf;
    }
    cumulative += buckets_[bounds.size()];
    std::snprintf(buf, sizeof(buf),
                  "remedy_http_request_duration_seconds_bucket{le=\"+Inf\"} "
                  "%llu\n"
                  "remedy_http_request_duration_seconds_sum %.9g\n"
                  "remedy_http_request_duration_seconds_count %llu\n",
                  static_cast<unsigned long long>(cumulative), sum_,
                  static_cast<unsigned long long>(count_));
    out += buf;
    out += "# HELP remedy_http_rate_limited_total Requests answered 429 by "
           "the per-client rate limit.\n"
           "# TYPE remedy_http_rate_limited_total counter\n";
    out += "remedy_http_rate_limited_total "
           + std::to_string(rate_limited_) + "\n";
    out += "# HELP remedy_http_rejected_total Requests and connections "
           "refused before routing, by reason.\n"
           "# TYPE remedy_http_rejected_total counter\n";
    for (auto* reason : {"body_timeout", "body_too_large", "connections",
                         "header_timeout", "header_too_large", "malformed"}) {
      auto i = rejected_.find(reason);
      auto n = i == rejected_.end() ? uint64_t{0} : i->second;
      out += "remedy_http_rejected_total{reason=\"" + std::string{reason}
             + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP remedy_http_open_connections Connections the gateway "
           "holds open.\n"
           "# TYPE remedy_http_open_connections gauge\n";
    out += "remedy_http_open_connections " + std::to_string(open()) + "\n";
    return out;
  }

private:
  mutable std::mutex mtx_;
  std::map<std::pair<std::string, unsigned>, uint64_t> requests_;
  std::array<uint64_t, bounds.size() + 1> buckets_{};
  double sum_ = 0;
  uint64_t count_ = 0;
  std::map<std::string, uint64_t> rejected_;
  uint64_t rate_limited_ = 0;
  std::atomic<int64_t> open_{0};
};

// -- per-client rate limit ----------------------------------------------------

/// Token buckets keyed by client address.
class rate_limiter {
public:
  rate_limiter(double rate, double burst) : rate_(rate), burst_(burst) {
    // nop
  }

  /// Takes a token for `key`; returns nothing if there was one, else the
  /// seconds until there is.
  std::optional<double> take(const std::string& key, steady::time_point now) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (buckets_.size() >= max_clients)
      prune(now);
    auto [i, added] = buckets_.try_emplace(key, bucket{burst_, now});
    auto& b = i->second;
    if (!added) {
      auto dt = std::chrono::duration<double>(now - b.last).count();
      b.tokens = std::min(burst_, b.tokens + std::max(0.0, dt) * rate_);
      b.last = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return std::nullopt;
    }
    return (1 - b.tokens) / rate_;
  }

private:
  struct bucket {
    double tokens;
    steady::time_point last;
  };

  static constexpr size_t max_clients = 4096;

  /// Drops the buckets that are full again (they hold no information).
  void prune(steady::time_point now) {
    for (auto i = buckets_.begin(); i != buckets_.end();) {
      auto dt = std::chrono::duration<double>(now - i->second.last).count();
      if (i->second.tokens + dt * rate_ >= burst_)
        i = buckets_.erase(i);
      else
        ++i;
    }
  }

  double rate_;
  double burst_;
  std::mutex mtx_;
  std::unordered_map<std::string, bucket> buckets_;
};

class connection;

} // namespace

// -- the gateway's state ------------------------------------------------------

struct http_gateway::impl {
  caf::actor_system& sys;
  http_gateway_settings settings;
  caf::actor metrics_actor;
  caf::actor health_actor;
  mutable std::shared_mutex services_mtx;
  std::map<std::string, caf::actor> services;
  gateway_metrics stats;
  std::optional<rate_limiter> limiter;
  std::shared_ptr<pending_table> pending = std::make_shared<pending_table>();
  caf::actor bridge_actor;
  /// The bridge as the sender of the connections' requests.
  caf::strong_actor_ptr bridge_ptr;
  std::optional<asio::io_context> ioc;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  /// Checks every connection's deadline once per `sweep_tick`.
  std::optional<asio::steady_timer> sweep_timer;
  steady::duration sweep_tick{};
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex conns_mtx;
  uint64_t next_conn = 1;
  std::unordered_map<uint64_t, std::weak_ptr<connection>> conns;
  std::mutex stop_mtx;
  bool stopped = false;
  std::shared_ptr<spdlog::logger> log = logger("remedy.http");

  impl(caf::actor_system& sys, http_gateway_settings settings)
    : sys(sys), settings(std::move(settings)) {
    // nop
  }

  caf::actor find_service(const std::string& name) const {
    std::shared_lock<std::shared_mutex> guard{services_mtx};
    auto i = services.find(name);
    return i == services.end() ? caf::actor{} : i->second;
  }

  void do_accept();
  void sweep();
  void stop();
};

namespace {

// -- one connection -----------------------------------------------------------

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(http_gateway::impl& gw, tcp::socket socket, bool refuse)
    : gw_(gw),
      socket_(std::move(socket)),
      refuse_(refuse) {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay{true}, ec);
    auto remote = socket_.remote_endpoint(ec);
    if (!ec)
      client_ = remote.address().to_string();
    if (!refuse_)
      gw_.stats.opened();
  }

  ~connection() {
    if (!refuse_)
      gw_.stats.closed();
    std::lock_guard<std::mutex> guard{gw_.conns_mtx};
    gw_.conns.erase(id_);
  }

  void set_id(uint64_t id) {
    id_ = id;
  }

  void start() {
    if (refuse_) {
      gw_.stats.on_rejected("connections");
      version_ = 11;
      respond_error(503, "too_many_connections", "", true);
      return;
    }
    read_header();
  }

  /// Closes the socket (on the connection's strand).
  void close() {
    if (closed_)
      return;
    closed_ = true;
    disarm();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  auto executor() {
    return socket_.get_executor();
  }

  /// Called by the gateway's sweeper (any thread): posts a timeout to the
  /// connection's strand if its deadline has passed.
  void check_deadline(int64_t now) {
    // Read the generation before the deadline: arm() stores the deadline
    // before it bumps the generation, so a generation read here is never
    // newer than the deadline the exchange below takes.
    auto gen = timer_gen_.load();
    auto deadline = deadline_.load();
    if (deadline == 0 || now < deadline)
      return;
    if (!deadline_.compare_exchange_strong(deadline, 0))
      return; // re-armed meanwhile
    asio::post(executor(), [self = shared_from_this(), gen] {
      self->on_timer(gen);
    });
  }

private:
  enum class phase { idle, header, body, waiting, writing, lingering };

  // -- timers -----------------------------------------------------------------

  // No Asio timer per connection: arm() and disarm() only store a deadline,
  // which the gateway's sweeper checks a few times a second (the cost per
  // request is two atomic stores, not timer queue operations).

  void arm(caf::timespan d) {
    timed_out_ = false;
    // Saturating: a huge timeout (e.g. timespan::max()) means "never".
    auto now = now_ns();
    auto span = std::max<int64_t>(d.count(), 1);
    auto limit = std::numeric_limits<int64_t>::max();
    deadline_.store(span > limit - now ? limit : now + span);
    ++timer_gen_;
  }

  void disarm() {
    deadline_.store(0);
    ++timer_gen_;
  }

  void on_timer(uint64_t gen) {
    if (gen != timer_gen_.load() || closed_)
      return;
    timed_out_ = true;
    switch (phase_) {
      case phase::header:
      case phase::body: {
        // The pending read ends with operation_aborted; its handler sees
        // timed_out_ and answers 408.
        beast::error_code ignored;
        socket_.cancel(ignored);
        break;
      }
      case phase::waiting:
        on_request_timeout();
        break;
      default:
        close();
    }
  }

  // -- reading ----------------------------------------------------------------

  /// Waits (at most the idle timeout) for the next request's first byte.
  void wait_idle() {
    phase_ = phase::idle;
    arm(gw_.settings.idle_timeout);
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](beast::error_code ec) {
                         if (ec || self->closed_ || self->timed_out_) {
                           self->close();
                           return;
                         }
                         self->read_header();
                       });
  }

  void read_header() {
    phase_ = phase::header;
    parser_.emplace();
    detail::configure_parser(*parser_, gw_.settings.max_header_bytes,
                             gw_.settings.max_body_bytes);
    arm(gw_.settings.header_timeout);
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec,
                                                        size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      on_read_error(ec);
      return;
    }
    version_ = parser_->get().version();
    if (parser_->is_done()) {
      on_request();
      return;
    }
    phase_ = phase::body;
    arm(gw_.settings.body_timeout);
    auto expect = parser_->get()[http::field::expect];
    if (version_ >= 11 && beast::iequals(expect, "100-continue")) {
      static constexpr char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(socket_,
                        asio::buffer(continue_line, sizeof(continue_line) - 1),
                        [self = shared_from_this()](beast::error_code ec,
                                                    size_t) {
                          if (ec) {
                            self->close();
                            return;
                          }
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec,
                                                 size_t) {
                       if (ec)
                         self->on_read_error(ec);
                       else
                         self->on_request();
                     });
  }

  void on_read_error(beast::error_code ec) {
    auto was = phase_;
    disarm();
    if (closed_)
      return;
    if (timed_out_) {
      gw_.stats.on_rejected(was == phase::header ? "header_timeout"
                                                 : "body_timeout");
      respond_error(408, "request_timeout", "", true);
      return;
    }
    auto status = detail::status_of_parse_error(ec);
    if (status == 0) {
      // The client went away (end of stream, reset): nobody to answer.
      close();
      return;
    }
    const char* reason = status == 431   ? "header_too_large"
                         : status == 413 ? "body_too_large"
                                         : "malformed";
    gw_.stats.on_rejected(reason);
    respond_error(status, reason, "", true, ec.message());
  }

  // -- routing ----------------------------------------------------------------

  void on_request() {
    disarm();
    phase_ = phase::waiting;
    started_ = steady::now();
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    auto route = detail::route_request(req);
    route_kind_ = route.kind;
    route_label_ = to_string(route.kind);
    if (gw_.limiter) {
      if (auto wait = gw_.limiter->take(client_, started_)) {
        gw_.stats.on_rate_limited();
        respond_error(429, "rate_limited", route.service, false, {},
                      retry_seconds(*wait));
        return;
      }
    }
    switch (route.kind) {
      case http_route_kind::reject:
        respond_error(route.status, route.reason, route.service, false);
        return;
      case http_route_kind::metrics:
        if (!gw_.metrics_actor) {
          respond_metrics(std::nullopt);
          return;
        }
        dispatch(gw_.metrics_actor, caf::make_message(metrics_atom::value));
        return;
      case http_route_kind::health:
        if (!gw_.health_actor) {
          on_answer(make_error(errc::target_down, "no health actor"));
          return;
        }
        dispatch(gw_.health_actor, caf::make_message(health_atom::value));
        return;
      case http_route_kind::api: {
        auto target = gw_.find_service(route.service);
        if (!target) {
          respond_error(404, "unknown_service", route.service, false);
          return;
        }
        service_ = route.service;
        api_request msg;
        msg.method = std::string{req.method_string()};
        msg.service = std::move(route.service);
        msg.path = std::move(route.path);
        msg.query = std::move(route.query);
        msg.body = std::move(req.body());
        msg.client = client_;
        dispatch(target, caf::make_message(std::move(msg)));
        return;
      }
    }
  }

  /// Registers this connection for the answer and sends `msg` to
  /// `target` as a request in the bridge's name: the answer goes to the
  /// bridge, which posts it back here. Times out after request_timeout.
  void dispatch(const caf::actor& target, caf::message msg) {
    auto self = shared_from_this();
    auto id = gw_.pending->add([self](bridge_outcome&& x) {
      auto ex = self->executor();
      asio::post(ex, [self, x = std::move(x)]() mutable {
        self->pending_id_ = 0;
        self->on_answer(std::move(x));
      });
    });
    if (id == 0) {
      close(); // stopping
      return;
    }
    pending_id_ = id;
    arm(gw_.settings.request_timeout);
    target->enqueue(caf::make_mailbox_element(gw_.bridge_ptr, request_id(id),
                                              {}, std::move(msg)),
                    nullptr);
  }

  /// No answer within request_timeout.
  void on_request_timeout() {
    if (pending_id_ == 0 || !gw_.pending->cancel(pending_id_))
      return; // the answer is on its way here
    pending_id_ = 0;
    on_answer(caf::make_error(caf::sec::request_timeout));
  }

  void on_answer(bridge_outcome&& x) {
    if (closed_)
      return;
    disarm();
    phase_ = phase::waiting;
    // An answer of the wrong type for the route is an error.
    bool fits = std::holds_alternative<caf::error>(x)
                || (route_kind_ == http_route_kind::api
                    && std::holds_alternative<api_response>(x))
                || (route_kind_ == http_route_kind::metrics
                    && std::holds_alternative<std::string>(x))
                || (route_kind_ == http_route_kind::health
                    && std::holds_alternative<health_report>(x));
    if (!fits)
      x = caf::make_error(caf::sec::unexpected_response);
    if (auto res = std::get_if<api_response>(&x)) {
      if (res->status < 200 || res->status > 599) {
        respond_error(500, "bad_status", service_, false,
                      "the service answered status "
                        + std::to_string(res->status));
        return;
      }
      if (res->status == 204 || res->status == 304)
        res->body.clear(); // HTTP allows no body here (Beast would throw)
      respond(res->status, res->content_type, std::move(res->body), false);
      return;
    }
    if (auto text = std::get_if<std::string>(&x)) {
      respond_metrics(std::move(*text));
      return;
    }
    if (auto report = std::get_if<health_report>(&x)) {
      auto body = report->json.empty()
                    ? std::string{report->healthy ? "{\"healthy\": true}"
                                                  : "{\"healthy\": false}"}
                    : std::move(report->json);
      respond(report->healthy ? 200 : 503, json_type, std::move(body), false);
      return;
    }
    auto& err = std::get<caf::error>(x);
    if (route_kind_ == http_route_kind::metrics) {
      gw_.log->warn("http gateway: metrics actor failed: {}", render(err));
      respond_metrics(std::nullopt);
      return;
    }
    if (route_kind_ == http_route_kind::health) {
      auto mapped = http_status_of(err);
      respond(503, json_type,
              http_error_json(mapped.name, "health", render(err)), false);
      return;
    }
    auto mapped = http_status_of(err);
    std::string retry;
    if (mapped.retry_after)
      retry = retry_seconds(
        std::chrono::duration<double>(gw_.settings.retry_after).count());
    respond_error(mapped.status, mapped.name, service_, false, render(err),
                  std::move(retry));
  }

  /// `/metrics`: the metrics actor's text (none if it has none or failed)
  /// plus the gateway's own.
  void respond_metrics(std::optional<std::string> text) {
    std::string body;
    if (text) {
      body = std::move(*text);
      if (!body.empty() && body.back() != '\n')
        body += '\n';
    }
    body += gw_.stats.render();
    body += "# HELP remedy_http_metrics_source_up Whether the metrics actor "
            "answered this scrape.\n"
            "# TYPE remedy_http_metrics_source_up gauge\n";
    body += text ? "remedy_http_metrics_source_up 1\n"
                 : "remedy_http_metrics_source_up 0\n";
    respond(200, prometheus_type, std::move(body), false);
  }

  // -- writing ----------------------------------------------------------------

  void respond_error(unsigned status, const std::string& error,
                     const std::string& service, bool close_after,
                     const std::string& detail = {},
                     std::string retry_after = {}) {
    respond(status, json_type, http_error_json(error, service, detail),
            close_after, std::move(retry_after));
  }

  void respond(unsigned status, const std::string& content_type,
               std::string body, bool close_after,
               std::string retry_after = {}) {
    if (closed_)
      return;
    if (phase_ != phase::waiting)
      started_ = steady::now();
    res_ = {};
    res_.version(version_ == 10 ? 10 : 11);
    res_.result(status);
    if (!content_type.empty())
      res_.set(http::field::content_type, content_type);
    if (!retry_after.empty())
      res_.set(http::field::retry_after, retry_after);
    if (status == 405)
      res_.set(http::field::allow, "GET");
    res_.body() = std::move(body);
    res_.keep_alive(keep_alive_ && !close_after);
    res_.prepare_payload();
    auto seconds = std::chrono::duration<double>(steady::now() - started_);
    gw_.stats.on_response(route_label_, status, seconds.count());
    phase_ = phase::writing;
    arm(gw_.settings.body_timeout);
    http::async_write(socket_, res_,
                      [self = shared_from_this()](beast::error_code ec,
                                                  size_t) {
                        self->on_written(ec);
                      });
  }

  void on_written(beast::error_code ec) {
    disarm();
    if (ec || closed_) {
      close();
      return;
    }
    if (!res_.keep_alive()) {
      linger();
      return;
    }
    route_kind_ = http_route_kind::reject;
    route_label_ = "other";
    keep_alive_ = false;
    service_.clear();
    if (buffer_.size() > 0)
      read_header(); // the client sent the next request already
    else
      wait_idle();
  }

  /// Half-closes and reads what the client still sends (for at most a
  /// second, 1 MiB), so that closing does not reset the connection before
  /// the client has read the answer.
  void linger() {
    phase_ = phase::lingering;
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    arm(std::min<caf::timespan>(gw_.settings.body_timeout,
                                std::chrono::seconds(1)));
    drain();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec,
                                                        size_t n) {
                              self->drained_ += n;
                              if (ec || self->closed_
                                  || self->drained_ > (1u << 20)) {
                                self->close();
                                return;
                              }
                              self->drain();
                            });
  }

  http_gateway::impl& gw_;
  tcp::socket socket_;
  bool refuse_;
  uint64_t id_ = 0;
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<detail::http_request_parser> parser_;
  http::response<http::string_body> res_;
  phase phase_ = phase::header;
  /// Steady clock in ns when the current phase times out; 0: none.
  std::atomic<int64_t> deadline_{0};
  std::atomic<uint64_t> timer_gen_{0};
  bool timed_out_ = false;
  bool closed_ = false;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  http_route_kind route_kind_ = http_route_kind::reject;
  const char* route_label_ = "other";
  std::string service_;
  /// The pending table's id of the request in flight; 0: none.
  uint64_t pending_id_ = 0;
  steady::time_point started_;
  std::array<char, 4096> drain_;
  size_t drained_ = 0;
};

} // namespace

// -- accepting and stopping ---------------------------------------------------

void http_gateway::impl::do_accept() {
  acceptor->async_accept(
    asio::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open())
          return;
        // E.g. out of file descriptors: try again a little later.
        log->warn("http gateway: accept failed: {}", ec.message());
        accept_retry->expires_after(std::chrono::milliseconds(50));
        accept_retry->async_wait([this](beast::error_code ec) {
          if (!ec && acceptor->is_open())
            do_accept();
        });
        return;
      }
      auto full = stats.open() >= settings.max_connections;
      auto conn = std::make_shared<connection>(*this, std::move(socket), full);
      {
        // Refused ones too: the sweeper bounds their lingering close.
        std::lock_guard<std::mutex> guard{conns_mtx};
        auto id = next_conn++;
        conn->set_id(id);
        conns.emplace(id, conn);
      }
      asio::post(conn->executor(), [conn] { conn->start(); });
      do_accept();
    });
}

void http_gateway::impl::sweep() {
  sweep_timer->expires_after(sweep_tick);
  sweep_timer->async_wait([this](beast::error_code ec) {
    if (ec || !acceptor->is_open())
      return;
    std::vector<std::shared_ptr<connection>> live;
    {
      std::lock_guard<std::mutex> guard{conns_mtx};
      live.reserve(conns.size());
      for (auto& [id, weak] : conns)
        if (auto conn = weak.lock())
          live.push_back(std::move(conn));
    }
    auto now = now_ns();
    for (auto& conn : live)
      conn->check_deadline(now);
    live.clear(); // unlocked: a connection may end here
    sweep();
  });
}

void http_gateway::impl::stop() {
  std::lock_guard<std::mutex> stop_guard{stop_mtx};
  if (stopped)
    return;
  stopped = true;
  if (ioc) {
    asio::post(acceptor->get_executor(), [this] {
      beast::error_code ignored;
      acceptor->close(ignored);
      accept_retry->cancel();
      sweep_timer->cancel();
    });
    std::vector<std::shared_ptr<connection>> open;
    {
      std::lock_guard<std::mutex> guard{conns_mtx};
      for (auto& [id, weak] : conns)
        if (auto conn = weak.lock())
          open.push_back(std::move(conn));
    }
    for (auto& conn : open)
      asio::post(conn->executor(), [conn] { conn->close(); });
    open.clear();
    // Closing posts handlers that end at once; stop() ends run() in every
    // io thread after its current handler, whatever is left.
    ioc->stop();
    for (auto& t : threads)
      if (t.joinable())
        t.join();
    threads.clear();
  }
  // No io thread runs: drop the callbacks (and the connections they hold),
  // then the sockets, then the io context with its queued handlers.
  pending->close();
  acceptor.reset();
  accept_retry.reset();
  sweep_timer.reset();
  ioc.reset();
  if (bridge_actor) {
    caf::anon_send_exit(bridge_actor, caf::exit_reason::user_shutdown);
    bridge_actor = nullptr;
    bridge_ptr = nullptr;
  }
  log->debug("http gateway: stopped");
}

// -- http_gateway -------------------------------------------------------------

http_gateway::http_gateway(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

http_gateway::~http_gateway() {
  stop();
}

caf::expected<std::unique_ptr<http_gateway>>
http_gateway::start(caf::actor_system& sys, http_gateway_settings settings,
                    http_services services) {
  if (auto err = settings.validate())
    return err;
  for (auto& [name, actor] : services.api)
    if (!valid_service_name(name))
      return make_error(errc::invalid_argument,
                        "http gateway: invalid service name '" + name
                          + "' (1-64 of [A-Za-z0-9_.-])");
  auto st = std::make_unique<impl>(sys, std::move(settings));
  auto& cfg = st->settings;
  st->metrics_actor = services.metrics;
  st->health_actor = services.health;
  for (auto& [name, actor] : services.api)
    if (actor)
      st->services.emplace(name, std::move(actor));
  if (cfg.rate_limit > 0)
    st->limiter.emplace(cfg.rate_limit, cfg.rate_burst);
  st->ioc.emplace(static_cast<int>(cfg.io_threads));
  try {
    auto address = asio::ip::make_address(cfg.address);
    tcp::endpoint endpoint{address, cfg.port};
    st->acceptor.emplace(asio::make_strand(*st->ioc));
    st->acceptor->open(endpoint.protocol());
    st->acceptor->set_option(asio::socket_base::reuse_address(true));
    st->acceptor->bind(endpoint);
    st->acceptor->listen(asio::socket_base::max_listen_connections);
    st->port = st->acceptor->local_endpoint().port();
    st->accept_retry.emplace(st->acceptor->get_executor());
    st->sweep_timer.emplace(st->acceptor->get_executor());
  } catch (const boost::system::system_error& e) {
    return make_error(errc::start_failed,
                      "http gateway: cannot listen on " + cfg.address + ":"
                        + std::to_string(cfg.port) + ": " + e.what());
  }
  st->bridge_actor = sys.spawn<http_bridge>(st->pending);
  st->bridge_ptr = caf::actor_cast<caf::strong_actor_ptr>(st->bridge_actor);
  // A tenth of the shortest socket timeout, within 10..100 ms: a timeout
  // fires at most that late.
  auto shortest = std::min({cfg.header_timeout, cfg.body_timeout,
                            cfg.idle_timeout, cfg.request_timeout});
  st->sweep_tick = std::clamp<steady::duration>(
    std::chrono::duration_cast<steady::duration>(shortest / 10),
    std::chrono::milliseconds(10), std::chrono::milliseconds(100));
  st->do_accept();
  st->sweep();
  auto* ioc = &*st->ioc;
  auto log = st->log;
  for (uint32_t i = 0; i < cfg.io_threads; ++i)
    st->threads.emplace_back([ioc, log] {
      // A handler that throws must not end the thread (nor the process).
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          log->error("http gateway: a handler threw: {}", e.what());
        } catch (...) {
          log->error("http gateway: a handler threw");
        }
      }
    });
  st->log->info("http gateway: listening on {}:{} ({} io thread(s))",
                cfg.address, st->port, cfg.io_threads);
  return std::unique_ptr<http_gateway>{new http_gateway(std::move(st))};
}

uint16_t http_gateway::port() const {
  return impl_->port;
}

caf::error http_gateway::set_service(const std::string& name,
                                     caf::actor actor) {
  if (!valid_service_name(name))
    return make_error(errc::invalid_argument,
                      "http gateway: invalid service name '" + name
                        + "' (1-64 of [A-Za-z0-9_.-])");
  std::unique_lock<std::shared_mutex> guard{impl_->services_mtx};
  if (actor)
    impl_->services[name] = std::move(actor);
  else
    impl_->services.erase(name);
  return caf::none;
}

std::string http_gateway::own_metrics() const {
  return impl_->stats.render();
}

void http_gateway::stop() {
  impl_->stop();
}

caf::expected<std::unique_ptr<http_gateway>>
start_http_gateway(caf::actor_system& sys, http_gateway_settings settings,
                   http_services services) {
  return http_gateway::start(sys, std::move(settings), std::move(services));
}

} // namespace remedy
