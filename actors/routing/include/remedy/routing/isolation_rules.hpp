#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

namespace remedy {

/// Sends the requests of one client, of one message type, or of one client
/// with one message type to a bulkhead pool. An empty criterion matches
/// anything; both empty would match everything and is invalid (that is the
/// default pool's job).
struct isolation_rule {
  /// The client id to match exactly (case-sensitive), or empty for any
  /// client. The owner names clients, e.g. by the name they register with.
  std::string client;
  /// The message type name to match exactly (case-sensitive), or empty for
  /// any type. The owner names types, e.g. by CAF's portable type name or
  /// the leading atom of the message.
  std::string message_type;
  /// The pool that receives matching requests.
  std::string pool;

  /// A rule for every request of `client`.
  static isolation_rule for_client(std::string client, std::string pool) {
    return {std::move(client), std::string{}, std::move(pool)};
  }

  /// A rule for every request of type `message_type`.
  static isolation_rule for_message_type(std::string message_type,
                                         std::string pool) {
    return {std::string{}, std::move(message_type), std::move(pool)};
  }

  /// A rule for requests of type `message_type` from `client`.
  static isolation_rule for_client_and_type(std::string client,
                                            std::string message_type,
                                            std::string pool) {
    return {std::move(client), std::move(message_type), std::move(pool)};
  }

  /// Whether a request of `message_type` from `client` matches.
  bool matches(std::string_view client_id,
               std::string_view message_type_name) const {
    return (client.empty() || client == client_id)
           && (message_type.empty() || message_type == message_type_name);
  }

  friend bool operator==(const isolation_rule& x, const isolation_rule& y) {
    return x.client == y.client && x.message_type == y.message_type
           && x.pool == y.pool;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, isolation_rule& x) {
  return f(caf::meta::type_name("remedy.isolation_rule"), x.client,
           x.message_type, x.pool);
}

/// Which bulkhead pool a request goes to, as a value: an ordered list of
/// rules and a default pool. The first rule that matches (see
/// `isolation_rule::matches`) wins; a request no rule matches goes to
/// `default_pool`. List specific rules (client and type) before general
/// ones: `validate` rejects a rule that an earlier one makes unreachable.
///
///     isolation_rules r{"default", {
///       isolation_rule::for_client_and_type("batch", "report", "slow"),
///       isolation_rule::for_client("batch", "batch"),
///       isolation_rule::for_message_type("report", "slow"),
///     }};
///     r.pool_for("batch", "report");  // "slow"  (rule 0)
///     r.pool_for("batch", "get");     // "batch" (rule 1)
///     r.pool_for("web", "report");    // "slow"  (rule 2)
///     r.pool_for("web", "get");       // "default"
struct isolation_rules {
  /// The pool of requests that no rule matches.
  std::string default_pool = "default";
  /// Tried in order; the first match wins.
  std::vector<isolation_rule> rules;

  /// The index in `rules` of the first rule matching a request of
  /// `message_type` from `client`, if any.
  std::optional<size_t> match(std::string_view client,
                              std::string_view message_type) const;

  /// The pool for a request of `message_type` from `client`: the first
  /// matching rule's, or `default_pool`.
  const std::string& pool_for(std::string_view client,
                              std::string_view message_type) const;

  /// Returns an error naming the rule (by index) and the problem, or none:
  /// `default_pool` and every rule's pool must be non-empty and among
  /// `pools`; a rule needs a client or a message type; and no rule may be
  /// unreachable because an earlier rule matches everything it matches.
  caf::error validate(const std::vector<std::string>& pools) const;

  friend bool operator==(const isolation_rules& x, const isolation_rules& y) {
    return x.default_pool == y.default_pool && x.rules == y.rules;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, isolation_rules& x) {
  return f(caf::meta::type_name("remedy.isolation_rules"), x.default_pool,
           x.rules);
}

} // namespace remedy
