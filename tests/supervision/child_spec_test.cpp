// child_spec, shutdown_spec, restart_type, supervisor_flags and
// remedy::validate as values: validation errors name the child (or the
// supervisor path) and the bad field and are returned, never thrown or
// aborted; defaults are OTP's. Then launch() and supervisor_builder::spawn()
// against a real actor system: bad input spawns nothing, a throwing start
// becomes errc::start_failed, named actor types spawn through CAF's factory.

#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

#include "remedy/runtime/config.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace std::chrono_literals;

namespace {

caf::behavior idle(caf::event_based_actor*) {
  return {
    [](int x) { return x; },
  };
}

// Named actor types for launch(): the sum of the spec's args and the extra
// start_child args, and a constant.
caf::behavior adder(caf::event_based_actor*, int a, int b) {
  return {
    [=](const std::string&) { return a + b; },
  };
}

caf::behavior constant(caf::event_based_actor*, int a) {
  return {
    [=](const std::string&) { return a; },
  };
}

struct named_config : remedy::config {
  named_config() {
    add_actor_type("adder", adder);
    add_actor_type("constant", constant);
  }
};

child_spec valid_worker(std::string id = "w") {
  return child_spec::worker(std::move(id), start(idle));
}

start_fn dummy_start() {
  return [](caf::actor_system&, const caf::message&)
           -> caf::expected<caf::actor> { return caf::actor{}; };
}

/// Checks that `err` is an invalid_argument whose context contains every
/// string in `parts`.
void check_invalid(const caf::error& err, std::vector<std::string> parts) {
  REQUIRE(err);
  CHECK(is(err, errc::invalid_argument));
  auto ctx = context_of(err);
  for (auto& part : parts)
    CHECK_THAT(ctx, Catch::Contains(part));
}

/// Asks `dest` for a reply of type T with a hard limit (no sleep: a blocking
/// receive that returns as soon as the reply is there).
template <class T, class... Ts>
caf::expected<T> ask_blocking(caf::actor_system& sys, const caf::actor& dest,
                              Ts&&... xs) {
  caf::scoped_actor self{sys};
  caf::expected<T> result{caf::make_error(caf::sec::request_timeout)};
  self->request(dest, std::chrono::seconds(10), std::forward<Ts>(xs)...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace

// -- child_spec::validate -----------------------------------------------------

TEST_CASE("child_spec factories set the documented defaults", "[child_spec]") {
  auto w = valid_worker("db");
  CHECK(w.id == "db");
  CHECK(static_cast<bool>(w.start));
  CHECK(w.actor_type.empty());
  CHECK(w.args.empty());
  CHECK(w.restart == restart_type::permanent);
  CHECK(w.shutdown == shutdown_spec::automatic());
  CHECK(w.type == child_type::worker);
  CHECK_FALSE(w.significant);
  CHECK(w.stash == stash_policy{});
  CHECK(w.stash.capacity == 1024);
  CHECK(w.stash.overflow == overflow_policy::reject_new);
  CHECK(w.stash.max_wait == caf::timespan{30s});
  CHECK_FALSE(w.endpoint);
  CHECK(!w.validate());

  auto s = child_spec::supervisor("sub", start(idle));
  CHECK(s.type == child_type::supervisor);
  CHECK(s.shutdown == shutdown_spec::automatic());
  CHECK(!s.validate());

  auto n = child_spec::named("n", "adder", caf::make_message(1));
  CHECK(n.id == "n");
  CHECK_FALSE(static_cast<bool>(n.start));
  CHECK(n.actor_type == "adder");
  CHECK(n.args.match_elements<int>());
  CHECK(n.type == child_type::worker);
  CHECK(!n.validate());

  auto f = valid_worker()
             .with_restart(restart_type::transient)
             .with_shutdown(shutdown_spec::brutal_kill())
             .with_significant()
             .with_stash(stash_policy{7, overflow_policy::drop_oldest, 1s});
  CHECK(f.restart == restart_type::transient);
  CHECK(f.shutdown == shutdown_spec::brutal_kill());
  CHECK(f.significant);
  CHECK(f.stash == stash_policy{7, overflow_policy::drop_oldest, 1s});
  CHECK(!f.validate());
}

TEST_CASE("child_spec::validate rejects an empty id", "[child_spec]") {
  auto err = valid_worker("").validate();
  check_invalid(err, {"child spec", "id is empty"});
}

TEST_CASE("child_spec::validate rejects '/' in the id", "[child_spec]") {
  for (auto id : {"a/b", "/", "/a", "a/"}) {
    CAPTURE(id);
    check_invalid(valid_worker(id).validate(),
                  {"child spec '" + std::string{id} + "'", "id",
                   "must not contain '/'"});
  }
}

TEST_CASE("child_spec::validate rejects a spec without a way to start",
          "[child_spec]") {
  child_spec spec;
  spec.id = "lonely";
  check_invalid(spec.validate(), {"child spec 'lonely'", "no start"});
  // Either way of starting is enough.
  spec.actor_type = "adder";
  CHECK(!spec.validate());
  spec.actor_type.clear();
  spec.start = dummy_start();
  CHECK(!spec.validate());
}

TEST_CASE("child_spec::validate rejects a significant permanent child",
          "[child_spec]") {
  check_invalid(valid_worker("sig").with_significant().validate(),
                {"child spec 'sig'", "significant", "permanent"});
  CHECK(!valid_worker("sig")
           .with_restart(restart_type::transient)
           .with_significant()
           .validate());
  CHECK(!valid_worker("sig")
           .with_restart(restart_type::temporary)
           .with_significant()
           .validate());
}

TEST_CASE("child_spec::validate rejects a shutdown timeout that is not "
          "positive",
          "[child_spec]") {
  for (auto t : {caf::timespan{0}, caf::timespan{-1}, caf::timespan{-5s}}) {
    CAPTURE(t.count());
    check_invalid(
      valid_worker("slow").with_shutdown(shutdown_spec::timeout(t)).validate(),
      {"child spec 'slow'", "shutdown", "timeout must be positive"});
  }
  CHECK(!valid_worker()
           .with_shutdown(shutdown_spec::timeout(caf::timespan{1}))
           .validate());
  CHECK(!valid_worker().with_shutdown(shutdown_spec::brutal_kill()).validate());
  CHECK(!valid_worker().with_shutdown(shutdown_spec::infinity()).validate());
  CHECK(!valid_worker().with_shutdown(shutdown_spec::automatic()).validate());
}

TEST_CASE("child_spec::validate rejects a stash max_wait that is not "
          "positive",
          "[child_spec]") {
  for (auto t : {caf::timespan{0}, caf::timespan{-1}}) {
    CAPTURE(t.count());
    stash_policy sp;
    sp.max_wait = t;
    check_invalid(sp.validate(), {"stash.max_wait", "must be positive"});
    check_invalid(valid_worker("q").with_stash(sp).validate(),
                  {"child spec 'q'", "stash.max_wait", "must be positive"});
  }
  // Capacity 0 is allowed (refuse everything during a restart).
  stash_policy zero;
  zero.capacity = 0;
  CHECK(!zero.validate());
  CHECK(!valid_worker().with_stash(zero).validate());
}

TEST_CASE("child_spec::validate rejects enum values out of range",
          "[child_spec]") {
  auto r = valid_worker("e");
  r.restart = static_cast<restart_type>(3);
  check_invalid(r.validate(), {"child spec 'e'", "restart"});
  auto t = valid_worker("e");
  t.type = static_cast<child_type>(2);
  check_invalid(t.validate(), {"child spec 'e'", "type"});
  auto s = valid_worker("e");
  s.shutdown.mode = static_cast<shutdown_spec::kind>(4);
  check_invalid(s.validate(), {"child spec 'e'", "shutdown"});
  auto o = valid_worker("e");
  o.stash.overflow = static_cast<overflow_policy>(2);
  check_invalid(o.validate(), {"child spec 'e'", "stash.overflow"});
}

TEST_CASE("validation errors are invalid_argument and nothing else",
          "[child_spec]") {
  auto err = valid_worker("").validate();
  REQUIRE(err);
  CHECK(err.category() == error_category);
  CHECK(is(err, errc::invalid_argument));
  CHECK_FALSE(is(err, errc::start_failed));
  CHECK_FALSE(is(err, errc::none));
  // A CAF error with the same code in another category is not ours.
  CHECK_FALSE(is(caf::make_error(static_cast<caf::sec>(
                   static_cast<uint8_t>(errc::invalid_argument))),
                 errc::invalid_argument));
}

// -- shutdown_spec ------------------------------------------------------------

TEST_CASE("shutdown_spec::resolve gives OTP's defaults", "[shutdown_spec]") {
  CHECK(default_worker_shutdown == caf::timespan{5s});
  auto a = shutdown_spec::automatic();
  CHECK(a.mode == shutdown_spec::kind::automatic);
  CHECK(a == shutdown_spec{});
  CHECK(a.resolve(child_type::worker) == shutdown_spec::timeout(5s));
  CHECK(a.resolve(child_type::supervisor) == shutdown_spec::infinity());
  for (auto t : {child_type::worker, child_type::supervisor}) {
    CAPTURE(to_string(t));
    CHECK(shutdown_spec::brutal_kill().resolve(t)
          == shutdown_spec::brutal_kill());
    CHECK(shutdown_spec::infinity().resolve(t) == shutdown_spec::infinity());
    CHECK(shutdown_spec::timeout(2s).resolve(t) == shutdown_spec::timeout(2s));
  }
  CHECK_FALSE(shutdown_spec::timeout(2s) == shutdown_spec::timeout(3s));
  CHECK_FALSE(shutdown_spec::infinity() == shutdown_spec::brutal_kill());
}

TEST_CASE("shutdown_spec renders its mode", "[shutdown_spec]") {
  CHECK(to_string(shutdown_spec::automatic()) == "automatic");
  CHECK(to_string(shutdown_spec::brutal_kill()) == "brutal_kill");
  CHECK(to_string(shutdown_spec::infinity()) == "infinity");
  CHECK(to_string(shutdown_spec::timeout(5s)) == "5000ms");
  CHECK(to_string(shutdown_spec::timeout(250ms)) == "250ms");
}

TEST_CASE("child_type names", "[child_spec]") {
  CHECK(std::string{to_string(child_type::worker)} == "worker");
  CHECK(std::string{to_string(child_type::supervisor)} == "supervisor");
}

// -- restart_type -------------------------------------------------------------

TEST_CASE("restart_type names", "[restart_type]") {
  CHECK(std::string{to_string(restart_type::permanent)} == "permanent");
  CHECK(std::string{to_string(restart_type::transient)} == "transient");
  CHECK(std::string{to_string(restart_type::temporary)} == "temporary");
}

TEST_CASE("is_normal_exit and should_restart follow OTP", "[restart_type]") {
  struct row {
    const char* name;
    caf::error reason;
    bool normal;
  };
  std::vector<row> rows{
    {"none", caf::error{}, true},
    {"exit normal", caf::exit_reason::normal, true},
    {"exit user_shutdown", caf::exit_reason::user_shutdown, true},
    {"exit kill", caf::exit_reason::kill, false},
    {"exit unhandled_exception", caf::exit_reason::unhandled_exception, false},
    {"exit unknown", caf::exit_reason::unknown, false},
    {"exit unreachable", caf::exit_reason::unreachable, false},
    {"remedy unhandled_exception",
     make_error(errc::unhandled_exception, "boom"), false},
    {"remedy max_restart_intensity", make_error(errc::max_restart_intensity),
     false},
    // Same code as exit_reason::user_shutdown (4), other category.
    {"remedy already_started", make_error(errc::already_started), false},
    {"sec runtime_error", caf::make_error(caf::sec::runtime_error, "crash"),
     false},
    {"sec runtime_error without context", caf::sec::runtime_error, false},
    // Same code as exit_reason::user_shutdown in the system category.
    {"sec code 4", caf::error{4, caf::atom("system")}, false},
  };
  for (auto& r : rows) {
    CAPTURE(r.name, render(r.reason));
    CHECK(is_normal_exit(r.reason) == r.normal);
    CHECK(should_restart(restart_type::permanent, r.reason));
    CHECK(should_restart(restart_type::transient, r.reason) == !r.normal);
    CHECK_FALSE(should_restart(restart_type::temporary, r.reason));
  }
}

TEST_CASE("should_restart is false for an invalid restart type",
          "[restart_type]") {
  CHECK_FALSE(should_restart(static_cast<restart_type>(9),
                             caf::exit_reason::kill));
}

// -- supervisor_flags and remedy::validate ------------------------------------

TEST_CASE("supervisor_flags defaults are OTP's", "[supervisor_flags]") {
  supervisor_flags f;
  CHECK(f.name == "supervisor");
  CHECK(f.strategy == strategy::one_for_one);
  CHECK(f.intensity == 1);
  CHECK(f.period == caf::timespan{5s});
  CHECK(f.backoff == backoff::none());
  CHECK(f.auto_shutdown == auto_shutdown::never);
  CHECK(f.seed == 0);
  CHECK(!f.validate());
  CHECK(std::string{to_string(auto_shutdown::never)} == "never");
  CHECK(std::string{to_string(auto_shutdown::any_significant)}
        == "any_significant");
  CHECK(std::string{to_string(auto_shutdown::all_significant)}
        == "all_significant");
}

namespace {

supervisor_flags named_flags(std::string name = "sup",
                             strategy s = strategy::one_for_one) {
  supervisor_flags f;
  f.name = std::move(name);
  f.strategy = s;
  return f;
}

} // namespace

TEST_CASE("validate accepts good flags and specs", "[supervisor_flags]") {
  CHECK(!validate(named_flags(), {}));
  CHECK(!validate(named_flags(), {valid_worker("a"), valid_worker("b")}));
  CHECK(!validate(named_flags("pool", strategy::simple_one_for_one),
                  {valid_worker("conn")}));
  auto f = named_flags();
  f.intensity = 0;
  CHECK(!validate(f, {valid_worker()}));
  f.intensity = 1'000'000;
  CHECK(!validate(f, {valid_worker()}));
}

TEST_CASE("validate rejects duplicate ids, naming both positions",
          "[supervisor_flags]") {
  auto err = validate(named_flags(), {valid_worker("a"), valid_worker("b"),
                                      valid_worker("a")});
  check_invalid(err, {"supervisor 'sup'", "duplicate child id 'a'",
                      "children #1 and #3"});
  auto err2 = validate(named_flags(), {valid_worker("x"), valid_worker("y"),
                                       valid_worker("z"), valid_worker("y")});
  check_invalid(err2, {"duplicate child id 'y'", "children #2 and #4"});
}

TEST_CASE("validate requires exactly one spec for simple_one_for_one",
          "[supervisor_flags]") {
  auto f = named_flags("pool", strategy::simple_one_for_one);
  check_invalid(validate(f, {}),
                {"supervisor 'pool'", "simple_one_for_one", "got 0"});
  check_invalid(validate(f, {valid_worker("a"), valid_worker("b")}),
                {"supervisor 'pool'", "simple_one_for_one", "got 2"});
}

TEST_CASE("validate rejects a significant child with auto_shutdown never",
          "[supervisor_flags]") {
  auto sig = valid_worker("s")
               .with_restart(restart_type::transient)
               .with_significant();
  check_invalid(validate(named_flags(), {valid_worker("a"), sig}),
                {"supervisor 'sup'", "child 's'", "significant",
                 "auto_shutdown"});
  for (auto a : {auto_shutdown::any_significant,
                 auto_shutdown::all_significant}) {
    auto f = named_flags();
    f.auto_shutdown = a;
    CHECK(!validate(f, {valid_worker("a"), sig}));
  }
}

TEST_CASE("validate names the position of a bad child spec",
          "[supervisor_flags]") {
  check_invalid(validate(named_flags(), {valid_worker("a"), valid_worker("")}),
                {"supervisor 'sup'", "child #2", "id is empty"});
  check_invalid(
    validate(named_flags(), {valid_worker("a"), valid_worker("b"),
                             valid_worker("c").with_shutdown(
                               shutdown_spec::timeout(caf::timespan{0}))}),
    {"supervisor 'sup'", "child #3", "child spec 'c'", "shutdown"});
}

TEST_CASE("validate rejects bad flags", "[supervisor_flags]") {
  check_invalid(validate(named_flags(""), {valid_worker()}),
                {"supervisor", "name is empty"});
  auto zero = named_flags();
  zero.period = caf::timespan{0};
  check_invalid(validate(zero, {valid_worker()}),
                {"supervisor 'sup'", "period", "must be positive"});
  auto negative = named_flags();
  negative.period = -1s;
  check_invalid(validate(negative, {}), {"supervisor 'sup'", "period"});
  auto many = named_flags();
  many.intensity = 1'000'001;
  check_invalid(validate(many, {}), {"supervisor 'sup'", "intensity"});
  auto bad_backoff = named_flags();
  bad_backoff.backoff = backoff::exponential(100ms, 10s).with_jitter(2.0);
  check_invalid(validate(bad_backoff, {valid_worker()}),
                {"supervisor 'sup'", "backoff.jitter"});
  auto bad_backoff2 = named_flags();
  bad_backoff2.backoff = backoff::exponential(2s, 1s);
  check_invalid(validate(bad_backoff2, {}),
                {"supervisor 'sup'", "backoff.min"});
  auto bad_strategy = named_flags();
  bad_strategy.strategy = static_cast<strategy>(4);
  check_invalid(validate(bad_strategy, {}), {"supervisor 'sup'", "strategy"});
  auto bad_auto = named_flags();
  bad_auto.auto_shutdown = static_cast<auto_shutdown>(3);
  check_invalid(validate(bad_auto, {}),
                {"supervisor 'sup'", "auto_shutdown"});
}

TEST_CASE("validate checks flags before children", "[supervisor_flags]") {
  auto f = named_flags();
  f.period = caf::timespan{0};
  check_invalid(validate(f, {valid_worker(""), valid_worker("")}),
                {"period"});
}

// -- supervisor_builder::validate ---------------------------------------------

TEST_CASE("supervisor_builder::validate accepts a good tree",
          "[supervisor_builder]") {
  auto b = supervisor_builder("root")
             .intensity(3, 5s)
             .worker("db", start(idle))
             .supervisor(supervisor_builder("io", strategy::rest_for_one)
                           .worker("listener", start(idle))
                           .worker("acceptor", start(idle)))
             .supervisor(
               supervisor_builder("conns", strategy::simple_one_for_one)
                 .worker("conn", start(idle), restart_type::temporary));
  CHECK(!b.validate());
  CHECK(b.flags().name == "root");
  CHECK(b.flags().intensity == 3);
  CHECK(b.flags().period == caf::timespan{5s});
}

TEST_CASE("supervisor_builder::validate names the supervisor path",
          "[supervisor_builder]") {
  SECTION("bad worker in a subtree") {
    auto err = supervisor_builder("root")
                 .worker("db", start(idle))
                 .supervisor(supervisor_builder("io").worker("", start(idle)))
                 .validate();
    check_invalid(err, {"supervisor 'root/io'", "child #1", "id is empty"});
  }
  SECTION("bad flags two levels down") {
    auto err
      = supervisor_builder("root")
          .supervisor(supervisor_builder("io").supervisor(
            supervisor_builder("tcp").intensity(1, caf::timespan{0})))
          .validate();
    check_invalid(err, {"supervisor 'root/io/tcp'", "period"});
  }
  SECTION("bad worker at the root") {
    auto err = supervisor_builder("root")
                 .worker("a", start(idle))
                 .child(child_spec::worker("b", start_fn{}))
                 .validate();
    check_invalid(err, {"supervisor 'root'", "child #2", "child spec 'b'",
                        "no start"});
  }
  SECTION("pool with two templates") {
    auto err
      = supervisor_builder("root")
          .supervisor(supervisor_builder("pool", strategy::simple_one_for_one)
                        .worker("a", start(idle))
                        .worker("b", start(idle)))
          .validate();
    check_invalid(err, {"supervisor 'root/pool'", "got 2"});
  }
  SECTION("a subtree and a worker with the same id") {
    auto err = supervisor_builder("root")
                 .worker("io", start(idle))
                 .supervisor(supervisor_builder("io").worker("x", start(idle)))
                 .validate();
    check_invalid(err, {"supervisor 'root'", "duplicate child id 'io'",
                        "children #1 and #2"});
  }
  SECTION("a subtree name with '/'") {
    auto err = supervisor_builder("root")
                 .supervisor(supervisor_builder("a/b").worker("x", start(idle)))
                 .validate();
    check_invalid(err, {"supervisor 'root'", "child spec 'a/b'", "'/'"});
  }
  SECTION("a significant child without auto_shutdown in a subtree") {
    auto err = supervisor_builder("root")
                 .supervisor(supervisor_builder("io").child(
                   valid_worker("s")
                     .with_restart(restart_type::transient)
                     .with_significant()))
                 .validate();
    check_invalid(err, {"supervisor 'root/io'", "child 's'", "significant"});
  }
  SECTION("bad backoff at the root") {
    auto err = supervisor_builder("root")
                 .with_backoff(backoff::exponential(0ms, 1s))
                 .worker("a", start(idle))
                 .validate();
    check_invalid(err, {"supervisor 'root'", "backoff.min"});
  }
  SECTION("an empty root name") {
    check_invalid(supervisor_builder("").worker("a", start(idle)).validate(),
                  {"supervisor: name is empty"});
  }
}

// -- supervisor_builder::spawn on a real actor system -------------------------

TEST_CASE("supervisor_builder::spawn on a bad tree spawns nothing",
          "[supervisor_builder]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  auto running = sys.registry().running();
  auto last_id = sys.latest_actor_id();
  auto bad = supervisor_builder("root")
               .worker("db", start(idle))
               .supervisor(supervisor_builder("io")
                             .worker("listener", start(idle))
                             .worker("listener", start(idle)));
  auto tree = bad.spawn(sys);
  REQUIRE_FALSE(tree);
  check_invalid(tree.error(), {"supervisor 'root/io'",
                               "duplicate child id 'listener'"});
  CHECK(sys.registry().running() == running);
  CHECK(sys.latest_actor_id() == last_id);
  // spawn_supervisor refuses the same way.
  auto sup = spawn_supervisor(sys, named_flags(),
                              {valid_worker("a"), valid_worker("a")});
  REQUIRE_FALSE(sup);
  check_invalid(sup.error(), {"duplicate child id 'a'"});
  CHECK(sys.registry().running() == running);
  CHECK(sys.latest_actor_id() == last_id);
}

TEST_CASE("supervisor_builder::spawn on a good tree does spawn (control)",
          "[supervisor_builder]") {
  // Shows that the checks above can fail: a valid tree creates actors.
  test::fixture fix;
  auto running = fix.sys.registry().running();
  auto last_id = fix.sys.latest_actor_id();
  auto tree = supervisor_builder("root")
                .worker("db", start(idle))
                .supervisor(supervisor_builder("io").worker("listener",
                                                            start(idle)))
                .spawn(fix.sys);
  REQUIRE(tree);
  fix.track(tree->root);
  fix.run();
  CHECK(tree->root);
  CHECK(tree->endpoint("db"));
  CHECK(tree->endpoint("io/listener"));
  CHECK_FALSE(tree->endpoint("root/db"));
  CHECK(fix.sys.registry().running() > running);
  CHECK(fix.sys.latest_actor_id() > last_id);
}

// -- child_spec::launch -------------------------------------------------------

TEST_CASE("launch turns a throwing start into start_failed", "[child_spec]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  auto running = sys.registry().running();
  SECTION("std::exception") {
    auto spec = child_spec::worker(
      "thrower",
      [](caf::actor_system&, const caf::message&) -> caf::expected<caf::actor> {
        throw std::runtime_error("kaboom");
      });
    auto result = spec.launch(sys, caf::message{});
    REQUIRE_FALSE(result);
    CHECK(is(result.error(), errc::start_failed));
    CHECK_THAT(context_of(result.error()), Catch::Contains("child 'thrower'"));
    CHECK_THAT(context_of(result.error()), Catch::Contains("kaboom"));
  }
  SECTION("not an exception") {
    auto spec = child_spec::worker(
      "odd",
      [](caf::actor_system&, const caf::message&) -> caf::expected<caf::actor> {
        throw 42;
      });
    auto result = spec.launch(sys, caf::message{});
    REQUIRE_FALSE(result);
    CHECK(is(result.error(), errc::start_failed));
    CHECK_THAT(context_of(result.error()), Catch::Contains("child 'odd'"));
    CHECK_THAT(context_of(result.error()), Catch::Contains("non-exception"));
  }
  CHECK(sys.registry().running() == running);
}

TEST_CASE("launch turns a start's CAF error into start_failed",
          "[child_spec]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  auto spec = child_spec::worker(
    "fragile",
    [](caf::actor_system&, const caf::message&) -> caf::expected<caf::actor> {
      return caf::make_error(caf::sec::runtime_error, std::string{"disk"});
    });
  auto result = spec.launch(sys, caf::message{});
  REQUIRE_FALSE(result);
  CHECK(is(result.error(), errc::start_failed));
  CHECK_THAT(context_of(result.error()), Catch::Contains("child 'fragile'"));
  CHECK_THAT(context_of(result.error()),
             Catch::Contains("system.runtime_error: disk"));
}

TEST_CASE("launch passes a start's own error through", "[child_spec]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  auto spec = child_spec::worker(
    "picky",
    [](caf::actor_system&, const caf::message&) -> caf::expected<caf::actor> {
      return make_error(errc::invalid_argument, "not today");
    });
  auto result = spec.launch(sys, caf::message{});
  REQUIRE_FALSE(result);
  CHECK(is(result.error(), errc::invalid_argument));
  CHECK(context_of(result.error()) == "not today");
}

TEST_CASE("launch refuses a start that returns no actor", "[child_spec]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  auto result = child_spec::worker("ghost", dummy_start())
                  .launch(sys, caf::message{});
  REQUIRE_FALSE(result);
  CHECK(is(result.error(), errc::start_failed));
  CHECK_THAT(context_of(result.error()), Catch::Contains("child 'ghost'"));
  CHECK_THAT(context_of(result.error()), Catch::Contains("no actor"));
}

TEST_CASE("launch hands the dynamic arguments to the start function",
          "[child_spec]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::message seen;
  auto spec = child_spec::worker(
    "w", [&](caf::actor_system& s, const caf::message& extra)
           -> caf::expected<caf::actor> {
      seen = extra;
      return s.spawn(idle);
    });
  auto result = spec.launch(sys, caf::make_message(7, std::string{"x"}));
  REQUIRE(result);
  REQUIRE(*result);
  CHECK(seen.match_elements<int, std::string>());
  CHECK(seen.get_as<int>(0) == 7);
  CHECK(seen.get_as<std::string>(1) == "x");
  caf::anon_send_exit(*result, caf::exit_reason::kill);
}

TEST_CASE("launch of a deserialized spec without start or actor type fails "
          "naming the child",
          "[child_spec]") {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  auto original = child_spec::worker("local", start(idle));
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE(!sink(original));
  child_spec copy;
  caf::binary_deserializer source{sys, buf};
  REQUIRE(!source(copy));
  CHECK(copy.id == "local");
  CHECK_FALSE(static_cast<bool>(copy.start)); // start does not travel
  CHECK(copy.actor_type.empty());
  auto running = sys.registry().running();
  auto result = copy.launch(sys, caf::message{});
  REQUIRE_FALSE(result);
  CHECK(is(result.error(), errc::start_failed));
  CHECK_THAT(context_of(result.error()), Catch::Contains("child 'local'"));
  CHECK_THAT(context_of(result.error()),
             Catch::Contains("no start function"));
  CHECK(sys.registry().running() == running);
  // validate() catches it too, before any launch.
  check_invalid(copy.validate(), {"child spec 'local'", "no start"});
}

TEST_CASE("launch spawns a named actor type with args and extra args",
          "[child_spec]") {
  named_config cfg;
  caf::actor_system sys{cfg};
  SECTION("args only") {
    auto spec = child_spec::named("seven", "constant", caf::make_message(7));
    REQUIRE(!spec.validate());
    auto result = spec.launch(sys, caf::message{});
    REQUIRE(result);
    REQUIRE(*result);
    CHECK(ask_blocking<int>(sys, *result, std::string{"get"}) == 7);
    caf::anon_send_exit(*result, caf::exit_reason::kill);
  }
  SECTION("args followed by the dynamic start_child arguments") {
    auto spec = child_spec::named("sum", "adder", caf::make_message(40));
    auto result = spec.launch(sys, caf::make_message(2));
    REQUIRE(result);
    REQUIRE(*result);
    CHECK(ask_blocking<int>(sys, *result, std::string{"get"}) == 42);
    caf::anon_send_exit(*result, caf::exit_reason::kill);
  }
  SECTION("after crossing the wire") {
    auto spec = child_spec::named("sum", "adder", caf::make_message(1, 2));
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    REQUIRE(!sink(spec));
    child_spec copy;
    caf::binary_deserializer source{sys, buf};
    REQUIRE(!source(copy));
    REQUIRE(!copy.validate());
    auto result = copy.launch(sys, caf::message{});
    REQUIRE(result);
    CHECK(ask_blocking<int>(sys, *result, std::string{"get"}) == 3);
    caf::anon_send_exit(*result, caf::exit_reason::kill);
  }
}

TEST_CASE("launch of an unknown or mismatched actor type is start_failed",
          "[child_spec]") {
  named_config cfg;
  caf::actor_system sys{cfg};
  auto running = sys.registry().running();
  auto last_id = sys.latest_actor_id();
  SECTION("unknown type") {
    auto result = child_spec::named("u", "no_such_type")
                    .launch(sys, caf::message{});
    REQUIRE_FALSE(result);
    CHECK(is(result.error(), errc::start_failed));
    CHECK_THAT(context_of(result.error()), Catch::Contains("child 'u'"));
    CHECK_THAT(context_of(result.error()),
               Catch::Contains("cannot spawn actor type 'no_such_type'"));
  }
  SECTION("arguments of the wrong types") {
    auto result = child_spec::named("m", "adder",
                                    caf::make_message(std::string{"x"}))
                    .launch(sys, caf::message{});
    REQUIRE_FALSE(result);
    CHECK(is(result.error(), errc::start_failed));
    CHECK_THAT(context_of(result.error()),
               Catch::Contains("cannot spawn actor type 'adder'"));
  }
  SECTION("too few arguments") {
    auto result = child_spec::named("m", "adder", caf::make_message(1))
                    .launch(sys, caf::message{});
    REQUIRE_FALSE(result);
    CHECK(is(result.error(), errc::start_failed));
  }
  CHECK(sys.registry().running() == running);
  CHECK(sys.latest_actor_id() == last_id);
}
