// The supervisor's life cycle under CAF's deterministic test coordinator:
// failing restarts, children that crash in init, escalation through two
// levels, a failing initial start, backoff in virtual time, shutdown
// timeouts and brutal kills, auto_shutdown, stopping a whole tree, and the
// events that all of this publishes.

#include <algorithm>

#include <catch2/catch.hpp>

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "remedy/supervision/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervision_event.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "support/probe.hpp"
#include "support/supervision_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;
using kind = supervision_event_kind;
using kinds = std::vector<supervision_event_kind>;

namespace {

constexpr caf::timespan ns1{1};

struct life_fixture : supervision_fixture {
  /// A start function for probe `id` that fails (with a CAF error) on calls
  /// number `first_failure` to `last_failure`, counting calls in `calls`.
  start_fn flaky(const std::string& id, std::shared_ptr<int> calls,
                 int first_failure, int last_failure) {
    auto ok = start(probe, id, log);
    return [=](caf::actor_system& sys,
               const caf::message& extra) -> caf::expected<caf::actor> {
      auto n = ++*calls;
      if (n >= first_failure && n <= last_failure)
        return caf::make_error(caf::sec::runtime_error,
                               "start #" + std::to_string(n) + " fails");
      return ok(sys, extra);
    };
  }

  /// Whether `x` is still alive (it answers a ping).
  bool alive(const caf::actor& x) {
    return static_cast<bool>(ask<std::string>(x, ping_atom::value));
  }

  /// The delay of the last child_restarting event.
  caf::timespan last_delay() {
    auto xs = events->of(kind::child_restarting);
    REQUIRE(!xs.empty());
    return xs.back().delay;
  }
};

} // namespace

// -- failing restarts
// ----------------------------------------------------------

TEST_CASE_METHOD(life_fixture,
                 "a restart whose start fails counts as a restart and is "
                 "retried",
                 "[supervisor][lifecycle][start_failure]") {
  collect_events();
  auto calls = std::make_shared<int>(0);
  // Call 1 (initial start) succeeds, calls 2 and 3 fail, call 4 succeeds.
  auto sup = spawn_sup(flags(strategy::one_for_one, 3),
                       {worker("a"),
                        child_spec::worker("b", flaky("b", calls, 2, 3))});
  self->monitor(sup);
  crash(sup, "b");
  CHECK(*calls == 4);
  auto b = child(sup, "b");
  CHECK(b.status == child_status::running);
  CHECK(b.restarts == 1);
  CHECK(lines("start:b") == 2);
  CHECK(events->count(kind::child_start_failed) == 2);
  CHECK(!has_reply()); // the supervisor is still alive
  // One crash and two failed starts used up the intensity of 3: the next
  // crash is one restart too many.
  crash(sup, "b");
  CHECK(is(down_reason(), errc::max_restart_intensity));
  CHECK(*calls == 4);
  CHECK(events->count(kind::escalated) == 1);
}

TEST_CASE_METHOD(life_fixture,
                 "a restart that keeps failing escalates once the intensity "
                 "is exceeded",
                 "[supervisor][lifecycle][start_failure]") {
  collect_events();
  auto calls = std::make_shared<int>(0);
  auto sup = spawn_sup(flags(strategy::one_for_one, 2),
                       {worker("a"),
                        child_spec::worker("b", flaky("b", calls, 2, 1000))});
  self->monitor(sup);
  auto mark = log->lines.size();
  crash(sup, "b");
  // Exit (1), failed start (2), failed start (3 > 2): give up.
  CHECK(*calls == 3);
  CHECK(is(down_reason(), errc::max_restart_intensity));
  CHECK(log->since(mark) == strings{"stop:b", "stop:a"});
  CHECK(events->kinds(0, "sup")
        == kinds{kind::child_started, kind::child_started, kind::child_exited,
                 kind::child_restarting, kind::child_start_failed,
                 kind::child_restarting, kind::child_start_failed,
                 kind::escalated, kind::child_terminated,
                 kind::supervisor_shutdown});
  for (auto& ev : events->of(kind::child_start_failed)) {
    CHECK(ev.child == "b");
    // The start function's CAF error is reported as Remedy's start_failed.
    CHECK(is(ev.reason, errc::start_failed));
  }
  advance(1h);
  CHECK(*calls == 3);
}

TEST_CASE_METHOD(life_fixture,
                 "a child that crashes in init forever is started at most "
                 "intensity + 1 times, then the supervisor escalates once",
                 "[supervisor][lifecycle][start_failure]") {
  collect_events();
  size_t intensity = GENERATE(0, 1, 3);
  auto sup = spawn_sup(flags(strategy::one_for_one, intensity),
                       {worker("a"),
                        child_spec::worker("bad", start(crash_in_init, log))});
  self->monitor(sup);
  run();
  CHECK(lines("init-crash") == intensity + 1);
  CHECK(events->count(kind::escalated) == 1);
  CHECK(is(down_reason(), errc::max_restart_intensity));
  for (auto& ev : events->of(kind::child_exited)) {
    CHECK(ev.child == "bad");
    CHECK(is(ev.reason, errc::unhandled_exception));
  }
  // Nothing else happens, however long we wait.
  advance(1h);
  CHECK(lines("init-crash") == intensity + 1);
  CHECK(events->count(kind::escalated) == 1);
  CHECK(lines("stop:a") == 1);
}

// -- escalation
// ----------------------------------------------------------------

TEST_CASE_METHOD(life_fixture,
                 "escalation climbs two levels and the root's strategy "
                 "applies",
                 "[supervisor][lifecycle][escalation]") {
  collect_events();
  auto tree
    = supervisor_builder("root", strategy::one_for_all)
        .intensity(5, 5s)
        .worker("sib", start(probe, std::string{"sib"}, log))
        .supervisor(supervisor_builder("middle").intensity(1, 5s).supervisor(
          supervisor_builder("leaf").intensity(1, 5s).worker(
            "w", start(probe, std::string{"w"}, log))))
        .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  self->monitor(tree->root);
  run();
  auto ep = tree->endpoint("middle/leaf/w");
  REQUIRE(ep);
  auto crash_w = [&] {
    self->send(ep, quit_atom::value,
               caf::make_error(caf::sec::runtime_error, "crash"));
    run();
  };
  CHECK(log->lines == strings{"start:sib", "start:w"});
  crash_w(); // leaf restarts w (1 of 1)
  crash_w(); // leaf exceeds; middle restarts leaf (1 of 1)
  auto escalations = events->of(kind::escalated);
  REQUIRE(escalations.size() == 1);
  CHECK(escalations[0].supervisor == "root/middle/leaf");
  CHECK(is(escalations[0].reason, errc::max_restart_intensity));
  CHECK(lines("start:sib") == 1);
  crash_w(); // the new leaf restarts w (1 of 1)
  crash_w(); // leaf exceeds again; middle exceeds; root restarts all
  escalations = events->of(kind::escalated);
  REQUIRE(escalations.size() == 3);
  CHECK(escalations[1].supervisor == "root/middle/leaf");
  CHECK(escalations[2].supervisor == "root/middle");
  for (auto& ev : escalations)
    CHECK(is(ev.reason, errc::max_restart_intensity));
  // The reasons seen by the parents.
  std::vector<supervision_event> leaf_exits;
  std::vector<supervision_event> middle_exits;
  for (auto& ev : events->of(kind::child_exited)) {
    if (ev.supervisor == "root/middle")
      leaf_exits.push_back(ev);
    else if (ev.supervisor == "root")
      middle_exits.push_back(ev);
  }
  REQUIRE(leaf_exits.size() == 2);
  for (auto& ev : leaf_exits) {
    CHECK(ev.child == "leaf");
    CHECK(is(ev.reason, errc::max_restart_intensity));
  }
  REQUIRE(middle_exits.size() == 1);
  CHECK(middle_exits[0].child == "middle");
  CHECK(is(middle_exits[0].reason, errc::max_restart_intensity));
  // one_for_all at the root: the sibling was stopped and started again.
  CHECK(lines("stop:sib") == 1);
  CHECK(lines("start:sib") == 2);
  // w: first start, leaf restart, new leaf, leaf restart, root restart.
  CHECK(lines("start:w") == 5);
  CHECK(!has_reply()); // the root is fine
  auto pong = ask<std::string>(ep, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "w");
}

// -- initial start
// -------------------------------------------------------------

TEST_CASE_METHOD(life_fixture,
                 "a failing initial start stops the children started so far "
                 "in reverse order and exits with start_failed",
                 "[supervisor][lifecycle][start_failure]") {
  collect_events();
  auto calls = std::make_shared<int>(0);
  auto sup = spawn_supervisor(
    sys, flags(),
    {worker("a"), worker("b"),
     child_spec::worker("bad", flaky("bad", calls, 1, 1000)), worker("d")});
  REQUIRE(sup);
  track(*sup);
  self->monitor(*sup);
  run();
  CHECK(log->lines == strings{"start:a", "start:b", "stop:b", "stop:a"});
  CHECK(*calls == 1);
  auto reason = down_reason();
  CHECK(is(reason, errc::start_failed));
  CHECK(context_of(reason).find("bad") != std::string::npos);
  CHECK(events->kinds()
        == kinds{kind::child_started, kind::child_started,
                 kind::child_start_failed, kind::child_terminated,
                 kind::child_terminated, kind::supervisor_shutdown});
  advance(1h);
  CHECK(*calls == 1);
}

// -- backoff
// -------------------------------------------------------------------

TEST_CASE_METHOD(life_fixture,
                 "a restart happens exactly after the backoff delay",
                 "[supervisor][lifecycle][backoff]") {
  collect_events();
  auto f = flags();
  f.backoff = backoff::exponential(100ms, 10s);
  auto sup = spawn_sup(f, {worker("a"), worker("b")});
  for (caf::timespan delay :
       {caf::timespan{100ms}, caf::timespan{200ms}, caf::timespan{400ms}}) {
    auto starts = lines("start:b");
    auto t0 = now();
    crash(sup, "b");
    CHECK(last_delay() == delay);
    auto info = child(sup, "b");
    CHECK(info.status == child_status::restarting);
    CHECK(!info.current);
    CHECK(child(sup, "a").status == child_status::running);
    advance(delay - ns1);
    CHECK(child(sup, "b").status == child_status::restarting);
    CHECK(lines("start:b") == starts);
    advance(ns1);
    CHECK(child(sup, "b").status == child_status::running);
    CHECK(lines("start:b") == starts + 1);
    auto restarted = events->of(kind::child_restarted);
    REQUIRE(!restarted.empty());
    CHECK(restarted.back().at == (t0 + delay).time_since_epoch());
  }
}

TEST_CASE_METHOD(life_fixture,
                 "backoff jitter stays in bounds and is reproducible with a "
                 "fixed seed",
                 "[supervisor][lifecycle][backoff]") {
  collect_events();
  auto b = backoff::exponential(100ms, 10s).with_jitter(0.5);
  auto f = flags();
  f.backoff = b;
  f.seed = 42;
  auto run_schedule = [&](const std::string& name) {
    f.name = name;
    auto sup = spawn_sup(f, {worker("a")});
    std::vector<caf::timespan> delays;
    for (uint32_t attempt = 0; attempt < 5; ++attempt) {
      crash(sup, "a");
      auto d = last_delay();
      auto base = b.base_delay(attempt);
      CHECK(d >= base);
      CHECK(d <= base + base / 2);
      advance(d - ns1);
      CHECK(child(sup, "a").status == child_status::restarting);
      advance(ns1);
      CHECK(child(sup, "a").status == child_status::running);
      delays.push_back(d);
    }
    return delays;
  };
  auto first = run_schedule("one");
  auto second = run_schedule("two");
  CHECK(first == second);
  // With this seed the jitter is not zero every time.
  size_t jittered = 0;
  for (uint32_t i = 0; i < first.size(); ++i)
    if (first[i] != b.base_delay(i))
      ++jittered;
  CHECK(jittered > 0);
}

TEST_CASE_METHOD(life_fixture,
                 "the backoff resets after the child ran for reset_after",
                 "[supervisor][lifecycle][backoff]") {
  collect_events();
  auto f = flags();
  f.intensity = 100;
  f.backoff = backoff::exponential(100ms, 10s).with_reset_after(500ms);
  auto sup = spawn_sup(f, {worker("a")});
  auto cycle = [&](caf::timespan uptime) {
    advance(uptime);
    crash(sup, "a");
    auto d = last_delay();
    advance(d);
    REQUIRE(child(sup, "a").status == child_status::running);
    return d;
  };
  CHECK(cycle(0s) == 100ms);
  CHECK(cycle(0s) == 200ms);
  CHECK(cycle(499ms) == 400ms); // not stable long enough
  CHECK(cycle(500ms) == 100ms); // stable for reset_after: back to min
  CHECK(cycle(0s) == 200ms);
}

// -- shutdown
// ------------------------------------------------------------------

TEST_CASE_METHOD(life_fixture,
                 "a child that ignores its exit is killed after exactly its "
                 "shutdown grace while the root stops",
                 "[supervisor][lifecycle][shutdown]") {
  collect_events();
  caf::timespan grace = 2s;
  child_spec stubborn = worker("b");
  SECTION("explicit timeout") {
    stubborn.with_shutdown(shutdown_spec::timeout(2s));
  }
  SECTION("automatic: 5 s for a worker") {
    grace = 5s;
  }
  auto sup = spawn_sup(flags(), {worker("a"), stubborn});
  self->send(current(sup, "b"), ignore_exit_atom::value);
  run();
  self->monitor(sup);
  auto mark = log->lines.size();
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  run();
  CHECK(log->since(mark).empty());
  advance(grace - ns1);
  CHECK(log->since(mark).empty());
  CHECK(!has_reply());
  advance(ns1);
  CHECK(log->since(mark) == strings{"stop:b", "stop:a"});
  CHECK(down_reason() == caf::exit_reason::user_shutdown);
  auto terminated = events->of(kind::child_terminated);
  REQUIRE(terminated.size() == 2);
  CHECK(terminated[0].child == "b");
  CHECK(terminated[0].reason == caf::exit_reason::kill);
  CHECK(terminated[1].child == "a");
  CHECK(terminated[1].reason == caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(life_fixture, "brutal_kill stops a child at once",
                 "[supervisor][lifecycle][shutdown]") {
  collect_events();
  auto sup = spawn_sup(flags(), {worker("a"), worker("b").with_shutdown(
                                                shutdown_spec::brutal_kill())});
  auto b = current(sup, "b");
  self->send(b, ignore_exit_atom::value);
  run();
  SECTION("terminate_child") {
    // Answered in the same run, without advancing time.
    CHECK(!ask_unit(sup, terminate_child_atom::value, std::string{"b"}));
    CHECK(lines("stop:b") == 1);
    CHECK(child(sup, "b").status == child_status::terminated);
  }
  SECTION("stopping the supervisor") {
    self->monitor(sup);
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    run();
    CHECK(log->since(2) == strings{"stop:b", "stop:a"});
    CHECK(down_reason() == caf::exit_reason::user_shutdown);
  }
  auto terminated = events->of(kind::child_terminated);
  REQUIRE(!terminated.empty());
  CHECK(terminated[0].child == "b");
  CHECK(terminated[0].reason == caf::exit_reason::kill);
}

// -- auto_shutdown
// -------------------------------------------------------------

TEST_CASE_METHOD(life_fixture,
                 "auto_shutdown any_significant: the supervisor exits when a "
                 "significant child ends by itself",
                 "[supervisor][lifecycle][auto_shutdown]") {
  auto f = flags();
  f.auto_shutdown = auto_shutdown::any_significant;
  auto sup = spawn_sup(
    f, {worker("a"), worker("s", restart_type::transient).with_significant(),
        worker("t", restart_type::temporary).with_significant(), worker("z")});
  self->monitor(sup);
  auto mark = log->lines.size();
  SECTION("a transient child exits normally") {
    crash(sup, "s", caf::exit_reason::normal);
    CHECK(log->since(mark) == strings{"stop:s", "stop:z", "stop:t", "stop:a"});
    CHECK(down_reason() == caf::exit_reason::user_shutdown);
  }
  SECTION("a temporary child exits abnormally") {
    crash(sup, "t");
    CHECK(log->since(mark) == strings{"stop:t", "stop:z", "stop:s", "stop:a"});
    CHECK(down_reason() == caf::exit_reason::user_shutdown);
  }
  SECTION("a transient child crashes: restarted, no shutdown") {
    crash(sup, "s");
    CHECK(log->since(mark) == strings{"stop:s", "start:s"});
    CHECK(!has_reply());
    CHECK(child(sup, "s").status == child_status::running);
  }
  SECTION("terminate_child of a significant child: no shutdown") {
    CHECK(!ask_unit(sup, terminate_child_atom::value, std::string{"s"}));
    CHECK(!ask_unit(sup, terminate_child_atom::value, std::string{"t"}));
    CHECK(log->since(mark) == strings{"stop:s", "stop:t"});
    CHECK(!has_reply());
    CHECK(child(sup, "a").status == child_status::running);
    CHECK(child(sup, "s").status == child_status::terminated);
  }
}

TEST_CASE_METHOD(life_fixture,
                 "auto_shutdown all_significant: the supervisor exits when "
                 "the last significant child ends by itself",
                 "[supervisor][lifecycle][auto_shutdown]") {
  auto f = flags();
  f.auto_shutdown = auto_shutdown::all_significant;
  auto sup = spawn_sup(
    f, {worker("a"), worker("s", restart_type::transient).with_significant(),
        worker("t", restart_type::temporary).with_significant()});
  self->monitor(sup);
  auto mark = log->lines.size();
  crash(sup, "s", caf::exit_reason::normal);
  CHECK(!has_reply());
  CHECK(child(sup, "s").status == child_status::terminated);
  CHECK(child(sup, "a").status == child_status::running);
  crash(sup, "t", caf::exit_reason::normal);
  CHECK(log->since(mark) == strings{"stop:s", "stop:t", "stop:a"});
  CHECK(down_reason() == caf::exit_reason::user_shutdown);
}

// -- stopping a tree
// -----------------------------------------------------------

TEST_CASE_METHOD(life_fixture,
                 "stopping the root stops the whole tree in reverse order and "
                 "leaves no actor running",
                 "[supervisor][lifecycle][shutdown]") {
  collect_events();
  auto before = sys.registry().running();
  auto tree = supervisor_builder("root")
                .worker("a", start(probe, std::string{"a"}, log))
                .worker("b", start(probe, std::string{"b"}, log))
                .supervisor(supervisor_builder("sub")
                              .worker("c", start(probe, std::string{"c"}, log))
                              .worker("d", start(probe, std::string{"d"}, log)))
                .worker("e", start(probe, std::string{"e"}, log))
                .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  run();
  // A dynamic child with an endpoint made on demand by the root.
  REQUIRE(ask<child_info>(tree->root, start_child_atom::value, worker("f")));
  REQUIRE(
    ask<caf::actor>(tree->root, get_endpoint_atom::value, std::string{"f"}));
  run();
  // Siblings start in spec order and a subtree's children in its own order.
  // (A subtree supervisor starts its children when it first runs, so the
  // root may spawn "e" before "c" and "d" exist: unlike OTP, spawning a
  // supervisor does not wait for its init.)
  auto at = [&](const std::string& line) {
    auto i = std::find(log->lines.begin(), log->lines.end(), line);
    REQUIRE(i != log->lines.end());
    return i - log->lines.begin();
  };
  CHECK(log->lines.size() == 6);
  CHECK(at("start:a") < at("start:b"));
  CHECK(at("start:b") < at("start:e"));
  CHECK(at("start:e") < at("start:f"));
  CHECK(at("start:c") < at("start:d"));
  // 6 workers, 2 supervisors, the builder's endpoints (one per static child)
  // and the on-demand endpoint of "f".
  CHECK(tree->endpoints.count("a") == 1);
  CHECK(tree->endpoints.count("sub/c") == 1);
  CHECK(sys.registry().running() == before + 8 + tree->endpoints.size() + 1);
  self->monitor(tree->root);
  auto mark = log->lines.size();
  caf::anon_send_exit(tree->root, caf::exit_reason::user_shutdown);
  run();
  CHECK(log->since(mark)
        == strings{"stop:f", "stop:e", "stop:d", "stop:c", "stop:b", "stop:a"});
  CHECK(down_reason() == caf::exit_reason::user_shutdown);
  CHECK(sys.registry().running() == before);
  auto shutdowns = events->of(kind::supervisor_shutdown);
  REQUIRE(shutdowns.size() == 2);
  CHECK(shutdowns[0].supervisor == "root/sub");
  CHECK(shutdowns[1].supervisor == "root");
}

// -- events
// --------------------------------------------------------------------

TEST_CASE_METHOD(life_fixture, "events of one crash and restart, in order",
                 "[supervisor][lifecycle][events]") {
  collect_events();
  auto sup = spawn_sup(flags(), {worker("a"), worker("b")});
  CHECK(events->kinds() == kinds{kind::child_started, kind::child_started});
  auto old = current(sup, "b");
  auto mark = events->events.size();
  crash(sup, "b");
  auto fresh = current(sup, "b");
  REQUIRE(events->kinds(mark)
          == kinds{kind::child_exited, kind::child_restarting,
                   kind::child_restarted});
  auto& exited = events->events[mark];
  auto& restarting = events->events[mark + 1];
  auto& restarted = events->events[mark + 2];
  for (auto* ev : {&exited, &restarting, &restarted}) {
    CHECK(ev->supervisor == "sup");
    CHECK(ev->child == "b");
  }
  CHECK(exited.actor == old.id());
  CHECK(exited.reason == caf::sec::runtime_error);
  CHECK(restarting.delay == caf::timespan{0});
  CHECK(restarted.actor == fresh.id());
  CHECK(restarted.restarts == 1);
  CHECK(topic(restarted) == "supervision.child_restarted");
}

TEST_CASE_METHOD(life_fixture, "events of an escalation, in order",
                 "[supervisor][lifecycle][events]") {
  collect_events();
  auto sup = spawn_sup(flags(strategy::one_for_one, 1),
                       {worker("a"), worker("b")});
  self->monitor(sup);
  crash(sup, "b");
  auto mark = events->events.size();
  crash(sup, "b");
  CHECK(is(down_reason(), errc::max_restart_intensity));
  REQUIRE(events->kinds(mark)
          == kinds{kind::child_exited, kind::escalated,
                   kind::child_terminated, kind::supervisor_shutdown});
  auto& escalated = events->events[mark + 1];
  CHECK(escalated.supervisor == "sup");
  CHECK(escalated.child.empty());
  CHECK(is(escalated.reason, errc::max_restart_intensity));
  CHECK(escalated.restarts == 2);
  CHECK(events->events[mark + 2].child == "a");
  CHECK(events->events[mark + 2].cause == "shutdown");
  auto& shutdown = events->events[mark + 3];
  CHECK(is(shutdown.reason, errc::max_restart_intensity));
}

TEST_CASE_METHOD(life_fixture,
                 "a subscriber to another prefix sees no supervision events",
                 "[supervisor][lifecycle][events]") {
  collect_events("supervision.escalated");
  auto sup = spawn_sup(flags(strategy::one_for_one, 0), {worker("a")});
  self->monitor(sup);
  crash(sup, "a");
  CHECK(is(down_reason(), errc::max_restart_intensity));
  CHECK(events->kinds() == kinds{kind::escalated});
}
