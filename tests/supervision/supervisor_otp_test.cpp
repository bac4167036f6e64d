// Cases ported from OTP's supervisor_SUITE, named after the OTP case they
// port: a restart loop that must not block the supervisor (OTP-9549), start
// functions that say `ignore`, count_children of a pool, a pool's concurrent
// shutdown, await_started after a failed start, terminate_child by actor,
// get_childspec and the builder's worker settings.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "remedy/supervision/supervisor_actor.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "support/probe.hpp"
#include "support/supervision_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

namespace {

/// How a test's start function behaves on its next calls.
struct start_control {
  /// Calls left that fail.
  int fail = 0;
  /// Whether calls ignore (after the failing ones).
  bool ignore = false;
  /// Calls so far.
  int calls = 0;
};

using control_ptr = std::shared_ptr<start_control>;

/// A start function for probe `id` that fails or ignores as `ctl` says.
start_fn controlled(std::string id, journal_ptr log, control_ptr ctl) {
  return [id, log, ctl](caf::actor_system& sys,
                        const caf::message&) -> caf::expected<caf::actor> {
    ++ctl->calls;
    if (ctl->fail > 0) {
      --ctl->fail;
      return caf::make_error(caf::sec::runtime_error, "start fails");
    }
    if (ctl->ignore)
      return ignore_start();
    return sys.spawn(probe, id, log);
  };
}

/// A pool member that ignores exit messages: it stops only when killed.
caf::behavior stubborn(caf::event_based_actor* self, journal_ptr log, int n) {
  log->lines.push_back("start:#" + std::to_string(n));
  self->attach_functor([log, n](const caf::error&) {
    log->lines.push_back("stop:#" + std::to_string(n));
  });
  self->set_exit_handler([](caf::exit_msg&) {});
  return {[n](ping_atom) { return n; }};
}

/// Silences the supervisor's log for a test that fails thousands of starts.
struct quiet_supervisor_log {
  std::shared_ptr<spdlog::logger> log = logger("remedy.supervisor");
  spdlog::level::level_enum before = log->level();

  quiet_supervisor_log() {
    log->set_level(spdlog::level::off);
  }

  ~quiet_supervisor_log() {
    log->set_level(before);
  }
};

struct otp_fixture : supervision_fixture {
  control_ptr ctl = std::make_shared<start_control>();

  child_spec controlled_worker(const std::string& id) {
    return child_spec::worker(id, controlled(id, log, ctl))
      .with_shutdown(shutdown_spec::brutal_kill());
  }

  /// Runs every queued message without firing any timer, not even a
  /// zero-delay one: the supervisor's next try waits.
  void drain() {
    while (sched.try_run_once())
      ; // nop
  }

  /// Fires the timers due now (the supervisor's next try) and drains.
  void next_try() {
    sched.clock().advance_time(caf::timespan{0});
    drain();
  }

  /// As `ask`, between two tries: the reply must come without firing timers.
  template <class T, class... Ts>
  caf::expected<T> ask_now(const caf::actor& dest, Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    drain();
    if (!has_reply())
      return caf::make_error(caf::sec::request_timeout, "no reply");
    caf::expected<T> result{caf::make_error(caf::sec::unexpected_response)};
    handle.receive([&](T& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  template <class... Ts>
  caf::error ask_unit_now(const caf::actor& dest, Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    drain();
    if (!has_reply())
      return caf::make_error(caf::sec::request_timeout, "no reply");
    caf::error result;
    handle.receive([&]() {}, [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// Makes child `id` of `sup` crash and handles only what follows at once.
  void crash_now(const caf::actor& sup, const std::string& id) {
    auto x = current(sup, id);
    REQUIRE(x);
    self->send(x, quit_atom::value,
               caf::make_error(caf::sec::runtime_error, "crash"));
    drain();
  }

  /// The answers OTP gives about child `id` while it waits between tries.
  void check_restarting(const caf::actor& sup, const std::string& id) {
    auto kids = ask_now<std::vector<child_info>>(sup,
                                                 which_children_atom::value);
    REQUIRE(kids);
    bool found = false;
    for (auto& kid : *kids)
      if (kid.id == id) {
        found = true;
        CHECK(kid.status == child_status::restarting);
        CHECK(!kid.current);
      }
    CHECK(found);
    auto restarted = ask_now<child_info>(sup, restart_child_atom::value, id);
    REQUIRE(!restarted);
    CHECK(is(restarted.error(), errc::restarting));
    CHECK(is(ask_unit_now(sup, delete_child_atom::value, id),
             errc::restarting));
  }
};

} // namespace

// -- hanging_restart_loop (OTP-9549)
// -------------------------------------------

TEST_CASE_METHOD(otp_fixture,
                 "hanging_restart_loop: a start failing 20000 times in a row "
                 "neither overflows the stack nor blocks the supervisor",
                 "[supervisor][otp][restart_loop]") {
  quiet_supervisor_log quiet;
  auto sup = spawn_sup(flags(strategy::one_for_one, 100000),
                       {controlled_worker("child1")});
  ctl->fail = 20000;
  ctl->calls = 0;
  crash_now(sup, "child1");
  // One try per message: the first failed and the next one waits.
  CHECK(ctl->calls == 1);
  auto already = ask_now<child_info>(sup, start_child_atom::value,
                                     controlled_worker("child1"));
  REQUIRE(!already);
  CHECK(is(already.error(), errc::already_present));
  check_restarting(sup, "child1");
  auto c = ask_now<child_counts>(sup, count_children_atom::value);
  REQUIRE(c);
  CHECK(c->specs == 1);
  CHECK(c->active == 0);
  CHECK(c->supervisors == 0);
  CHECK(c->workers == 1);
  while (ctl->calls < 10000)
    next_try();
  CHECK(ctl->calls == 10000);
  check_restarting(sup, "child1");
  while (ctl->calls < 20001)
    next_try();
  // The 20001st start succeeds; the loop has ended by itself.
  auto info = child(sup, "child1");
  CHECK(info.status == child_status::running);
  CHECK(info.current);
  CHECK(info.restarts == 1);
  auto pong = ask<std::string>(info.current, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "child1");
  run(); // nothing is left pending: no further try
  CHECK(ctl->calls == 20001);
}

TEST_CASE_METHOD(otp_fixture,
                 "hanging_restart_loop: terminate_child, restart_child and a "
                 "stop work between tries",
                 "[supervisor][otp][restart_loop]") {
  auto sup = spawn_sup(flags(strategy::one_for_one, 100000),
                       {controlled_worker("child1")});
  self->monitor(sup);
  ctl->fail = 1000000;
  crash_now(sup, "child1");
  next_try();
  check_restarting(sup, "child1");
  // OTP: terminate_child ends the loop; the child stays without a process.
  CHECK(!ask_unit_now(sup, terminate_child_atom::value,
                      std::string{"child1"}));
  auto calls = ctl->calls;
  run();
  CHECK(ctl->calls == calls);
  CHECK(child(sup, "child1").status == child_status::terminated);
  ctl->fail = 0;
  auto again = ask<child_info>(sup, restart_child_atom::value,
                               std::string{"child1"});
  REQUIRE(again);
  CHECK(again->status == child_status::running);
  // In a loop again, then the supervisor is stopped between two tries.
  ctl->fail = 1000000;
  crash_now(sup, "child1");
  next_try();
  CHECK(!has_reply());
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  drain();
  CHECK(down_reason() == caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(otp_fixture,
                 "hanging_restart_loop: a start that never succeeds ends in "
                 "escalation, not a loop",
                 "[supervisor][otp][restart_loop]") {
  auto sup = spawn_sup(flags(strategy::one_for_one, 5),
                       {controlled_worker("child1")});
  self->monitor(sup);
  ctl->fail = 1000000;
  ctl->calls = 0;
  crash_now(sup, "child1");
  run();
  CHECK(is(down_reason(), errc::max_restart_intensity));
  // The crash and four failed tries count 5 restarts; the fifth failure is
  // the sixth, one too many.
  CHECK(ctl->calls == 5);
}

TEST_CASE_METHOD(otp_fixture,
                 "hanging_restart_loop_rest_for_one: terminate_child of the "
                 "looping child leaves the later children without a process",
                 "[supervisor][otp][restart_loop]") {
  auto sup = spawn_sup(flags(strategy::rest_for_one, 100000),
                       {worker("child1"), controlled_worker("child2"),
                        worker("child3")});
  auto child1 = current(sup, "child1");
  ctl->fail = 1000000;
  crash_now(sup, "child2");
  next_try();
  auto already = ask_now<child_info>(sup, start_child_atom::value,
                                     controlled_worker("child2"));
  REQUIRE(!already);
  CHECK(is(already.error(), errc::already_present));
  check_restarting(sup, "child2");
  auto kids = ask_now<std::vector<child_info>>(sup,
                                               which_children_atom::value);
  REQUIRE(kids);
  REQUIRE(kids->size() == 3);
  CHECK((*kids)[0].current == child1);
  CHECK(!(*kids)[2].current); // waits for child2, as in OTP
  auto c = ask_now<child_counts>(sup, count_children_atom::value);
  REQUIRE(c);
  CHECK(c->specs == 3);
  CHECK(c->active == 1);
  CHECK(c->supervisors == 0);
  CHECK(c->workers == 3);
  CHECK(!ask_unit_now(sup, terminate_child_atom::value,
                      std::string{"child2"}));
  auto mark = log->lines.size();
  run(); // whatever was pending fires now
  CHECK(log->since(mark).empty());
  CHECK(current(sup, "child1") == child1);
  CHECK(child(sup, "child2").status == child_status::terminated);
  CHECK(child(sup, "child3").status == child_status::terminated);
  CHECK(!current(sup, "child3"));
  ctl->fail = 0;
  auto again = ask<child_info>(sup, restart_child_atom::value,
                               std::string{"child2"});
  REQUIRE(again);
  CHECK(again->status == child_status::running);
  CHECK(!current(sup, "child3")); // restart_child starts that child only
  CHECK(log->since(mark) == strings{"start:child2"});
}

TEST_CASE_METHOD(otp_fixture,
                 "hanging_restart_loop_simple: a pool child in a restart "
                 "loop is counted, named by its actor and stoppable",
                 "[supervisor][otp][restart_loop][pool]") {
  auto tmpl = child_spec::worker("child1", controlled("child1", log, ctl))
                .with_shutdown(shutdown_spec::brutal_kill());
  auto sup = spawn_sup(flags(strategy::simple_one_for_one, 100000, "pool"),
                       {tmpl});
  self->monitor(sup);
  auto first = ask<child_info>(sup, start_child_atom::value, caf::message{});
  REQUIRE(first);
  ctl->fail = 1000000;
  crash_now(sup, first->id);
  next_try();
  auto restarted = ask_now<child_info>(sup, restart_child_atom::value,
                                       first->id);
  REQUIRE(!restarted);
  CHECK(is(restarted.error(), errc::not_supported));
  auto kids = ask_now<std::vector<child_info>>(sup,
                                               which_children_atom::value);
  REQUIRE(kids);
  REQUIRE(kids->size() == 1);
  CHECK((*kids)[0].status == child_status::restarting);
  auto c = ask_now<child_counts>(sup, count_children_atom::value);
  REQUIRE(c);
  CHECK(c->specs == 1);
  CHECK(c->active == 0);
  CHECK(c->supervisors == 0);
  CHECK(c->workers == 1);
  // OTP names a restarting pool child by its old pid.
  CHECK(!ask_unit_now(sup, terminate_child_atom::value, first->current));
  CHECK(children(sup).empty());
  auto calls = ctl->calls;
  run();
  CHECK(ctl->calls == calls);
  ctl->fail = 0;
  auto second = ask<child_info>(sup, start_child_atom::value, caf::message{});
  REQUIRE(second);
  ctl->fail = 1000000;
  crash_now(sup, second->id);
  next_try();
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  drain();
  CHECK(down_reason() == caf::exit_reason::user_shutdown);
}

// -- ignore
// --------------------------------------------------------------------

TEST_CASE_METHOD(otp_fixture,
                 "sup_start_ignore_child: start_child of a child whose start "
                 "ignores keeps its spec without a process",
                 "[supervisor][otp][ignore]") {
  auto sup = spawn_sup(flags(strategy::one_for_one, 2), {});
  ctl->ignore = true;
  auto one = ask<child_info>(sup, start_child_atom::value,
                             controlled_worker("child1"));
  REQUIRE(one);
  CHECK(one->id == "child1");
  CHECK(!one->current);
  CHECK(one->status == child_status::terminated);
  auto two = ask<child_info>(sup, start_child_atom::value, worker("child2"));
  REQUIRE(two);
  auto kids = children(sup);
  REQUIRE(kids.size() == 2);
  CHECK(kids[0].id == "child1");
  CHECK(!kids[0].current);
  CHECK(kids[1].current == two->current);
  auto c = counts(sup);
  CHECK(c.specs == 2);
  CHECK(c.active == 1);
  CHECK(c.workers == 2);
  // The spec stays: restart_child tries again, and may ignore again.
  auto ignored = ask<child_info>(sup, restart_child_atom::value,
                                 std::string{"child1"});
  REQUIRE(ignored);
  CHECK(!ignored->current);
  CHECK(ignored->status == child_status::terminated);
  ctl->ignore = false;
  auto started = ask<child_info>(sup, restart_child_atom::value,
                                 std::string{"child1"});
  REQUIRE(started);
  CHECK(started->status == child_status::running);
  CHECK(started->current);
}

TEST_CASE_METHOD(otp_fixture,
                 "sup_start_ignore_temporary_child: a temporary child whose "
                 "start ignores is dropped",
                 "[supervisor][otp][ignore]") {
  auto sup = spawn_sup(flags(strategy::one_for_one, 2), {});
  ctl->ignore = true;
  auto one = ask<child_info>(
    sup, start_child_atom::value,
    controlled_worker("child1").with_restart(restart_type::temporary));
  REQUIRE(one);
  CHECK(!one->current);
  auto two = ask<child_info>(sup, start_child_atom::value, worker("child2"));
  REQUIRE(two);
  auto kids = children(sup);
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].id == "child2");
  auto c = counts(sup);
  CHECK(c.specs == 1);
  CHECK(c.active == 1);
  CHECK(c.workers == 1);
}

TEST_CASE_METHOD(otp_fixture,
                 "sup_start_ignore_child: an ignored start in the "
                 "supervisor's own start lets the others start",
                 "[supervisor][otp][ignore]") {
  ctl->ignore = true;
  auto sup = spawn_sup(
    flags(strategy::one_for_one, 2),
    {worker("a"), controlled_worker("child1"),
     controlled_worker("temp").with_restart(restart_type::temporary),
     worker("b")});
  CHECK(!ask_unit(sup, await_started_atom::value));
  CHECK(log->lines == strings{"start:a", "start:b"});
  auto kids = children(sup);
  REQUIRE(kids.size() == 3);
  CHECK(kids[1].id == "child1");
  CHECK(kids[1].status == child_status::terminated);
  CHECK(kids[2].id == "b");
  // A builder-style endpoint of the ignored child is down, not stashing.
  auto ep = endpoint_of(sup, "child1");
  CHECK(stats(ep).state == endpoint_state::down);
}

TEST_CASE_METHOD(otp_fixture,
                 "sup_start_ignore_child: a restart whose start ignores "
                 "leaves the child terminated without escalating",
                 "[supervisor][otp][ignore]") {
  auto sup = spawn_sup(flags(strategy::one_for_one, 1),
                       {controlled_worker("child1"), worker("b")});
  self->monitor(sup);
  ctl->ignore = true;
  crash(sup, "child1");
  CHECK(!has_reply());
  CHECK(child(sup, "child1").status == child_status::terminated);
  CHECK(child(sup, "b").status == child_status::running);
}

TEST_CASE_METHOD(otp_fixture,
                 "sup_start_ignore_child: a pool child whose start ignores "
                 "is not kept",
                 "[supervisor][otp][ignore][pool]") {
  auto tmpl = child_spec::worker("conn", controlled("conn", log, ctl));
  auto sup = spawn_sup(flags(strategy::simple_one_for_one, 2, "pool"),
                       {tmpl});
  ctl->ignore = true;
  auto one = ask<child_info>(sup, start_child_atom::value, caf::message{});
  REQUIRE(one);
  CHECK(!one->current);
  CHECK(children(sup).empty());
  CHECK(counts(sup).workers == 0);
}

// -- count_children
// ------------------------------------------------------------

TEST_CASE_METHOD(otp_fixture,
                 "count_children_memory: a pool counts its template as its "
                 "one spec and every child as a worker",
                 "[supervisor][otp][count_children][pool]") {
  auto tmpl = child_spec::worker("conn", controlled("conn", log, ctl))
                .with_restart(restart_type::temporary);
  auto sup = spawn_sup(flags(strategy::simple_one_for_one, 2, "pool"),
                       {tmpl});
  auto c = counts(sup);
  CHECK(c.specs == 1);
  CHECK(c.active == 0);
  CHECK(c.workers == 0);
  for (int i = 0; i < 150; ++i)
    REQUIRE(ask<child_info>(sup, start_child_atom::value, caf::message{}));
  c = counts(sup);
  CHECK(c.specs == 1);
  CHECK(c.active == 150);
  CHECK(c.supervisors == 0);
  CHECK(c.workers == 150);
}

// -- a pool's shutdown
// ---------------------------------------------------------

TEST_CASE_METHOD(otp_fixture,
                 "simple_one_for_one_shutdown: a pool stops its slow "
                 "children at once, within one shutdown timeout",
                 "[supervisor][otp][shutdown][pool]") {
  auto tmpl = child_spec::worker("conn", pool_start<int>(stubborn, log))
                .with_restart(restart_type::temporary)
                .with_shutdown(shutdown_spec::timeout(1s));
  auto sup = spawn_sup(flags(strategy::simple_one_for_one, 2, "pool"),
                       {tmpl});
  for (int i = 1; i <= 5; ++i)
    REQUIRE(ask<child_info>(sup, start_child_atom::value,
                            caf::make_message(i)));
  collect_events();
  self->monitor(sup);
  auto mark = log->lines.size();
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  run();
  CHECK(!has_reply());
  advance(999ms);
  CHECK(!has_reply());
  CHECK(log->since(mark).empty());
  advance(1ms);
  // All five were killed at the one deadline: 1 s, not 5 s.
  CHECK(log->since(mark).size() == 5);
  CHECK(events->count(supervision_event_kind::child_terminated) == 5);
  CHECK(down_reason() == caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(otp_fixture,
                 "a pool that stops at once waits for a child that stops "
                 "by itself and is done when the last one is",
                 "[supervisor][otp][shutdown][pool]") {
  auto tmpl = child_spec::worker("conn", pool_start<int>(stubborn, log))
                .with_restart(restart_type::temporary)
                .with_shutdown(shutdown_spec::timeout(1s));
  auto sup = spawn_sup(flags(strategy::simple_one_for_one, 2, "pool"),
                       {tmpl});
  std::vector<caf::actor> members;
  for (int i = 1; i <= 3; ++i) {
    auto info = ask<child_info>(sup, start_child_atom::value,
                                caf::make_message(i));
    REQUIRE(info);
    members.push_back(info->current);
  }
  self->monitor(sup);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  run();
  advance(500ms);
  for (auto& x : members)
    self->send_exit(x, caf::exit_reason::kill);
  run();
  // Every child is gone before its deadline: no kill timer needed.
  CHECK(down_reason() == caf::exit_reason::user_shutdown);
}

// -- await_started
// -------------------------------------------------------------

TEST_CASE_METHOD(otp_fixture,
                 "await_started after a failed start ended the supervisor "
                 "gives start_failed with the child's reason",
                 "[supervisor][otp][await_started]") {
  ctl->fail = 1;
  auto sup = spawn_sup(flags(), {controlled_worker("child1"), worker("b")});
  auto reply = std::make_shared<caf::error>();
  auto answered = std::make_shared<bool>(false);
  track(sys.spawn([sup, reply, answered](caf::event_based_actor* client) {
    await_started(client, sup).then([answered] { *answered = true; },
                                    [reply, answered](caf::error& err) {
                                      *answered = true;
                                      *reply = std::move(err);
                                    });
  }));
  run();
  REQUIRE(*answered);
  CHECK(is(*reply, errc::start_failed));
  CHECK_THAT(render(*reply), Catch::Contains("child 'child1'")
                               && Catch::Contains("start fails"));
}

TEST_CASE("await_started from a scoped_actor after a failed start ended "
          "the supervisor gives start_failed",
          "[supervisor][otp][await_started]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto failing = [](caf::actor_system&,
                    const caf::message&) -> caf::expected<caf::actor> {
    return caf::make_error(caf::sec::runtime_error, "no config");
  };
  supervisor_flags f;
  f.name = "app";
  auto sup = spawn_supervisor(sys, f, {child_spec::worker("db", failing)});
  REQUIRE(sup);
  self->wait_for(*sup); // gone before the request
  auto up = await_started(self, *sup);
  REQUIRE(!up);
  CHECK(is(up.error(), errc::start_failed));
  CHECK_THAT(render(up.error()), Catch::Contains("no config"));
}

// -- terminate_child by actor, get_childspec, the builder's worker()
// -------------

TEST_CASE_METHOD(otp_fixture,
                 "terminate_child by actor stops and deletes a pool child; "
                 "other supervisors take ids",
                 "[supervisor][otp][terminate_child][pool]") {
  auto tmpl = child_spec::worker("conn", controlled("conn", log, ctl));
  auto pool = spawn_sup(flags(strategy::simple_one_for_one, 2, "pool"),
                        {tmpl});
  auto one = ask<child_info>(pool, start_child_atom::value, caf::message{});
  auto two = ask<child_info>(pool, start_child_atom::value, caf::message{});
  REQUIRE(one);
  REQUIRE(two);
  CHECK(!ask_unit(pool, terminate_child_atom::value, one->current));
  auto kids = children(pool);
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].id == two->id);
  CHECK(is(ask_unit(pool, terminate_child_atom::value, one->current),
           errc::unknown_child));
  auto plain = spawn_sup(flags(), {worker("a")});
  CHECK(is(ask_unit(plain, terminate_child_atom::value, current(plain, "a")),
           errc::not_supported));
  CHECK(child(plain, "a").status == child_status::running);
}

TEST_CASE_METHOD(otp_fixture,
                 "get_childspec returns a child's spec, a pool child's "
                 "template, or unknown_child",
                 "[supervisor][otp][get_childspec]") {
  auto sup = spawn_sup(flags(), {worker("a", restart_type::transient)
                                   .with_shutdown(shutdown_spec::timeout(2s))});
  auto spec = ask<child_spec>(sup, get_childspec_atom::value,
                              std::string{"a"});
  REQUIRE(spec);
  CHECK(spec->id == "a");
  CHECK(spec->restart == restart_type::transient);
  CHECK(spec->shutdown == shutdown_spec::timeout(2s));
  auto missing = ask<child_spec>(sup, get_childspec_atom::value,
                                 std::string{"nope"});
  REQUIRE(!missing);
  CHECK(is(missing.error(), errc::unknown_child));
  auto tmpl = child_spec::worker("conn", controlled("conn", log, ctl))
                .with_restart(restart_type::temporary);
  auto pool = spawn_sup(flags(strategy::simple_one_for_one, 2, "pool"),
                        {tmpl});
  auto one = ask<child_info>(pool, start_child_atom::value, caf::message{});
  REQUIRE(one);
  auto pooled = ask<child_spec>(pool, get_childspec_atom::value, one->id);
  REQUIRE(pooled);
  CHECK(pooled->id == "conn");
  CHECK(pooled->restart == restart_type::temporary);
}

TEST_CASE_METHOD(otp_fixture,
                 "the builder's worker() takes a shutdown and a stash",
                 "[supervisor][builder]") {
  stash_policy small;
  small.capacity = 1;
  auto tree = supervisor_builder("root")
                .with_backoff(backoff::constant(1s))
                .worker("w", start(probe, std::string{"w"}, log),
                        restart_type::transient, shutdown_spec::timeout(2s),
                        small)
                .worker("d", start(probe, std::string{"d"}, log))
                .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  run();
  auto spec = ask<child_spec>(tree->root, get_childspec_atom::value,
                              std::string{"w"});
  REQUIRE(spec);
  CHECK(spec->restart == restart_type::transient);
  CHECK(spec->shutdown == shutdown_spec::timeout(2s));
  CHECK(spec->stash == small);
  auto defaults = ask<child_spec>(tree->root, get_childspec_atom::value,
                                  std::string{"d"});
  REQUIRE(defaults);
  CHECK(defaults->restart == restart_type::permanent);
  CHECK(defaults->shutdown == shutdown_spec::automatic());
  CHECK(defaults->stash == stash_policy{});
  // The endpoint got the small stash: during the backoff it holds one
  // message and refuses the next.
  crash(tree->root, "w");
  auto ep = tree->endpoint("w");
  self->send(ep, ping_atom::value);
  self->send(ep, ping_atom::value);
  run();
  auto st = stats(ep);
  CHECK(st.stashed == 1);
  CHECK(st.rejected == 1);
}
