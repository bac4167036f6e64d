#include "remedy/routing/isolation_rules.hpp"

#include <algorithm>

#include "remedy/core/error.hpp"

namespace remedy {

namespace {

// Renders a rule for error messages, e.g. "client 'batch', type 'report'".
std::string describe(const isolation_rule& x) {
  std::string result;
  if (!x.client.empty())
    result += "client '" + x.client + "'";
  if (!x.message_type.empty()) {
    if (!result.empty())
      result += ", ";
    result += "type '" + x.message_type + "'";
  }
  return result;
}

// Whether `general` matches every request that `specific` matches.
bool covers(const isolation_rule& general, const isolation_rule& specific) {
  return (general.client.empty() || general.client == specific.client)
         && (general.message_type.empty()
             || general.message_type == specific.message_type);
}

std::string join(const std::vector<std::string>& xs) {
  std::string result;
  for (auto& x : xs) {
    if (!result.empty())
      result += ", ";
    result += "'" + x + "'";
  }
  return result.empty() ? "none" : result;
}

} // namespace

std::optional<size_t>
isolation_rules::match(std::string_view client,
                       std::string_view message_type) const {
  for (size_t i = 0; i < rules.size(); ++i)
    if (rules[i].matches(client, message_type))
      return i;
  return std::nullopt;
}

const std::string&
isolation_rules::pool_for(std::string_view client,
                          std::string_view message_type) const {
  if (auto i = match(client, message_type))
    return rules[*i].pool;
  return default_pool;
}

caf::error
isolation_rules::validate(const std::vector<std::string>& pools) const {
  auto fail = [](const std::string& what) {
    return make_error(errc::invalid_argument, "isolation rules: " + what);
  };
  auto known = [&pools](const std::string& pool) {
    return std::find(pools.begin(), pools.end(), pool) != pools.end();
  };
  if (default_pool.empty())
    return fail("empty default_pool");
  if (!known(default_pool))
    return fail("default_pool '" + default_pool
                + "' is not a pool (pools: " + join(pools) + ")");
  for (size_t i = 0; i < rules.size(); ++i) {
    auto& rule = rules[i];
    auto where = "rule " + std::to_string(i);
    if (rule.client.empty() && rule.message_type.empty())
      return fail(where
                  + ": needs a client or a message_type (a rule "
                    "matching everything is the default_pool's job)");
    if (rule.pool.empty())
      return fail(where + " (" + describe(rule) + "): empty pool");
    if (!known(rule.pool))
      return fail(where + " (" + describe(rule) + "): pool '" + rule.pool
                  + "' is not a pool (pools: " + join(pools) + ")");
    for (size_t j = 0; j < i; ++j)
      if (covers(rules[j], rule))
        return fail(where + " (" + describe(rule) + ") is unreachable: rule "
                    + std::to_string(j) + " (" + describe(rules[j])
                    + ") matches everything it matches; list specific "
                      "rules first");
  }
  return caf::none;
}

} // namespace remedy
