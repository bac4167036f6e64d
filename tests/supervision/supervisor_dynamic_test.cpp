// The supervisor's dynamic API by message, under CAF's deterministic test
// coordinator: start_child, terminate_child, restart_child, delete_child,
// which_children, count_children, with every error they document, and
// messages the supervisor does not understand.

#include <catch2/catch.hpp>

#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>

#include "remedy/supervision/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "support/probe.hpp"
#include "support/supervision_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

namespace {

/// A pool member: answers `(ping_atom)` with the number it was started with.
caf::behavior numbered(caf::event_based_actor* self, journal_ptr log, int n) {
  log->lines.push_back("start:#" + std::to_string(n));
  self->attach_functor([log, n](const caf::error&) {
    log->lines.push_back("stop:#" + std::to_string(n));
  });
  return {
    [n](ping_atom) { return n; },
  };
}

struct dyn_fixture : supervision_fixture {
  caf::expected<child_info> start_child(const caf::actor& sup,
                                        child_spec spec) {
    return ask<child_info>(sup, start_child_atom::value, std::move(spec));
  }

  caf::expected<child_info> start_pool_child(const caf::actor& sup,
                                             caf::message args) {
    return ask<child_info>(sup, start_child_atom::value, std::move(args));
  }

  caf::error terminate_child(const caf::actor& sup, const std::string& id) {
    return ask_unit(sup, terminate_child_atom::value, id);
  }

  caf::expected<child_info> restart_child(const caf::actor& sup,
                                          const std::string& id) {
    return ask<child_info>(sup, restart_child_atom::value, id);
  }

  caf::error delete_child(const caf::actor& sup, const std::string& id) {
    return ask_unit(sup, delete_child_atom::value, id);
  }

  caf::actor pool(size_t intensity = 10) {
    auto tmpl = child_spec::worker("conn", pool_start<int>(numbered, log))
                  .with_restart(restart_type::temporary);
    return spawn_sup(flags(strategy::simple_one_for_one, intensity, "pool"),
                     {tmpl});
  }

  /// A supervisor whose child "a" waits in a 1 s backoff after a crash.
  caf::actor backing_off() {
    auto f = flags();
    f.backoff = backoff::constant(1s);
    auto sup = spawn_sup(f, {worker("a")});
    crash(sup, "a");
    REQUIRE(child(sup, "a").status == child_status::restarting);
    return sup;
  }
};

/// A start function that fails with `err` and counts its calls.
start_fn failing_start(caf::error err, std::shared_ptr<int> calls) {
  return [err, calls](caf::actor_system&,
                      const caf::message&) -> caf::expected<caf::actor> {
    ++*calls;
    return err;
  };
}

} // namespace

// -- start_child
// ---------------------------------------------------------------

TEST_CASE_METHOD(dyn_fixture, "start_child with a new id starts it",
                 "[supervisor][dynamic][start_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  auto info = start_child(sup, worker("b", restart_type::transient));
  REQUIRE(info);
  CHECK(info->id == "b");
  CHECK(info->status == child_status::running);
  CHECK(info->current);
  CHECK(info->type == child_type::worker);
  CHECK(info->restart == restart_type::transient);
  CHECK(info->restarts == 0);
  CHECK(log->lines == strings{"start:a", "start:b"});
  auto pong = ask<std::string>(info->current, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "b");
  // The new child is appended in start order and supervised like the others.
  auto kids = children(sup);
  REQUIRE(kids.size() == 2);
  CHECK(kids[1].id == "b");
  CHECK(kids[1].current == info->current);
  crash(sup, "b");
  CHECK(child(sup, "b").restarts == 1);
  CHECK(child(sup, "b").status == child_status::running);
}

TEST_CASE_METHOD(dyn_fixture,
                 "start_child with the id of a running child is "
                 "already_started",
                 "[supervisor][dynamic][start_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  auto before = current(sup, "a");
  auto info = start_child(sup, worker("a"));
  REQUIRE(!info);
  CHECK(is(info.error(), errc::already_started));
  CHECK(log->lines == strings{"start:a"});
  CHECK(current(sup, "a") == before);
}

TEST_CASE_METHOD(dyn_fixture,
                 "start_child with the id of a terminated child is "
                 "already_present",
                 "[supervisor][dynamic][start_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  REQUIRE(!terminate_child(sup, "a"));
  auto info = start_child(sup, worker("a"));
  REQUIRE(!info);
  CHECK(is(info.error(), errc::already_present));
  CHECK(child(sup, "a").status == child_status::terminated);
  CHECK(lines("start:a") == 1);
}

TEST_CASE_METHOD(dyn_fixture, "start_child with an invalid spec",
                 "[supervisor][dynamic][start_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  SECTION("empty id") {
    auto info = start_child(sup, worker(""));
    REQUIRE(!info);
    CHECK(is(info.error(), errc::invalid_argument));
  }
  SECTION("no start function") {
    child_spec spec;
    spec.id = "b";
    auto info = start_child(sup, spec);
    REQUIRE(!info);
    CHECK(is(info.error(), errc::invalid_argument));
  }
  SECTION("significant without auto_shutdown") {
    auto info = start_child(
      sup, worker("b", restart_type::transient).with_significant());
    REQUIRE(!info);
    CHECK(is(info.error(), errc::invalid_argument));
  }
  CHECK(children(sup).size() == 1);
  CHECK(log->lines == strings{"start:a"});
}

TEST_CASE_METHOD(dyn_fixture,
                 "start_child whose start function fails is start_failed and "
                 "keeps no spec",
                 "[supervisor][dynamic][start_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  auto calls = std::make_shared<int>(0);
  SECTION("start returns a CAF error") {
    auto info = start_child(
      sup, child_spec::worker(
             "b", failing_start(caf::make_error(caf::sec::runtime_error,
                                                "no database"),
                                calls)));
    REQUIRE(!info);
    CHECK(is(info.error(), errc::start_failed));
  }
  SECTION("start returns errc::start_failed") {
    auto info = start_child(
      sup, child_spec::worker(
             "b", failing_start(make_error(errc::start_failed, "no database"),
                                calls)));
    REQUIRE(!info);
    CHECK(is(info.error(), errc::start_failed));
  }
  SECTION("start throws") {
    auto info = start_child(
      sup, child_spec::worker("b",
                              [calls](caf::actor_system&, const caf::message&)
                                -> caf::expected<caf::actor> {
                                ++*calls;
                                throw std::runtime_error("no database");
                              }));
    REQUIRE(!info);
    CHECK(is(info.error(), errc::start_failed));
  }
  CHECK(*calls == 1);
  auto kids = children(sup);
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].id == "a");
  CHECK(counts(sup).specs == 1);
  // The id is free again: a good spec with it starts.
  auto info = start_child(sup, worker("b"));
  REQUIRE(info);
  CHECK(info->status == child_status::running);
}

TEST_CASE_METHOD(dyn_fixture,
                 "start_child with a child_spec to a simple_one_for_one pool "
                 "is not_supported",
                 "[supervisor][dynamic][start_child][pool]") {
  auto sup = pool();
  auto info = start_child(sup, worker("b"));
  REQUIRE(!info);
  CHECK(is(info.error(), errc::not_supported));
  CHECK(children(sup).empty());
  CHECK(log->lines.empty());
}

TEST_CASE_METHOD(dyn_fixture,
                 "start_child with arguments to a non-pool supervisor is "
                 "not_supported",
                 "[supervisor][dynamic][start_child][pool]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  auto info = start_pool_child(sup, caf::make_message(1));
  REQUIRE(!info);
  CHECK(is(info.error(), errc::not_supported));
  CHECK(children(sup).size() == 1);
}

TEST_CASE_METHOD(dyn_fixture,
                 "start_child with arguments starts pool children from the "
                 "template",
                 "[supervisor][dynamic][start_child][pool]") {
  auto sup = pool();
  auto one = start_pool_child(sup, caf::make_message(7));
  REQUIRE(one);
  auto two = start_pool_child(sup, caf::make_message(8));
  REQUIRE(two);
  CHECK(one->id == "conn#1");
  CHECK(two->id == "conn#2");
  CHECK(one->status == child_status::running);
  CHECK(one->restart == restart_type::temporary);
  CHECK(one->current != two->current);
  auto n1 = ask<int>(one->current, ping_atom::value);
  auto n2 = ask<int>(two->current, ping_atom::value);
  REQUIRE(n1);
  REQUIRE(n2);
  CHECK(*n1 == 7);
  CHECK(*n2 == 8);
  CHECK(log->lines == strings{"start:#7", "start:#8"});
  auto kids = children(sup);
  REQUIRE(kids.size() == 2);
  CHECK(kids[0].id == "conn#1");
  CHECK(kids[1].id == "conn#2");
  auto c = counts(sup);
  CHECK(c.specs == 1); // the template
  CHECK(c.active == 2);
  CHECK(c.workers == 2);
  CHECK(c.supervisors == 0);
}

TEST_CASE_METHOD(dyn_fixture,
                 "pool start_child with the wrong argument types is "
                 "invalid_argument and starts nothing",
                 "[supervisor][dynamic][start_child][pool]") {
  auto sup = pool();
  SECTION("a string for an int") {
    auto info = start_pool_child(sup, caf::make_message(std::string{"x"}));
    REQUIRE(!info);
    CHECK(is(info.error(), errc::invalid_argument));
  }
  SECTION("too many arguments") {
    auto info = start_pool_child(sup, caf::make_message(1, 2));
    REQUIRE(!info);
    CHECK(is(info.error(), errc::invalid_argument));
  }
  SECTION("no arguments") {
    auto info = start_pool_child(sup, caf::message{});
    REQUIRE(!info);
    CHECK(is(info.error(), errc::invalid_argument));
  }
  CHECK(children(sup).empty());
  CHECK(log->lines.empty());
  // The pool still works.
  auto info = start_pool_child(sup, caf::make_message(3));
  REQUIRE(info);
  CHECK(info->status == child_status::running);
}

// -- terminate_child
// -----------------------------------------------------------

TEST_CASE_METHOD(dyn_fixture,
                 "terminate_child stops a running child and keeps its spec",
                 "[supervisor][dynamic][terminate_child]") {
  auto sup = spawn_sup(flags(), {worker("a"), worker("b")});
  auto b = current(sup, "b");
  self->monitor(b);
  CHECK(!terminate_child(sup, "b"));
  CHECK(is_normal_exit(down_reason()));
  CHECK(log->lines == strings{"start:a", "start:b", "stop:b"});
  auto info = child(sup, "b");
  CHECK(info.status == child_status::terminated);
  CHECK(!info.current);
  CHECK(child(sup, "a").status == child_status::running);
  // Terminated on purpose: not restarted, even as a permanent child.
  CHECK(lines("start:b") == 1);
  SECTION("terminating it again is fine") {
    CHECK(!terminate_child(sup, "b"));
    CHECK(child(sup, "b").status == child_status::terminated);
  }
}

TEST_CASE_METHOD(dyn_fixture, "terminate_child of an unknown id",
                 "[supervisor][dynamic][terminate_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  auto err = terminate_child(sup, "nope");
  CHECK(is(err, errc::unknown_child));
  CHECK(child(sup, "a").status == child_status::running);
}

TEST_CASE_METHOD(dyn_fixture,
                 "terminate_child of a pool child stops and deletes it",
                 "[supervisor][dynamic][terminate_child][pool]") {
  auto sup = pool();
  auto one = start_pool_child(sup, caf::make_message(1));
  auto two = start_pool_child(sup, caf::make_message(2));
  REQUIRE(one);
  REQUIRE(two);
  CHECK(!terminate_child(sup, one->id));
  CHECK(log->lines == strings{"start:#1", "start:#2", "stop:#1"});
  auto kids = children(sup);
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].id == two->id);
  CHECK(is(terminate_child(sup, one->id), errc::unknown_child));
  CHECK(counts(sup).specs == 1);
}

TEST_CASE_METHOD(dyn_fixture,
                 "terminate_child of a temporary child deletes its spec",
                 "[supervisor][dynamic][terminate_child]") {
  auto sup = spawn_sup(flags(),
                       {worker("a"), worker("t", restart_type::temporary)});
  CHECK(!terminate_child(sup, "t"));
  CHECK(lines("stop:t") == 1);
  auto kids = children(sup);
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].id == "a");
}

// -- restart_child
// -------------------------------------------------------------

TEST_CASE_METHOD(dyn_fixture, "restart_child starts a terminated child",
                 "[supervisor][dynamic][restart_child]") {
  auto sup = spawn_sup(flags(), {worker("a"), worker("b")});
  auto old = current(sup, "a");
  REQUIRE(!terminate_child(sup, "a"));
  auto info = restart_child(sup, "a");
  REQUIRE(info);
  CHECK(info->id == "a");
  CHECK(info->status == child_status::running);
  CHECK(info->current);
  CHECK(info->current != old);
  CHECK(log->lines == strings{"start:a", "start:b", "stop:a", "start:a"});
  // Start order is kept: "a" is still first.
  auto kids = children(sup);
  REQUIRE(kids.size() == 2);
  CHECK(kids[0].id == "a");
  CHECK(kids[0].current == info->current);
  auto pong = ask<std::string>(info->current, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "a");
}

TEST_CASE_METHOD(dyn_fixture, "restart_child of a running child is running",
                 "[supervisor][dynamic][restart_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  auto before = current(sup, "a");
  auto info = restart_child(sup, "a");
  REQUIRE(!info);
  CHECK(is(info.error(), errc::running));
  CHECK(current(sup, "a") == before);
  CHECK(log->lines == strings{"start:a"});
}

TEST_CASE_METHOD(dyn_fixture,
                 "restart_child of a child in backoff is restarting",
                 "[supervisor][dynamic][restart_child]") {
  auto sup = backing_off();
  auto info = restart_child(sup, "a");
  REQUIRE(!info);
  CHECK(is(info.error(), errc::restarting));
  CHECK(lines("start:a") == 1);
  // The scheduled restart still happens, once.
  advance(1s);
  CHECK(child(sup, "a").status == child_status::running);
  CHECK(lines("start:a") == 2);
}

TEST_CASE_METHOD(dyn_fixture, "restart_child of an unknown id",
                 "[supervisor][dynamic][restart_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  auto info = restart_child(sup, "nope");
  REQUIRE(!info);
  CHECK(is(info.error(), errc::unknown_child));
}

TEST_CASE_METHOD(dyn_fixture,
                 "restart_child whose start fails is start_failed and the "
                 "child stays terminated",
                 "[supervisor][dynamic][restart_child]") {
  auto calls = std::make_shared<int>(0);
  auto fun = [this,
              calls](caf::actor_system& sys,
                     const caf::message& extra) -> caf::expected<caf::actor> {
    if (++*calls > 1)
      return make_error(errc::start_failed, "gone");
    return start(probe, std::string{"a"}, log)(sys, extra);
  };
  auto sup = spawn_sup(flags(), {child_spec::worker("a", fun)});
  REQUIRE(!terminate_child(sup, "a"));
  auto info = restart_child(sup, "a");
  REQUIRE(!info);
  CHECK(is(info.error(), errc::start_failed));
  CHECK(child(sup, "a").status == child_status::terminated);
  CHECK(*calls == 2);
}

// -- delete_child
// --------------------------------------------------------------

TEST_CASE_METHOD(dyn_fixture, "delete_child of a running child is running",
                 "[supervisor][dynamic][delete_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  auto err = delete_child(sup, "a");
  CHECK(is(err, errc::running));
  CHECK(child(sup, "a").status == child_status::running);
}

TEST_CASE_METHOD(dyn_fixture, "delete_child removes a terminated child",
                 "[supervisor][dynamic][delete_child]") {
  auto sup = spawn_sup(flags(), {worker("a"), worker("b")});
  REQUIRE(!terminate_child(sup, "a"));
  CHECK(!delete_child(sup, "a"));
  auto kids = children(sup);
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].id == "b");
  CHECK(is(delete_child(sup, "a"), errc::unknown_child));
  CHECK(is(terminate_child(sup, "a"), errc::unknown_child));
  // The id can be used again, and the new child comes after "b".
  auto info = start_child(sup, worker("a"));
  REQUIRE(info);
  kids = children(sup);
  REQUIRE(kids.size() == 2);
  CHECK(kids[0].id == "b");
  CHECK(kids[1].id == "a");
}

TEST_CASE_METHOD(dyn_fixture,
                 "delete_child of a child in backoff is restarting",
                 "[supervisor][dynamic][delete_child]") {
  auto sup = backing_off();
  CHECK(is(delete_child(sup, "a"), errc::restarting));
  CHECK(child(sup, "a").status == child_status::restarting);
}

TEST_CASE_METHOD(dyn_fixture, "delete_child of an unknown id",
                 "[supervisor][dynamic][delete_child]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  CHECK(is(delete_child(sup, "nope"), errc::unknown_child));
}

TEST_CASE_METHOD(dyn_fixture,
                 "restart_child and delete_child are not supported by a pool",
                 "[supervisor][dynamic][pool]") {
  auto sup = pool();
  auto one = start_pool_child(sup, caf::make_message(1));
  REQUIRE(one);
  auto info = restart_child(sup, one->id);
  REQUIRE(!info);
  CHECK(is(info.error(), errc::not_supported));
  CHECK(is(delete_child(sup, one->id), errc::not_supported));
  CHECK(children(sup).size() == 1);
}

// -- which_children and count_children
// -----------------------------------------

TEST_CASE_METHOD(dyn_fixture,
                 "which_children lists children in start order with their "
                 "fields",
                 "[supervisor][dynamic][which_children]") {
  auto sub_start = [](caf::actor_system& sys, const caf::message&) {
    supervisor_flags f;
    f.name = "sub";
    return spawn_supervisor(sys, f, {});
  };
  auto f = flags();
  f.backoff = backoff::constant(1s);
  auto sup = spawn_sup(f,
                       {worker("z"), child_spec::supervisor("sub", sub_start),
                        worker("m", restart_type::transient),
                        worker("a", restart_type::temporary)});
  REQUIRE(!terminate_child(sup, "m"));
  crash(sup, "z"); // now in backoff
  auto ep = endpoint_of(sup, "a");
  auto kids = children(sup);
  REQUIRE(kids.size() == 4);
  CHECK(kids[0].id == "z");
  CHECK(kids[0].type == child_type::worker);
  CHECK(kids[0].restart == restart_type::permanent);
  CHECK(kids[0].status == child_status::restarting);
  CHECK(!kids[0].current);
  CHECK(kids[0].restarts == 0);
  CHECK(!kids[0].endpoint);
  CHECK(kids[1].id == "sub");
  CHECK(kids[1].type == child_type::supervisor);
  CHECK(kids[1].status == child_status::running);
  CHECK(kids[1].current);
  CHECK(kids[2].id == "m");
  CHECK(kids[2].restart == restart_type::transient);
  CHECK(kids[2].status == child_status::terminated);
  CHECK(!kids[2].current);
  CHECK(kids[3].id == "a");
  CHECK(kids[3].restart == restart_type::temporary);
  CHECK(kids[3].status == child_status::running);
  CHECK(kids[3].endpoint == ep);
  advance(1s);
  auto z = child(sup, "z");
  CHECK(z.status == child_status::running);
  CHECK(z.current);
  CHECK(z.restarts == 1);
}

TEST_CASE_METHOD(dyn_fixture, "count_children counts specs, active, types",
                 "[supervisor][dynamic][count_children]") {
  auto sub_start = [](caf::actor_system& sys, const caf::message&) {
    supervisor_flags f;
    f.name = "sub";
    return spawn_supervisor(sys, f, {});
  };
  auto f = flags();
  f.backoff = backoff::constant(1s);
  auto sup = spawn_sup(f, {worker("a"), worker("b"), worker("c"),
                           child_spec::supervisor("s1", sub_start),
                           child_spec::supervisor("s2", sub_start)});
  auto c = counts(sup);
  CHECK(c.specs == 5);
  CHECK(c.active == 5);
  CHECK(c.workers == 3);
  CHECK(c.supervisors == 2);
  REQUIRE(!terminate_child(sup, "b"));
  REQUIRE(!terminate_child(sup, "s2"));
  crash(sup, "c"); // in backoff: a spec, not active
  c = counts(sup);
  CHECK(c.specs == 5);
  CHECK(c.active == 2);
  CHECK(c.workers == 3);
  CHECK(c.supervisors == 2);
  REQUIRE(!delete_child(sup, "b"));
  c = counts(sup);
  CHECK(c.specs == 4);
  CHECK(c.workers == 2);
  advance(1s);
  c = counts(sup);
  CHECK(c.active == 3);
}

// -- unexpected messages
// -------------------------------------------------------

TEST_CASE_METHOD(dyn_fixture,
                 "an unknown message gets unexpected_message and the "
                 "supervisor keeps working",
                 "[supervisor][dynamic]") {
  auto sup = spawn_sup(flags(), {worker("a")});
  SECTION("an unknown type") {
    auto reply = ask<std::string>(sup, std::string{"hello"}, 3.5);
    REQUIRE(!reply);
    CHECK(is(reply.error(), errc::unexpected_message));
  }
  SECTION("a known atom with the wrong arguments") {
    auto reply = ask<std::string>(sup, terminate_child_atom::value, 42);
    REQUIRE(!reply);
    CHECK(is(reply.error(), errc::unexpected_message));
  }
  SECTION("a plain send is answered too (CAF 0.17 returns the error)") {
    self->send(sup, ping_atom::value);
    run();
    REQUIRE(has_reply());
    caf::error err;
    self->receive([&](caf::error& x) { err = std::move(x); });
    CHECK(is(err, errc::unexpected_message));
  }
  CHECK(children(sup).size() == 1);
  CHECK(child(sup, "a").status == child_status::running);
  auto info = start_child(sup, worker("b"));
  REQUIRE(info);
  CHECK(info->status == child_status::running);
  crash(sup, "a");
  CHECK(child(sup, "a").restarts == 1);
}
