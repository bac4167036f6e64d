// The supervisor actor under CAF's deterministic test coordinator: strategies,
// restart types, intensity, ordered start and stop, escalation.

#include <catch2/catch.hpp>

#include <caf/exit_reason.hpp>

#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "support/probe.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

namespace {

struct sup_fixture : fixture {
  journal_ptr log = std::make_shared<journal>();

  child_spec worker(const std::string& id,
                    restart_type r = restart_type::permanent) {
    return child_spec::worker(id, start(probe, id, log)).with_restart(r);
  }

  caf::actor spawn_sup(supervisor_flags flags, std::vector<child_spec> specs) {
    auto sup = spawn_supervisor(sys, std::move(flags), std::move(specs));
    REQUIRE(sup);
    track(*sup);
    run();
    return *sup;
  }

  std::vector<child_info> children(const caf::actor& sup) {
    auto result = ask<std::vector<child_info>>(sup, which_children_atom::value);
    REQUIRE(result);
    return *result;
  }

  caf::actor current(const caf::actor& sup, const std::string& id) {
    for (auto& x : children(sup))
      if (x.id == id)
        return x.current;
    return {};
  }

  /// Crashes child `id` with `reason` and runs the system.
  void crash(const caf::actor& sup, const std::string& id,
             caf::error reason = caf::make_error(caf::sec::runtime_error, "crash")) {
    auto child = current(sup, id);
    REQUIRE(child);
    self->send(child, quit_atom::value, std::move(reason));
    run();
  }

  supervisor_flags flags(strategy s, size_t intensity = 10) {
    supervisor_flags f;
    f.name = "sup";
    f.strategy = s;
    f.intensity = intensity;
    f.period = 5s;
    return f;
  }
};

} // namespace

TEST_CASE_METHOD(sup_fixture, "children start in spec order",
                 "[supervisor]") {
  auto sup = spawn_sup(flags(strategy::one_for_one),
                       {worker("c"), worker("a"), worker("b")});
  CHECK(log->lines == strings{"start:c", "start:a", "start:b"});
  auto kids = children(sup);
  REQUIRE(kids.size() == 3);
  CHECK(kids[0].id == "c");
  CHECK(kids[2].id == "b");
  for (auto& k : kids) {
    CHECK(k.status == child_status::running);
    CHECK(k.current);
  }
}

TEST_CASE_METHOD(sup_fixture, "one_for_one restarts only the failed child",
                 "[supervisor][strategy]") {
  auto sup = spawn_sup(flags(strategy::one_for_one),
                       {worker("a"), worker("b"), worker("c")});
  auto a = current(sup, "a");
  auto b = current(sup, "b");
  auto mark = log->lines.size();
  crash(sup, "b");
  CHECK(log->since(mark) == strings{"stop:b", "start:b"});
  CHECK(current(sup, "a") == a);
  auto b2 = current(sup, "b");
  CHECK(b2);
  CHECK(b2 != b);
  auto pong = ask<std::string>(b2, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "b");
}

TEST_CASE_METHOD(sup_fixture,
                 "one_for_all stops the others in reverse order and "
                 "restarts all in order",
                 "[supervisor][strategy]") {
  auto sup = spawn_sup(flags(strategy::one_for_all),
                       {worker("a"), worker("b"), worker("c"), worker("d")});
  auto mark = log->lines.size();
  crash(sup, "b");
  CHECK(log->since(mark)
        == strings{"stop:b", "stop:d", "stop:c", "stop:a", "start:a",
                   "start:b", "start:c", "start:d"});
  for (auto& k : children(sup))
    CHECK(k.status == child_status::running);
}

TEST_CASE_METHOD(sup_fixture,
                 "rest_for_one restarts the failed child and those started "
                 "after it, by start order not by id",
                 "[supervisor][strategy]") {
  auto sup = spawn_sup(flags(strategy::rest_for_one),
                       {worker("z"), worker("a"), worker("m"), worker("b")});
  auto z = current(sup, "z");
  auto mark = log->lines.size();
  crash(sup, "a");
  CHECK(log->since(mark)
        == strings{"stop:a", "stop:b", "stop:m", "start:a", "start:m",
                   "start:b"});
  CHECK(current(sup, "z") == z);
}

TEST_CASE_METHOD(sup_fixture, "restart types under normal and abnormal exits",
                 "[supervisor][restart_type]") {
  auto sup = spawn_sup(flags(strategy::one_for_one),
                       {worker("perm"),
                        worker("trans", restart_type::transient),
                        worker("temp", restart_type::temporary)});
  SECTION("normal exit: only permanent restarts") {
    crash(sup, "perm", caf::exit_reason::normal);
    crash(sup, "trans", caf::exit_reason::normal);
    crash(sup, "temp", caf::exit_reason::normal);
    auto kids = children(sup);
    REQUIRE(kids.size() == 2); // temporary spec removed
    CHECK(kids[0].status == child_status::running);
    CHECK(kids[0].restarts == 1);
    CHECK(kids[1].status == child_status::terminated);
    CHECK(kids[1].restarts == 0);
  }
  SECTION("shutdown exit counts as normal") {
    crash(sup, "trans", caf::exit_reason::user_shutdown);
    CHECK(children(sup)[1].status == child_status::terminated);
  }
  SECTION("abnormal exit: permanent and transient restart") {
    crash(sup, "perm");
    crash(sup, "trans");
    crash(sup, "temp");
    auto kids = children(sup);
    REQUIRE(kids.size() == 2);
    CHECK(kids[0].restarts == 1);
    CHECK(kids[1].status == child_status::running);
    CHECK(kids[1].restarts == 1);
  }
  SECTION("kill is abnormal") {
    crash(sup, "trans", caf::exit_reason::kill);
    CHECK(children(sup)[1].status == child_status::running);
  }
}

TEST_CASE_METHOD(sup_fixture,
                 "a temporary sibling under one_for_all is stopped and not "
                 "restarted",
                 "[supervisor][restart_type]") {
  auto sup = spawn_sup(flags(strategy::one_for_all),
                       {worker("a"), worker("temp", restart_type::temporary),
                        worker("c")});
  auto mark = log->lines.size();
  crash(sup, "a");
  CHECK(log->since(mark)
        == strings{"stop:a", "stop:c", "stop:temp", "start:a", "start:c"});
  auto kids = children(sup);
  REQUIRE(kids.size() == 2);
  CHECK(kids[0].id == "a");
  CHECK(kids[1].id == "c");
}

TEST_CASE_METHOD(sup_fixture,
                 "a temporary sibling under rest_for_one is stopped and not "
                 "restarted",
                 "[supervisor][restart_type]") {
  auto sup = spawn_sup(flags(strategy::rest_for_one),
                       {worker("a"), worker("b"),
                        worker("temp", restart_type::temporary), worker("d")});
  auto mark = log->lines.size();
  crash(sup, "b");
  CHECK(log->since(mark)
        == strings{"stop:b", "stop:d", "stop:temp", "start:b", "start:d"});
  CHECK(children(sup).size() == 3);
}

TEST_CASE_METHOD(sup_fixture,
                 "exceeding the restart intensity stops all children in "
                 "reverse order and escalates",
                 "[supervisor][intensity]") {
  auto sup = spawn_sup(flags(strategy::one_for_one, 2),
                       {worker("a"), worker("b"), worker("c")});
  self->monitor(sup);
  crash(sup, "b");
  crash(sup, "b");
  auto mark = log->lines.size();
  crash(sup, "b"); // third restart within 5 s: more than 2
  CHECK(log->since(mark) == strings{"stop:b", "stop:c", "stop:a"});
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; });
  CHECK(is(reason, errc::max_restart_intensity));
}

TEST_CASE_METHOD(sup_fixture,
                 "the intensity window slides: spaced crashes are tolerated",
                 "[supervisor][intensity]") {
  auto sup = spawn_sup(flags(strategy::one_for_one, 1), {worker("a")});
  for (int i = 0; i < 5; ++i) {
    crash(sup, "a");
    advance(5001ms);
  }
  auto kids = children(sup);
  REQUIRE(kids.size() == 1);
  CHECK(kids[0].restarts == 5);
  CHECK(kids[0].status == child_status::running);
}

TEST_CASE_METHOD(sup_fixture, "a handler that throws becomes a restart",
                 "[supervisor]") {
  auto sup = spawn_sup(flags(strategy::one_for_one), {worker("a")});
  auto a = current(sup, "a");
  auto reply = ask<std::string>(a, crash_atom::value);
  REQUIRE(!reply);
  CHECK(is(reply.error(), errc::unhandled_exception));
  auto a2 = current(sup, "a");
  CHECK(a2);
  CHECK(a2 != a);
  CHECK(children(sup)[0].restarts == 1);
}

namespace {

/// A start function for a subtree: a Remedy supervisor over `specs`.
start_fn subtree(supervisor_flags flags, std::vector<child_spec> specs) {
  return [flags, specs](caf::actor_system& sys, const caf::message&) {
    return spawn_supervisor(sys, flags, specs);
  };
}

start_fn failing_start() {
  return [](caf::actor_system&, const caf::message&)
           -> caf::expected<caf::actor> {
    return caf::make_error(caf::sec::runtime_error, "no database");
  };
}

} // namespace

TEST_CASE_METHOD(sup_fixture,
                 "a subtree starts completely before its next sibling",
                 "[supervisor][start]") {
  auto sub_flags = flags(strategy::one_for_one);
  sub_flags.name = "sub";
  auto sub = child_spec::supervisor(
    "sub", subtree(sub_flags, {worker("b"), worker("c")}));
  auto sup = spawn_sup(flags(strategy::one_for_one),
                       {worker("a"), sub, worker("d")});
  CHECK(log->lines == strings{"start:a", "start:b", "start:c", "start:d"});
  CHECK(!ask_unit(sup, await_started_atom::value));
}

TEST_CASE_METHOD(sup_fixture,
                 "a subtree whose child fails to start fails its parent's "
                 "start, as in OTP",
                 "[supervisor][start]") {
  auto sub_flags = flags(strategy::one_for_one);
  sub_flags.name = "sub";
  auto sub = child_spec::supervisor(
    "sub", subtree(sub_flags,
                   {worker("b"), child_spec::worker("broken", failing_start()),
                    worker("c")}));
  auto sup = spawn_supervisor(sys, flags(strategy::one_for_one),
                              {worker("a"), sub, worker("d")});
  REQUIRE(sup);
  track(*sup);
  self->monitor(*sup);
  auto waiting = self->request(*sup, caf::infinite, await_started_atom::value);
  run();
  // b started and was stopped again, then a; c and d never started.
  CHECK(log->lines
        == strings{"start:a", "start:b", "stop:b", "stop:a"});
  caf::error reply;
  waiting.receive([] {}, [&](caf::error& err) { reply = err; });
  CHECK(is(reply, errc::start_failed));
  caf::error reason;
  self->receive([&](caf::down_msg& msg) { reason = msg.reason; });
  REQUIRE(is(reason, errc::start_failed));
  CHECK(context_of(reason).find("'sub' failed to start") != std::string::npos);
  CHECK(context_of(reason).find("broken") != std::string::npos);
}

TEST_CASE_METHOD(sup_fixture,
                 "a supervisor killed outright takes its children with it",
                 "[supervisor][shutdown]") {
  auto before = sys.registry().running();
  auto sup = spawn_sup(flags(strategy::one_for_one),
                       {worker("a"), worker("b")});
  auto a = current(sup, "a");
  auto b = current(sup, "b");
  REQUIRE(a);
  REQUIRE(b);
  self->monitor(a);
  self->monitor(b);
  caf::anon_send_exit(sup, caf::exit_reason::kill);
  run();
  std::vector<caf::error> reasons;
  for (int i = 0; i < 2; ++i)
    self->receive([&](caf::down_msg& msg) { reasons.push_back(msg.reason); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(reasons.size() == 2);
  for (auto& r : reasons)
    CHECK(r == caf::exit_reason::kill);
  CHECK(sys.registry().running() == before);
}
