// The event bus (a subscriber registry per system; CAF local groups as the
// fallback without a remedy::config) under CAF's
// deterministic test coordinator: which subscriptions match which topics,
// delivery of the payload value itself to matching subscribers only,
// unsubscribe, removal of subscribers that exit, publishing with nobody
// listening, and one group per prefix and system.

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_registry.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/after.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/group.hpp>
#include <caf/send.hpp>

#include "remedy/core/detail/topic_registry.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/supervision/supervision_event.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using strings = std::vector<std::string>;

namespace {

using sub_atom = caf::atom_constant<caf::atom("t_sub")>;
using unsub_atom = caf::atom_constant<caf::atom("t_unsub")>;
using pub_atom = caf::atom_constant<caf::atom("t_pub")>;

struct inbox {
  strings lines;
  std::vector<supervision_event> events;
  /// The sender of each delivery, as CAF reports it (0 for none).
  std::vector<caf::actor_id> senders;
};

using inbox_ptr = std::shared_ptr<inbox>;

/// Subscribes to `prefixes` when it starts and writes every payload it gets
/// to `box`. Subscribes, unsubscribes and publishes on command, so that the
/// bus sees the collector itself do it.
caf::behavior collector(caf::event_based_actor* self, strings prefixes,
                        inbox_ptr box) {
  for (auto& prefix : prefixes)
    subscribe(self, prefix);
  auto sender_id = [self] {
    auto& src = self->current_sender();
    return src ? src->id() : caf::actor_id{0};
  };
  return {
    [=](const supervision_event& x) {
      box->events.push_back(x);
      box->lines.push_back("event:" + topic(x) + ":" + x.child);
      box->senders.push_back(sender_id());
    },
    [=](const std::string& x) {
      box->lines.push_back("string:" + x);
      box->senders.push_back(sender_id());
    },
    [=](int x) {
      box->lines.push_back("int:" + std::to_string(x));
      box->senders.push_back(sender_id());
    },
    [self](sub_atom, const std::string& prefix) { subscribe(self, prefix); },
    [self](unsub_atom, const std::string& prefix) {
      unsubscribe(self, prefix);
    },
    [self](pub_atom, const std::string& topic, int x) {
      publish(self, topic, caf::make_message(x));
    },
  };
}

supervision_event make_event(supervision_event_kind kind, std::string child) {
  supervision_event x;
  x.kind = kind;
  x.supervisor = "root";
  x.child = std::move(child);
  x.actor = 42;
  x.reason = make_error(errc::unhandled_exception, "boom");
  x.restarts = 3;
  x.cause = "api";
  return x;
}

struct bus_fixture : fixture {
  /// Spawns a collector subscribed to `prefixes` and runs its start.
  /// Untracked collectors are held by nobody but the caller and the bus.
  std::pair<caf::actor, inbox_ptr> subscriber(strings prefixes,
                                              bool tracked = true) {
    auto box = std::make_shared<inbox>();
    auto x = sys.spawn(collector, std::move(prefixes), box);
    if (tracked)
      track(x);
    run();
    return {x, box};
  }

  /// Publishes from outside any actor and runs the system.
  void publish(const std::string& topic, const caf::message& event) {
    remedy::publish(sys, topic, event);
    run();
  }
};

} // namespace

TEST_CASE_METHOD(fixture, "event_group gives one group per prefix",
                 "[event_bus]") {
  auto running = sys.registry().running();
  auto a = event_group(sys, "supervision.");
  auto b = event_group(sys, "supervision.");
  REQUIRE(a);
  CHECK(a == b);
  CHECK_FALSE(a == event_group(sys, ""));
  CHECK_FALSE(a == event_group(sys, "supervision"));
  CHECK_FALSE(event_group(sys, "") == event_group(sys, "."));
  CHECK(a.get()->identifier() == "remedy.events:supervision.");
  // Groups do not count as running actors: they never block shutdown.
  CHECK(sys.registry().running() == running);
}

TEST_CASE_METHOD(bus_fixture, "a scoped actor can subscribe and gets the "
                              "payload",
                 "[event_bus]") {
  subscribe(self.ptr(), "greet.");
  publish("greet.hello", caf::make_message(std::string{"hi"}));
  REQUIRE(has_reply());
  std::string got;
  self->receive([&](std::string& x) { got = x; },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CHECK(got == "hi");
  CHECK_FALSE(has_reply());
  publish("other.hello", caf::make_message(std::string{"no"}));
  CHECK_FALSE(has_reply());
  unsubscribe(self.ptr(), "greet.");
  publish("greet.again", caf::make_message(std::string{"gone"}));
  CHECK_FALSE(has_reply());
}

TEST_CASE_METHOD(bus_fixture, "only subscribers of a matching family or "
                              "topic get the event",
                 "[event_bus]") {
  auto [all, all_box] = subscriber({""});
  auto [sup, sup_box] = subscriber({"supervision."});
  auto [exact, exact_box] = subscriber({"supervision.child_started"});
  auto [partial, partial_box] = subscriber({"supervision.child_"});
  auto [breaker, breaker_box] = subscriber({"breaker."});
  auto started = make_event(supervision_event_kind::child_started, "db");
  auto escalated = make_event(supervision_event_kind::escalated, "");
  publish(topic(started), caf::make_message(started));
  publish(topic(escalated), caf::make_message(escalated));
  publish("breaker.open", caf::make_message(std::string{"db-breaker"}));
  publish("supervision", caf::make_message(1)); // not in "supervision."
  publish("Supervision.child_started", caf::make_message(2)); // case matters
  CHECK(all_box->lines
        == strings{"event:supervision.child_started:db",
                   "event:supervision.escalated:", "string:db-breaker",
                   "int:1", "int:2"});
  CHECK(sup_box->lines
        == strings{"event:supervision.child_started:db",
                   "event:supervision.escalated:"});
  CHECK(exact_box->lines == strings{"event:supervision.child_started:db"});
  // Subscriptions match whole dotted families or one exact topic, not
  // arbitrary string prefixes.
  CHECK(partial_box->lines.empty());
  CHECK(breaker_box->lines == strings{"string:db-breaker"});
}

TEST_CASE_METHOD(bus_fixture, "nested families each match", "[event_bus]") {
  auto [a, a_box] = subscriber({"a."});
  auto [ab, ab_box] = subscriber({"a.b."});
  auto [abc, abc_box] = subscriber({"a.b.c"});
  auto [exact_ab, exact_ab_box] = subscriber({"a.b"});
  publish("a.b.c", caf::make_message(1));
  publish("a.b", caf::make_message(2));
  publish("a.b.", caf::make_message(3)); // a family name as topic
  publish("a.bc", caf::make_message(4));
  publish("", caf::make_message(5));
  CHECK(a_box->lines == strings{"int:1", "int:2", "int:3", "int:4"});
  CHECK(ab_box->lines == strings{"int:1", "int:3"});
  CHECK(abc_box->lines == strings{"int:1"});
  // "a.b" (no trailing dot) is one exact topic, not the family "a.b.".
  CHECK(exact_ab_box->lines == strings{"int:2"});
}

TEST_CASE_METHOD(bus_fixture, "subscribers get the event value itself",
                 "[event_bus]") {
  auto [x, box] = subscriber({"supervision."});
  auto ev = make_event(supervision_event_kind::child_restarted, "cache");
  ev.delay = std::chrono::milliseconds(250);
  ev.at = std::chrono::seconds(3);
  publish(topic(ev), caf::make_message(ev));
  REQUIRE(box->events.size() == 1);
  auto& got = box->events.front();
  CHECK(got.kind == supervision_event_kind::child_restarted);
  CHECK(got.supervisor == "root");
  CHECK(got.child == "cache");
  CHECK(got.actor == 42);
  CHECK(is(got.reason, errc::unhandled_exception));
  CHECK(context_of(got.reason) == "boom");
  CHECK(got.delay == caf::timespan{std::chrono::milliseconds(250)});
  CHECK(got.restarts == 3);
  CHECK(got.cause == "api");
  CHECK(got.at == caf::timespan{std::chrono::seconds(3)});
}

TEST_CASE_METHOD(bus_fixture, "events arrive in publication order",
                 "[event_bus]") {
  auto [x, box] = subscriber({"n."});
  for (int i = 0; i < 20; ++i)
    remedy::publish(sys, "n." + std::to_string(i), caf::make_message(i));
  run();
  strings expected;
  for (int i = 0; i < 20; ++i)
    expected.push_back("int:" + std::to_string(i));
  CHECK(box->lines == expected);
}

TEST_CASE_METHOD(bus_fixture, "publish from an actor names it as the sender",
                 "[event_bus]") {
  auto [listener, box] = subscriber({"x."});
  auto [talker, talker_box] = subscriber({});
  caf::anon_send(talker, pub_atom::value, std::string{"x.1"}, 1);
  run();
  publish("x.2", caf::make_message(2)); // from outside: no sender
  CHECK(box->lines == strings{"int:1", "int:2"});
  CHECK(box->senders == std::vector<caf::actor_id>{talker.id(), 0});
  CHECK(talker_box->lines.empty());
}

TEST_CASE_METHOD(bus_fixture, "two matching subscriptions deliver twice, "
                              "the same one once",
                 "[event_bus]") {
  auto [x, box] = subscriber({"a.", "a.b.", "a.", ""});
  publish("a.b.c", caf::make_message(1)); // "", "a.", "a.b."
  publish("a.x", caf::make_message(2));   // "", "a."
  publish("z", caf::make_message(3));     // ""
  CHECK(box->lines
        == strings{"int:1", "int:1", "int:1", "int:2", "int:2", "int:3"});
}

TEST_CASE_METHOD(bus_fixture, "unsubscribe ends the caller's subscription "
                              "only",
                 "[event_bus]") {
  auto [a, a_box] = subscriber({"x."});
  auto [b, b_box] = subscriber({"x."});
  publish("x.1", caf::make_message(1));
  CHECK(a_box->lines == strings{"int:1"});
  CHECK(b_box->lines == strings{"int:1"});
  caf::anon_send(a, unsub_atom::value, std::string{"x."});
  run();
  publish("x.2", caf::make_message(2));
  CHECK(a_box->lines == strings{"int:1"});
  CHECK(b_box->lines == strings{"int:1", "int:2"});
  // Unsubscribing a prefix never subscribed changes nothing.
  caf::anon_send(b, unsub_atom::value, std::string{"x"});
  caf::anon_send(b, unsub_atom::value, std::string{"y."});
  run();
  publish("x.3", caf::make_message(3));
  CHECK(b_box->lines == strings{"int:1", "int:2", "int:3"});
  // And a can subscribe again.
  caf::anon_send(a, sub_atom::value, std::string{""});
  run();
  publish("z", caf::make_message(4));
  CHECK(a_box->lines == strings{"int:1", "int:4"});
  CHECK(b_box->lines == strings{"int:1", "int:2", "int:3"});
}

TEST_CASE_METHOD(bus_fixture, "a subscriber that exits is removed and the "
                              "bus keeps working",
                 "[event_bus]") {
  auto reason = GENERATE(caf::exit_reason::kill,
                         caf::exit_reason::user_shutdown);
  CAPTURE(caf::to_string(reason));
  auto [gone, gone_box] = subscriber({"", "t"}, false);
  auto [stays, stays_box] = subscriber({""});
  publish("t", caf::make_message(1));
  REQUIRE(gone_box->lines == strings{"int:1", "int:1"});
  caf::weak_actor_ptr weak = caf::actor_cast<caf::weak_actor_ptr>(gone);
  caf::anon_send_exit(gone, reason);
  gone = caf::actor{};
  run();
  // Only the bus could still hold a strong reference to the dead
  // subscriber: it has dropped it.
  CHECK(weak.lock() == nullptr);
  publish("t", caf::make_message(2));
  CHECK(gone_box->lines == strings{"int:1", "int:1"});
  CHECK(stays_box->lines == strings{"int:1", "int:2"});
  // New subscribers still work.
  auto [late, late_box] = subscriber({"t"});
  publish("t", caf::make_message(3));
  CHECK(late_box->lines == strings{"int:3"});
  CHECK(stays_box->lines == strings{"int:1", "int:2", "int:3"});
}

TEST_CASE_METHOD(bus_fixture, "a live subscriber is held by the bus "
                              "(control for the removal test)",
                 "[event_bus]") {
  auto [x, box] = subscriber({""}, false);
  caf::weak_actor_ptr weak = caf::actor_cast<caf::weak_actor_ptr>(x);
  x = caf::actor{};
  run();
  auto strong = weak.lock();
  CHECK(strong != nullptr);
  caf::anon_send_exit(strong, caf::exit_reason::kill);
  strong = nullptr;
  run();
  CHECK(weak.lock() == nullptr);
}

TEST_CASE_METHOD(bus_fixture, "publishing with nobody subscribed delivers "
                              "nothing and starts nothing",
                 "[event_bus]") {
  auto running = sys.registry().running();
  auto [other, other_box] = subscriber({"other."});
  auto after_spawn = sys.registry().running();
  REQUIRE(after_spawn == running + 1);
  publish("supervision.child_started", caf::make_message(1));
  remedy::publish(self.ptr(), "supervision.child_exited",
                  caf::make_message(2));
  run();
  CHECK(other_box->lines.empty());
  CHECK_FALSE(has_reply());
  CHECK(sys.registry().running() == after_spawn);
}

TEST_CASE_METHOD(bus_fixture, "each event is one message per subscription: "
                              "the registry counts subscriptions and drops an "
                              "exited subscriber's",
                 "[event_bus]") {
  auto topics = detail::topics_of(sys);
  REQUIRE(topics != nullptr);
  auto before = topics->size();
  auto [x, box] = subscriber({"", "t.", "t.a"}, false);
  CHECK(topics->size() == before + 3);
  publish("t.a", caf::make_message(7));
  CHECK(box->lines == strings{"int:7", "int:7", "int:7"});
  publish("t.b", caf::make_message(8));
  CHECK(box->lines == strings{"int:7", "int:7", "int:7", "int:8", "int:8"});
  caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  x = caf::actor{};
  run();
  CHECK(topics->size() == before);
}

TEST_CASE("without a remedy::config the bus falls back to CAF's local "
          "groups",
          "[event_bus]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  REQUIRE(detail::topics_of(sys) == nullptr);
  caf::scoped_actor self{sys};
  subscribe(self.ptr(), "fam.");
  publish(sys, "fam.x", caf::make_message(std::string{"via group"}));
  publish(sys, "other.x", caf::make_message(std::string{"not for us"}));
  std::vector<std::string> got;
  for (int i = 0; i < 2; ++i)
    self->receive([&](std::string& x) { got.push_back(x); },
                  caf::after(std::chrono::milliseconds(500)) >> [] {});
  CHECK(got == std::vector<std::string>{"via group"});
  unsubscribe(self.ptr(), "fam.");
  publish(sys, "fam.y", caf::make_message(std::string{"after leaving"}));
  bool late = false;
  self->receive([&](std::string&) { late = true; },
                caf::after(std::chrono::milliseconds(200)) >> [] {});
  CHECK_FALSE(late);
}
