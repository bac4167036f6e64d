#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// An etcd endpoint: host (a name or an address) and client port.
struct etcd_endpoint {
  std::string host;
  uint16_t port = 2379;
};

/// `host:port`.
std::string to_string(const etcd_endpoint& x);

/// One key of etcd (as the range and txn answers carry it).
struct etcd_kv {
  std::string key;
  std::string value;
  /// The revision that created the key (0: absent); it grows with every new
  /// creation of any key, so it is a fencing token for the key's holder.
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  /// The lease the key is attached to (0: none).
  int64_t lease = 0;
};

/// A granted lease.
struct etcd_lease_grant {
  int64_t id = 0;
  /// The TTL etcd granted (it raises short TTLs to its minimum, 2 s for a
  /// default etcd 3.4).
  caf::timespan ttl{0};
};

/// The answer to "create `key` if absent".
struct etcd_create_result {
  /// Whether this call created the key.
  bool created = false;
  /// The key as it is now: the one created (its create_revision is the
  /// txn's revision) or the one that was there (absent: deleted between).
  std::optional<etcd_kv> kv;
};

/// A small blocking client for etcd v3's JSON gateway (etcd 3.4: `/v3/...`,
/// keys and values base64, int64 as strings) over HTTP/1.1 with
/// Boost.Beast: one connection per call, every call bounded by `timeout`
/// (connect, write and read together). On a transport failure the client
/// moves to the next endpoint for the next call.
///
/// Blocking: call it from a thread of its own (a detached actor), never
/// from CAF's shared scheduler threads. Not thread-safe.
///
/// Errors name the endpoint and the path, and carry etcd's own message:
/// `errc::timeout` when the call did not finish in time, `errc::target_down`
/// when the connection failed or etcd answered an error.
class etcd_client {
public:
  etcd_client(std::vector<etcd_endpoint> endpoints, caf::timespan timeout);

  /// `/v3/lease/grant`: a lease of `ttl` (whole seconds, at least 1).
  caf::expected<etcd_lease_grant> grant(caf::timespan ttl);

  /// `/v3/lease/keepalive` (one round): the TTL the lease has now; zero
  /// when the lease has expired or never existed.
  caf::expected<caf::timespan> keep_alive(int64_t lease);

  /// `/v3/lease/revoke`: ends the lease and deletes its keys. A lease that
  /// is gone already is no error.
  caf::error revoke(int64_t lease);

  /// `/v3/kv/txn`: "if create_revision(key) == 0 then put key=value (with
  /// `lease` unless 0) else range key".
  caf::expected<etcd_create_result>
  create_if_absent(const std::string& key, const std::string& value,
                   int64_t lease);

  /// `/v3/kv/put`.
  caf::error put(const std::string& key, const std::string& value,
                 int64_t lease = 0);

  /// `/v3/kv/range` for one key: the key, or none.
  caf::expected<std::optional<etcd_kv>> get(const std::string& key);

  /// `/v3/kv/deleterange` for one key: how many keys it deleted.
  caf::expected<int64_t> remove(const std::string& key);

  caf::timespan timeout() const {
    return timeout_;
  }

  void timeout(caf::timespan x) {
    timeout_ = x;
  }

  /// The endpoint the next call goes to.
  const etcd_endpoint& endpoint() const {
    return endpoints_[current_];
  }

  /// POSTs the JSON `body` to `path` and returns the answer's JSON text
  /// (for tests and for gateway calls this class does not wrap).
  caf::expected<std::string> post(const std::string& path,
                                  const std::string& body);

private:
  std::vector<etcd_endpoint> endpoints_;
  size_t current_ = 0;
  caf::timespan timeout_;
};

} // namespace remedy
