// The typed client API of a supervisor and an endpoint: what the compiler
// accepts, and each request in both call forms (inside an actor under the
// test coordinator; blocking with a scoped_actor on a real scheduler).

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/supervision/endpoint_actor.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "remedy/supervision/supervisor_actor.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

// The compiler checks what a client sends: these are the requests a
// supervisor answers, and near misses it refuses at compile time.
static_assert(accepts<supervisor_actor, start_child_atom, child_spec>);
static_assert(accepts<supervisor_actor, which_children_atom>);
static_assert(!accepts<supervisor_actor, which_children_atom, int>);
static_assert(!accepts<supervisor_actor, terminate_child_atom, int>);
static_assert(accepts<supervisor_actor, terminate_child_atom, caf::actor>);
static_assert(accepts<supervisor_actor, get_childspec_atom, std::string>);
static_assert(!accepts<supervisor_actor, get_childspec_atom>);
static_assert(!accepts<supervisor_actor, endpoint_stats_atom>);
static_assert(accepts<endpoint_actor, endpoint_stats_atom>);

caf::behavior worker(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

supervisor_flags flags_named(std::string name) {
  supervisor_flags f;
  f.name = std::move(name);
  return f;
}

} // namespace

TEST_CASE_METHOD(test::fixture,
                 "typed supervisor requests inside an actor get typed replies",
                 "[supervision][client]") {
  auto sup = track(*spawn_supervisor(
    sys, flags_named("app"), {child_spec::worker("db", start(worker))}));
  run();
  struct seen {
    std::vector<child_info> children;
    child_counts counts;
    std::string started;
    bool terminated = false;
    caf::error unknown;
    caf::actor ep;
    std::string spec_id;
    caf::error by_actor;
  };
  auto out = std::make_shared<seen>();
  auto client = sys.spawn([sup, out](caf::event_based_actor* self) {
    await_started(self, sup).then([=] {
      start_child(self, sup, child_spec::worker("cache", start(worker)))
        .then([=](child_info& info) {
          out->started = info.id;
          terminate_child(self, sup, "cache").then([=] {
            out->terminated = true;
            which_children(self, sup).then(
              [=](std::vector<child_info>& xs) { out->children = xs; });
            count_children(self, sup).then(
              [=](child_counts& c) { out->counts = c; });
            get_endpoint(self, sup, "db").then(
              [=](caf::actor& ep) { out->ep = ep; });
            get_childspec(self, sup, "db").then(
              [=](child_spec& spec) { out->spec_id = spec.id; });
            terminate_child(self, sup, caf::actor{self})
              .then([] {}, [=](caf::error& err) { out->by_actor = err; });
            restart_child(self, sup, "nope")
              .then([](child_info&) {},
                    [=](caf::error& err) { out->unknown = err; });
          });
        });
    });
  });
  track(client);
  run();
  CHECK(out->started == "cache");
  CHECK(out->terminated);
  REQUIRE(out->children.size() == 2);
  CHECK(out->children[0].id == "db");
  CHECK(out->children[1].status == child_status::terminated);
  CHECK(out->counts.specs == 2);
  CHECK(out->counts.active == 1);
  CHECK(out->ep != nullptr);
  CHECK(out->spec_id == "db");
  CHECK(is(out->by_actor, errc::not_supported)); // not a pool
  CHECK(is(out->unknown, errc::unknown_child));
}

TEST_CASE("typed supervisor requests from a scoped_actor return expected",
          "[supervision][client]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto sup = spawn_supervisor(sys, flags_named("app"),
                              {child_spec::worker("db", start(worker))});
  REQUIRE(sup);
  CHECK(await_started(self, *sup));
  auto cache = child_spec::worker("cache", start(worker));
  auto info = start_child(self, *sup, cache);
  REQUIRE(info);
  CHECK(info->id == "cache");
  auto again = start_child(self, *sup, cache);
  REQUIRE(!again);
  CHECK(is(again.error(), errc::already_started));
  CHECK(terminate_child(self, *sup, "cache"));
  auto deleted_running = delete_child(self, *sup, "db");
  REQUIRE(!deleted_running);
  CHECK(is(deleted_running.error(), errc::running));
  auto restarted = restart_child(self, *sup, "cache");
  REQUIRE(restarted);
  CHECK(restarted->status == child_status::running);
  auto counts = count_children(self, *sup);
  REQUIRE(counts);
  CHECK(counts->active == 2);
  auto pool_on_worker = start_pool_child(self, *sup, caf::make_message(1));
  REQUIRE(!pool_on_worker);
  CHECK(is(pool_on_worker.error(), errc::not_supported));
  auto ep = get_endpoint(self, *sup, "db");
  REQUIRE(ep);
  auto ep_stats = endpoint_stats_of(self, *ep);
  REQUIRE(ep_stats);
  CHECK(ep_stats->state == endpoint_state::up);
  auto spec = get_childspec(self, *sup, "db");
  REQUIRE(spec);
  CHECK(spec->id == "db");
  auto by_actor = terminate_child(self, *sup, caf::actor{*ep});
  REQUIRE(!by_actor);
  CHECK(is(by_actor.error(), errc::not_supported)); // not a pool
  auto missing = get_endpoint(self, *sup, "nope");
  REQUIRE(!missing);
  CHECK(is(missing.error(), errc::unknown_child));
  auto children = which_children(self, *sup);
  REQUIRE(children);
  CHECK(children->size() == 2);
  self->send_exit(*sup, caf::exit_reason::user_shutdown);
  // A request to a supervisor that is gone fails with CAF's error.
  self->wait_for(*sup);
  auto gone = which_children(self, *sup, 1s);
  REQUIRE(!gone);
  CHECK(gone.error() == caf::sec::request_receiver_down);
}
