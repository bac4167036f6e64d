// isolation_rules as a pure value: which bulkhead pool a request of a given
// client and message type goes to (the first matching rule wins, else the
// default pool), exact and case-sensitive matching, and validate(): unknown
// or empty pool names, rules without a criterion, unreachable rules.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "remedy/routing/isolation_rules.hpp"
#include "remedy/core/error.hpp"
#include "support/settings_checks.hpp"

using namespace remedy;
using namespace remedy::test;

namespace {

// The example of the header's doc comment.
isolation_rules example() {
  return isolation_rules{
    "default",
    {
      isolation_rule::for_client_and_type("batch", "report", "slow"),
      isolation_rule::for_client("batch", "batch"),
      isolation_rule::for_message_type("report", "slow"),
    }};
}

const std::vector<std::string> pools{"default", "batch", "slow"};


} // namespace

TEST_CASE("isolation rules without rules send everything to the default pool",
          "[isolation]") {
  isolation_rules r;
  CHECK(r.default_pool == "default");
  CHECK(r.pool_for("web", "get") == "default");
  CHECK(r.pool_for("", "") == "default");
  CHECK(r.match("web", "get") == std::nullopt);
  CHECK_FALSE(r.validate({"default"}));
}

TEST_CASE("isolation rules: the documented example", "[isolation]") {
  auto r = example();
  REQUIRE_FALSE(r.validate(pools));
  CHECK(r.pool_for("batch", "report") == "slow");
  CHECK(r.match("batch", "report") == 0u);
  CHECK(r.pool_for("batch", "get") == "batch");
  CHECK(r.match("batch", "get") == 1u);
  CHECK(r.pool_for("web", "report") == "slow");
  CHECK(r.match("web", "report") == 2u);
  CHECK(r.pool_for("web", "get") == "default");
  CHECK(r.match("web", "get") == std::nullopt);
}

TEST_CASE("isolation rules: the first matching rule wins", "[isolation]") {
  // Both rules match ("batch", "report"); the order decides.
  isolation_rules a{"default",
                    {isolation_rule::for_client("batch", "batch"),
                     isolation_rule::for_message_type("report", "slow")}};
  isolation_rules b{"default",
                    {isolation_rule::for_message_type("report", "slow"),
                     isolation_rule::for_client("batch", "batch")}};
  REQUIRE_FALSE(a.validate(pools));
  REQUIRE_FALSE(b.validate(pools));
  CHECK(a.pool_for("batch", "report") == "batch");
  CHECK(b.pool_for("batch", "report") == "slow");
  // Where only one matches, the order does not matter.
  CHECK(a.pool_for("batch", "get") == "batch");
  CHECK(b.pool_for("batch", "get") == "batch");
  CHECK(a.pool_for("web", "report") == "slow");
  CHECK(b.pool_for("web", "report") == "slow");
}

TEST_CASE("isolation rules match exactly and case-sensitively", "[isolation]") {
  isolation_rules r{"default",
                    {isolation_rule::for_client("batch", "batch"),
                     isolation_rule::for_message_type("report", "slow")}};
  CHECK(r.pool_for("Batch", "get") == "default");
  CHECK(r.pool_for("batch2", "get") == "default");
  CHECK(r.pool_for("batc", "get") == "default");
  CHECK(r.pool_for("web", "REPORT") == "default");
  CHECK(r.pool_for("web", "reports") == "default");
  CHECK(r.pool_for("web", " report") == "default");
  // A request without a client id matches only rules without a client.
  CHECK(r.pool_for("", "get") == "default");
  CHECK(r.pool_for("", "report") == "slow");
  CHECK(r.pool_for("batch", "") == "batch");
}

TEST_CASE("isolation_rule::matches treats an empty criterion as any",
          "[isolation]") {
  auto both = isolation_rule::for_client_and_type("c", "t", "p");
  CHECK(both.matches("c", "t"));
  CHECK_FALSE(both.matches("c", "u"));
  CHECK_FALSE(both.matches("d", "t"));
  CHECK_FALSE(both.matches("", ""));
  auto client = isolation_rule::for_client("c", "p");
  CHECK(client.client == "c");
  CHECK(client.message_type.empty());
  CHECK(client.pool == "p");
  CHECK(client.matches("c", "anything"));
  CHECK(client.matches("c", ""));
  CHECK_FALSE(client.matches("d", "t"));
  auto type = isolation_rule::for_message_type("t", "p");
  CHECK(type.client.empty());
  CHECK(type.matches("anyone", "t"));
  CHECK(type.matches("", "t"));
  CHECK_FALSE(type.matches("c", "u"));
}

TEST_CASE("isolation rules compare and serialize as values", "[isolation]") {
  auto r = example();
  CHECK(r == example());
  auto other = example();
  other.rules[1].pool = "slow";
  CHECK_FALSE(r == other);
  other = example();
  other.default_pool = "batch";
  CHECK_FALSE(r == other);
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE_FALSE(inspect(sink, r));
  isolation_rules copy;
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE_FALSE(inspect(source, copy));
  CHECK(copy == r);
}

// -- validate -----------------------------------------------------------------

TEST_CASE("isolation rules: specific rules before general ones are valid",
          "[isolation]") {
  isolation_rules r{"default",
                    {isolation_rule::for_client_and_type("a", "x", "slow"),
                     isolation_rule::for_client_and_type("a", "y", "slow"),
                     isolation_rule::for_client_and_type("b", "x", "batch"),
                     isolation_rule::for_client("a", "batch"),
                     isolation_rule::for_client("b", "batch"),
                     isolation_rule::for_message_type("x", "slow"),
                     isolation_rule::for_message_type("y", "default")}};
  CHECK_FALSE(r.validate(pools));
}

TEST_CASE("isolation rules: validate rejects every bad rule, naming it",
          "[isolation]") {
  struct bad_case {
    isolation_rules rules;
    std::vector<std::string> needles;
  };
  using rule = isolation_rule;
  std::vector<bad_case> cases{
    {{"", {}}, {"empty default_pool"}},
    {{"nope", {}},
     {"default_pool 'nope' is not a pool", "'default'", "'batch'", "'slow'"}},
    {{"default", {rule{"", "", "batch"}}},
     {"rule 0", "needs a client or a message_type"}},
    {{"default", {rule::for_client("a", "batch"), rule{"", "", "slow"}}},
     {"rule 1", "needs a client or a message_type"}},
    {{"default", {rule::for_client("a", "")}},
     {"rule 0", "client 'a'", "empty pool"}},
    {{"default",
      {rule::for_client("a", "batch"), rule::for_message_type("x", "fast")}},
     {"rule 1", "type 'x'", "pool 'fast' is not a pool", "'slow'"}},
    {{"default", {rule::for_client_and_type("a", "x", "Batch")}},
     {"rule 0", "client 'a', type 'x'", "pool 'Batch' is not a pool"}},
    // Unreachable rules.
    {{"default",
      {rule::for_client("a", "batch"), rule::for_client("a", "slow")}},
     {"rule 1", "unreachable", "rule 0 (client 'a')"}},
    {{"default",
      {rule::for_client("a", "batch"),
       rule::for_client_and_type("a", "x", "slow")}},
     {"rule 1 (client 'a', type 'x') is unreachable", "rule 0",
      "specific rules first"}},
    {{"default",
      {rule::for_message_type("x", "batch"), rule::for_client("b", "batch"),
       rule::for_client_and_type("a", "x", "slow")}},
     {"rule 2", "unreachable", "rule 0 (type 'x')"}},
    {{"default",
      {rule::for_client_and_type("a", "x", "slow"),
       rule::for_client_and_type("a", "x", "slow")}},
     {"rule 1", "unreachable", "rule 0"}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    auto err = cases[i].rules.validate(pools);
    REQUIRE(err);
    CHECK(is(err, errc::invalid_argument));
    auto text = context_of(err);
    CAPTURE(text);
    CHECK(contains(text, "isolation rules: "));
    for (auto& needle : cases[i].needles)
      CHECK(contains(text, needle));
  }
}

TEST_CASE("isolation rules: validate without any pool rejects the default",
          "[isolation]") {
  auto err = isolation_rules{}.validate({});
  REQUIRE(err);
  CHECK(contains(context_of(err), "(pools: none)"));
}

TEST_CASE("isolation rules: a rule for a client does not shadow a rule for "
          "another client or a type-only rule",
          "[isolation]") {
  isolation_rules r{"default",
                    {isolation_rule::for_client("a", "batch"),
                     isolation_rule::for_client_and_type("b", "x", "slow"),
                     isolation_rule::for_message_type("x", "slow")}};
  CHECK_FALSE(r.validate(pools));
  CHECK(r.pool_for("a", "x") == "batch");
  CHECK(r.pool_for("b", "x") == "slow");
  CHECK(r.match("c", "x") == 2u);
}
