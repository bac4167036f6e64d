// Message types one side has not registered, over real TCP on 127.0.0.1.
// CAF 0.17 delivers a message holding a type that the sender or the
// receiver has not registered as an *empty* message (the sender's CAF
// prints "cannot serialize message because a type was not added to the
// types list"); a request so mangled is answered at once, not left to time
// out. Remedy's cluster agents compare their registered type lists first
// (cluster_hello_atom) and refuse a peer that differs, naming the types.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/int_list.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "remedy/classification/type_ids.hpp"
#include "remedy/core/error.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/healing/type_ids.hpp"
#include "remedy/routing/type_ids.hpp"
#include "remedy/runtime/api_request.hpp"
#include "remedy/runtime/api_response.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/cluster_event.hpp"
#include "remedy/runtime/cluster_member.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/runtime/election.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/healing_offer.hpp"
#include "remedy/runtime/node_event.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "remedy/runtime/wire_types.hpp"
#include "remedy/scheduling/type_ids.hpp"
#include "remedy/strategies/type_ids.hpp"
#include "remedy/supervision/type_ids.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using clock_type = std::chrono::steady_clock;

/// A plain CAF program: the middleman, none of Remedy's types.
struct bare_config : caf::actor_system_config {
  bare_config() {
    load<caf::io::middleman>();
  }
};

/// Registers the runtime block's types except the one with ID `Skip`.
template <caf::type_id_t Skip>
void add_runtime_except(caf::actor_system_config&, caf::detail::int_list<>) {
  // End of recursion.
}

template <caf::type_id_t Skip, long I, long... Is>
void add_runtime_except(caf::actor_system_config& cfg,
                        caf::detail::int_list<I, Is...>) {
  if constexpr (I != Skip)
    cfg.add_message_type<typename caf::type_by_id<I>::type>(
      caf::type_name_by_id<I>::value);
  add_runtime_except<Skip>(cfg, caf::detail::int_list<Is...>{});
}

/// Remedy's types but one: `remedy::vote_request` (as a node built from
/// another version might lack one).
struct lacking_config : caf::actor_system_config {
  lacking_config() {
    load<caf::io::middleman>();
    add_core_types(*this);
    add_supervision_types(*this);
    add_routing_types(*this);
    add_detection_types(*this);
    add_classification_types(*this);
    add_scheduling_types(*this);
    add_strategies_types(*this);
    add_healing_types(*this);
    using block = caf::id_block::remedy_runtime;
    add_runtime_except<caf::type_id<vote_request>::value>(
      *this, typename caf::detail::il_range<block::begin, block::end>::type{});
  }
};

struct full_config : remedy::config {
  full_config() {
    load<caf::io::middleman>();
  }
};

/// The context text of an error, whatever its category.
std::string text_of(const caf::error& err) {
  return caf::to_string(err.context());
}

std::vector<cluster_member> members(caf::actor_system& sys,
                                    const caf::actor& agent) {
  caf::scoped_actor self{sys};
  std::vector<cluster_member> result;
  self->request(agent, 1s, cluster_members_atom::value)
    .receive([&](std::vector<cluster_member>& xs) { result = std::move(xs); },
             [](caf::error&) {});
  return result;
}

} // namespace

TEST_CASE("remedy::config registers every Remedy type; a plain config none",
          "[wire][cluster]") {
  auto all = remedy_type_names();
  CHECK(all.size() > 20);
  CHECK(std::find(all.begin(), all.end(), "remedy::vote_request")
        != all.end());
  full_config fc;
  caf::actor_system full{fc};
  CHECK(registered_remedy_types(full) == all);
  bare_config bc;
  caf::actor_system bare{bc};
  CHECK(registered_remedy_types(bare).empty());
  lacking_config lc;
  caf::actor_system partial{lc};
  CHECK(lacking(all, registered_remedy_types(partial))
        == "remedy::vote_request");
}

TEST_CASE("a plain CAF program talking to a node agent gets clear errors at "
          "once, never a timeout",
          "[wire][cluster]") {
  full_config fc;
  caf::actor_system node{fc};
  cluster_settings s;
  s.name = "a";
  auto agent = spawn_cluster_agent(node, s);
  REQUIRE(agent);
  bare_config bc;
  caf::actor_system bare{bc};
  auto h = bare.middleman().remote_actor("127.0.0.1", agent->second);
  REQUIRE(h);
  caf::scoped_actor self{bare};

  SECTION("the hello names every type the program lacks") {
    auto t0 = clock_type::now();
    caf::error err;
    self
      ->request(*h, 5s, cluster_hello_atom::value, std::vector<std::string>{})
      .receive([](std::vector<std::string>&) {},
               [&](caf::error& e) { err = std::move(e); });
    auto took = clock_type::now() - t0;
    INFO(text_of(err));
    REQUIRE(err);
    CHECK(err.category() == caf::atom("remedy"));
    CHECK(took < 1s);
    CHECK(text_of(err).find("incompatible message types") != std::string::npos);
    CHECK(text_of(err).find("the peer lacks remedy::sample, ")
          != std::string::npos);
    CHECK(text_of(err).find("remedy::cluster_member") != std::string::npos);
  }

  SECTION("a message with a type the program has not registered arrives "
          "empty and is refused as such") {
    // The agent's join request, from a sender that cannot serialize
    // cluster_member: CAF sends an empty message instead.
    using join_atom = caf::atom_constant<caf::atom("r_cljoin")>;
    auto t0 = clock_type::now();
    caf::error err;
    self->request(*h, 5s, join_atom::value, cluster_member{})
      .receive([](caf::message&) {},
               [&](caf::error& e) { err = std::move(e); });
    auto took = clock_type::now() - t0;
    INFO(text_of(err));
    REQUIRE(err);
    CHECK(took < 1s);
    CHECK(text_of(err).find("an empty message") != std::string::npos);
  }

  SECTION("an answer with a type the program has not registered arrives "
          "empty: the request fails at once") {
    auto t0 = clock_type::now();
    caf::error err;
    self->request(*h, 5s, cluster_members_atom::value)
      .receive([](caf::message&) {},
               [&](caf::error& e) { err = std::move(e); });
    auto took = clock_type::now() - t0;
    INFO(bare.render(err));
    REQUIRE(err);
    CHECK(took < 1s);
    CHECK(err == caf::sec::unexpected_response);
  }
  caf::anon_send_exit(agent->first, caf::exit_reason::user_shutdown);
}

TEST_CASE("a node lacking one message type is refused by the cluster with "
          "an error naming the type; the two never join",
          "[wire][cluster]") {
  full_config fc;
  caf::actor_system full{fc};
  cluster_settings sa;
  sa.name = "a";
  auto a = spawn_cluster_agent(full, sa);
  REQUIRE(a);
  lacking_config lc;
  caf::actor_system partial{lc};
  cluster_settings sb;
  sb.name = "b";
  sb.seeds.emplace_back("127.0.0.1", a->second);
  auto b = spawn_cluster_agent(partial, sb);
  REQUIRE(b);

  // What b's agent asks first, asked from b's system by hand.
  auto h = partial.middleman().remote_actor("127.0.0.1", a->second);
  REQUIRE(h);
  caf::scoped_actor self{partial};
  auto t0 = clock_type::now();
  caf::error err;
  self
    ->request(*h, 5s, cluster_hello_atom::value,
              registered_remedy_types(partial))
    .receive([](std::vector<std::string>&) {},
             [&](caf::error& e) { err = std::move(e); });
  auto took = clock_type::now() - t0;
  INFO(text_of(err));
  REQUIRE(err);
  CHECK(is(err, errc::not_supported));
  CHECK(took < 1s);
  CHECK(context_of(err).find("the peer lacks remedy::vote_request")
        != std::string::npos);
  // And the other way round: a asks b.
  caf::scoped_actor self_a{full};
  auto hb = full.middleman().remote_actor("127.0.0.1", b->second);
  REQUIRE(hb);
  caf::error err_b;
  self_a
    ->request(*hb, 5s, cluster_hello_atom::value, registered_remedy_types(full))
    .receive([](std::vector<std::string>&) {},
             [&](caf::error& e) { err_b = std::move(e); });
  INFO(text_of(err_b));
  CHECK(context_of(err_b).find("this node lacks remedy::vote_request")
        != std::string::npos);

  // b's agent keeps trying its seed and is refused each time: after 1.5 s
  // (many tries at a 100 ms backoff start) neither lists the other.
  std::this_thread::sleep_for(1500ms);
  CHECK(members(full, a->first).size() == 1);
  CHECK(members(partial, b->first).size() == 1);
  caf::anon_send_exit(a->first, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b->first, caf::exit_reason::user_shutdown);
}

TEST_CASE("two nodes with the same types pass the hello and join",
          "[wire][cluster]") {
  full_config fa;
  caf::actor_system sys_a{fa};
  cluster_settings sa;
  sa.name = "a";
  auto a = spawn_cluster_agent(sys_a, sa);
  REQUIRE(a);
  full_config fb;
  caf::actor_system sys_b{fb};
  cluster_settings sb;
  sb.name = "b";
  sb.seeds.emplace_back("127.0.0.1", a->second);
  auto b = spawn_cluster_agent(sys_b, sb);
  REQUIRE(b);
  auto until = clock_type::now() + 5s;
  while (members(sys_a, a->first).size() < 2 && clock_type::now() < until)
    std::this_thread::sleep_for(20ms);
  CHECK(members(sys_a, a->first).size() == 2);
  CHECK(members(sys_b, b->first).size() == 2);
  caf::anon_send_exit(a->first, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b->first, caf::exit_reason::user_shutdown);
}
