#include "remedy/runtime/etcd_client.hpp"

#include <chrono>
#include <memory>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "remedy/core/error.hpp"

namespace remedy {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

constexpr char b64_chars[]
  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) {
    return static_cast<uint32_t>(static_cast<unsigned char>(in[k]));
  };
  for (; i + 2 < in.size(); i += 3) {
    auto n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += b64_chars[(n >> 18) & 63];
    out += b64_chars[(n >> 12) & 63];
    out += b64_chars[(n >> 6) & 63];
    out += b64_chars[n & 63];
  }
  if (i + 1 == in.size()) {
    auto n = byte(i) << 16;
    out += b64_chars[(n >> 18) & 63];
    out += b64_chars[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    auto n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += b64_chars[(n >> 18) & 63];
    out += b64_chars[(n >> 12) & 63];
    out += b64_chars[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> unbase64(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=')
      break;
    else
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

/// An int64 the gateway writes as a string (or, leniently, a number);
/// absent means 0 (the gateway leaves zero values out).
int64_t int_of(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (v == nullptr)
    return 0;
  if (v->is_string()) {
    try {
      return std::stoll(std::string{v->get_string()});
    } catch (...) {
      return 0;
    }
  }
  if (v->is_int64())
    return v->get_int64();
  if (v->is_uint64())
    return static_cast<int64_t>(v->get_uint64());
  return 0;
}

std::string string_of(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string())
    return {};
  return std::string{v->get_string()};
}

etcd_kv kv_of(const json::object& o) {
  etcd_kv kv;
  kv.key = unbase64(string_of(o, "key")).value_or("");
  kv.value = unbase64(string_of(o, "value")).value_or("");
  kv.create_revision = int_of(o, "create_revision");
  kv.mod_revision = int_of(o, "mod_revision");
  kv.lease = int_of(o, "lease");
  return kv;
}

/// The first kv of a range answer, if any.
std::optional<etcd_kv> first_kv(const json::object& range) {
  auto* kvs = range.if_contains("kvs");
  if (kvs == nullptr || !kvs->is_array() || kvs->get_array().empty()
      || !kvs->get_array()[0].is_object())
    return std::nullopt;
  return kv_of(kvs->get_array()[0].get_object());
}

int64_t ttl_seconds(caf::timespan ttl) {
  auto s = std::chrono::ceil<std::chrono::seconds>(ttl).count();
  return s < 1 ? 1 : s;
}

} // namespace

std::string to_string(const etcd_endpoint& x) {
  return x.host + ":" + std::to_string(x.port);
}

etcd_client::etcd_client(std::vector<etcd_endpoint> endpoints,
                         caf::timespan timeout)
  : endpoints_(std::move(endpoints)), timeout_(timeout) {
  if (endpoints_.empty())
    endpoints_.push_back(etcd_endpoint{"127.0.0.1", 2379});
}

caf::expected<std::string> etcd_client::post(const std::string& path,
                                             const std::string& body) {
  auto ep = endpoints_[current_];
  auto where = "etcd " + to_string(ep) + " " + path;
  asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  http::request<http::string_body> req{http::verb::post, path, 11};
  req.set(http::field::host, to_string(ep));
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::response<http::string_body> res;
  beast::error_code failure;
  const char* stage = "resolve";
  bool done = false;
  auto fail = [&](const char* what, beast::error_code ec) {
    stage = what;
    failure = ec;
    done = true;
  };
  stream.expires_after(timeout_);
  resolver.async_resolve(
    ep.host, std::to_string(ep.port),
    [&](beast::error_code ec, tcp::resolver::results_type results) {
      if (ec)
        return fail("resolve", ec);
      stage = "connect";
      stream.async_connect(results, [&](beast::error_code ec,
                                        const tcp::endpoint&) {
        if (ec)
          return fail("connect", ec);
        stage = "write";
        http::async_write(stream, req, [&](beast::error_code ec, size_t) {
          if (ec)
            return fail("write", ec);
          stage = "read";
          http::async_read(stream, buffer, res,
                           [&](beast::error_code ec, size_t) {
                             if (ec)
                               return fail("read", ec);
                             done = true;
                           });
        });
      });
    });
  // The stream's timer bounds connect, write and read; this bounds the
  // resolve too.
  ioc.run_for(timeout_ + std::chrono::milliseconds(50));
  if (!ioc.stopped()) {
    resolver.cancel();
    beast::error_code ignored;
    stream.socket().close(ignored);
    ioc.run_for(std::chrono::milliseconds(100));
    if (!done) {
      done = true;
      failure = beast::error::timeout;
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.socket().close(ignored);
  if (failure || !done) {
    // The next call tries the next endpoint.
    current_ = (current_ + 1) % endpoints_.size();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout_)
                .count();
    if (failure == beast::error::timeout
        || failure == asio::error::operation_aborted)
      return make_error(errc::timeout, where + ": no answer within "
                                         + std::to_string(ms) + " ms ("
                                         + stage + ")");
    return make_error(errc::target_down,
                      where + ": " + stage + " failed: " + failure.message());
  }
  if (res.result() != http::status::ok) {
    std::string message = res.body();
    json::error_code ec;
    auto v = json::parse(res.body(), ec);
    if (!ec && v.is_object()) {
      auto m = string_of(v.get_object(), "message");
      if (m.empty())
        m = string_of(v.get_object(), "error");
      if (!m.empty())
        message = m + " (code " + std::to_string(int_of(v.get_object(), "code"))
                  + ")";
    }
    return make_error(errc::target_down,
                      where + ": HTTP " + std::to_string(res.result_int())
                        + ": " + message);
  }
  return std::move(res.body());
}

namespace {

/// POSTs and parses: the answer as a JSON object, or an error naming the
/// call (an object with "error" is etcd's error even under HTTP 200, as the
/// streaming keepalive answers it).
caf::expected<json::object> call(etcd_client& c, const std::string& path,
                                 const json::object& body) {
  auto where = "etcd " + to_string(c.endpoint()) + " " + path;
  auto text = c.post(path, json::serialize(body));
  if (!text)
    return std::move(text.error());
  json::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object())
    return make_error(errc::target_down,
                      where + ": not a JSON object: " + text->substr(0, 200));
  auto& o = v.get_object();
  if (o.contains("error")) {
    auto m = string_of(o, "message");
    if (m.empty())
      m = string_of(o, "error");
    if (m.empty())
      m = json::serialize(o.at("error"));
    return make_error(errc::target_down, where + ": " + m);
  }
  return std::move(o);
}

} // namespace

caf::expected<etcd_lease_grant> etcd_client::grant(caf::timespan ttl) {
  json::object body;
  body["TTL"] = std::to_string(ttl_seconds(ttl));
  auto o = call(*this, "/v3/lease/grant", body);
  if (!o)
    return std::move(o.error());
  etcd_lease_grant result;
  result.id = int_of(*o, "ID");
  result.ttl = std::chrono::seconds(int_of(*o, "TTL"));
  if (result.id == 0)
    return make_error(errc::target_down, "etcd " + to_string(endpoint())
                                           + " /v3/lease/grant: no lease ID "
                                             "in the answer");
  return result;
}

caf::expected<caf::timespan> etcd_client::keep_alive(int64_t lease) {
  json::object body;
  body["ID"] = std::to_string(lease);
  auto o = call(*this, "/v3/lease/keepalive", body);
  if (!o)
    return std::move(o.error());
  // A stream of {"result": {...}}; one request, one result.
  auto* r = o->if_contains("result");
  if (r == nullptr || !r->is_object())
    return make_error(errc::target_down, "etcd " + to_string(endpoint())
                                           + " /v3/lease/keepalive: no "
                                             "result in the answer");
  return caf::timespan{std::chrono::seconds(int_of(r->get_object(), "TTL"))};
}

caf::error etcd_client::revoke(int64_t lease) {
  json::object body;
  body["ID"] = std::to_string(lease);
  auto o = call(*this, "/v3/lease/revoke", body);
  if (!o && context_of(o.error()).find("lease not found") != std::string::npos)
    return {};
  return o ? caf::error{} : std::move(o.error());
}

caf::expected<etcd_create_result>
etcd_client::create_if_absent(const std::string& key, const std::string& value,
                              int64_t lease) {
  auto k = base64(key);
  json::object cmp;
  cmp["key"] = k;
  cmp["target"] = "CREATE";
  cmp["result"] = "EQUAL";
  cmp["create_revision"] = "0";
  json::object put;
  put["key"] = k;
  put["value"] = base64(value);
  if (lease != 0)
    put["lease"] = std::to_string(lease);
  json::object range;
  range["key"] = k;
  json::object body;
  body["compare"] = json::array{cmp};
  body["success"] = json::array{json::object{{"request_put", put}}};
  body["failure"] = json::array{json::object{{"request_range", range}}};
  auto o = call(*this, "/v3/kv/txn", body);
  if (!o)
    return std::move(o.error());
  etcd_create_result result;
  auto* succeeded = o->if_contains("succeeded");
  result.created = succeeded != nullptr && succeeded->is_bool()
                   && succeeded->get_bool();
  if (result.created) {
    etcd_kv kv;
    kv.key = key;
    kv.value = value;
    kv.lease = lease;
    if (auto* h = o->if_contains("header"); h && h->is_object())
      kv.create_revision = kv.mod_revision = int_of(h->get_object(),
                                                    "revision");
    result.kv = std::move(kv);
    return result;
  }
  auto* rs = o->if_contains("responses");
  if (rs != nullptr && rs->is_array() && !rs->get_array().empty()
      && rs->get_array()[0].is_object()) {
    auto* rr = rs->get_array()[0].get_object().if_contains("response_range");
    if (rr != nullptr && rr->is_object())
      result.kv = first_kv(rr->get_object());
  }
  return result;
}

caf::error etcd_client::put(const std::string& key, const std::string& value,
                            int64_t lease) {
  json::object body;
  body["key"] = base64(key);
  body["value"] = base64(value);
  if (lease != 0)
    body["lease"] = std::to_string(lease);
  auto o = call(*this, "/v3/kv/put", body);
  return o ? caf::error{} : std::move(o.error());
}

caf::expected<std::optional<etcd_kv>>
etcd_client::get(const std::string& key) {
  json::object body;
  body["key"] = base64(key);
  auto o = call(*this, "/v3/kv/range", body);
  if (!o)
    return std::move(o.error());
  return first_kv(*o);
}

caf::expected<int64_t> etcd_client::remove(const std::string& key) {
  json::object body;
  body["key"] = base64(key);
  auto o = call(*this, "/v3/kv/deleterange", body);
  if (!o)
    return std::move(o.error());
  return int_of(*o, "deleted");
}

} // namespace remedy
