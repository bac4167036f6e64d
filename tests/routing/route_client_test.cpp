// A route's control requests from the client's side, on a real scheduler:
// the typed functions in both forms (blocking and inside an actor), and what
// an untyped client sees. The breaker and bulkhead control requests answer
// an empty message: a handler without arguments matches it, the typed
// functions give `caf::expected<void>` or a `.then([] {})`.

#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "remedy/core/error.hpp"
#include "remedy/routing/route_actor.hpp"
#include "remedy/routing/route_builder.hpp"
#include "remedy/runtime/config.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

static_assert(accepts<route_actor, breaker_open_atom>);
static_assert(accepts<route_actor, breaker_half_open_atom>);
static_assert(accepts<route_actor, breaker_close_atom>);
static_assert(accepts<route_actor, bulkhead_max_wait_atom, caf::timespan>);
static_assert(
  accepts<route_actor, bulkhead_max_wait_atom, std::string, caf::timespan>);
static_assert(!accepts<route_actor, bulkhead_max_wait_atom, uint32_t>);

struct client_fixture {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::vector<caf::actor> spawned;

  caf::actor keep(caf::actor x) {
    spawned.push_back(x);
    return x;
  }

  caf::actor echo_route() {
    auto echo = keep(
      sys.spawn([] { return caf::behavior{[](int x) { return x; }}; }));
    circuit_breaker_settings breaker;
    breaker.open_duration = 1h;
    bulkhead_settings pool;
    pool.name = "main";
    pool.max_concurrent = 2;
    auto r = route_builder("echo").breaker(breaker).bulkhead(pool).to(sys,
                                                                        echo);
    REQUIRE(r);
    return keep(*r);
  }

  breaker_state state_of(const caf::actor& r) {
    auto st = route_stats_of(self, r);
    REQUIRE(st);
    return st->state;
  }

  ~client_fixture() {
    for (auto& x : spawned)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  }
};

} // namespace

TEST_CASE_METHOD(client_fixture,
                 "control replies: an untyped client's handler without "
                 "arguments matches, a caf::unit_t handler does not",
                 "[routing][client]") {
  auto r = echo_route();
  // As docs/routing.md says: the reply is empty.
  bool empty = false;
  self->request(r, 1s, breaker_reset_atom::value)
    .receive([&] { empty = true; }, [&](caf::error&) {});
  CHECK(empty);
  // The same request with a unit handler: it does not match the empty
  // reply, and the client gets CAF's unexpected_response instead.
  bool unit = false;
  caf::error mismatch;
  self->request(r, 1s, breaker_reset_atom::value)
    .receive([&](caf::unit_t) { unit = true; },
             [&](caf::error& e) { mismatch = e; });
  CHECK_FALSE(unit);
  CHECK(mismatch == caf::sec::unexpected_response);
}

TEST_CASE_METHOD(client_fixture,
                 "transitionToOpenState, transitionToHalfOpenState, "
                 "transitionToClosedState through the typed face, blocking",
                 "[routing][client][manual]") {
  auto r = echo_route();
  CHECK(open_breaker(self, r));
  CHECK(state_of(r) == breaker_state::open);
  caf::error refused;
  self->request(r, 1s, 1).receive([](int) {},
                                  [&](caf::error& e) { refused = e; });
  CHECK(is(refused, errc::breaker_open));
  CHECK(half_open_breaker(self, r));
  CHECK(state_of(r) == breaker_state::half_open);
  CHECK(close_breaker(self, r));
  CHECK(state_of(r) == breaker_state::closed);
  CHECK(set_bulkhead_max_wait(self, r, 50ms));
  CHECK(set_bulkhead_max_wait(self, r, "main", 60ms));
  auto bad = set_bulkhead_max_wait(self, r, caf::timespan{0});
  REQUIRE(!bad);
  CHECK(is(bad.error(), errc::invalid_argument));
  auto unknown = set_bulkhead_max_wait(self, r, "nope", 60ms);
  REQUIRE(!unknown);
  CHECK(is(unknown.error(), errc::invalid_argument));
  auto plain = route_builder("plain").to(sys, r);
  REQUIRE(plain);
  keep(*plain);
  // A route in front of a route: the inner one's control atoms are reserved
  // by the outer one, which has neither stage.
  auto no_breaker = open_breaker(self, *plain);
  REQUIRE(!no_breaker);
  CHECK(is(no_breaker.error(), errc::not_supported));
  auto no_pool = set_bulkhead_max_wait(self, *plain, 1s);
  REQUIRE(!no_pool);
  CHECK(is(no_pool.error(), errc::not_supported));
}

TEST_CASE_METHOD(client_fixture,
                 "Polly Isolate/Close: the typed face inside an actor, with "
                 "handlers without arguments",
                 "[routing][client][manual]") {
  auto r = echo_route();
  // The client actor reports each answered step to the test's own actor,
  // which waits for them with a bounded receive.
  caf::actor test = self;
  sys.spawn([r, test](caf::event_based_actor* a) {
    auto step = [a, test](int n) { a->send(test, n); };
    open_breaker(a, r).then([=] {
      step(1);
      half_open_breaker(a, r).then([=] {
        step(2);
        close_breaker(a, r).then([=] {
          step(3);
          set_bulkhead_max_wait(a, r, 10ms).then([=] { step(4); });
        });
      });
    });
  });
  std::vector<int> steps;
  for (int i = 0; i < 4; ++i)
    self->receive([&](int n) { steps.push_back(n); },
                  caf::after(5s) >> [&] { steps.push_back(-1); });
  CHECK(steps == std::vector<int>{1, 2, 3, 4});
}
