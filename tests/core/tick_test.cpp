// send_on_tick under CAF's deterministic test coordinator: a tick arrives at
// the next multiple of its interval; actors asking for the same instant share
// one timer of CAF's clock; an actor that is gone gets nothing; ticks go on
// after the ticker actor of an instant is gone; and without a remedy::config
// it is a plain aligned delayed_send.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "remedy/core/tick.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

using arm_atom = caf::atom_constant<caf::atom("t_arm")>;
using ping_atom = caf::atom_constant<caf::atom("t_ping")>;

using times = std::vector<caf::timespan>;

/// Asks for a tick every `interval` after an `arm`; logs the virtual time of
/// each tick.
caf::behavior ticking(caf::event_based_actor* self, caf::timespan interval,
                      std::shared_ptr<times> log, bool again) {
  return {
    [=](arm_atom) { send_on_tick(self, interval, ping_atom::value); },
    [=](ping_atom) {
      log->push_back(self->clock().now().time_since_epoch());
      if (again)
        send_on_tick(self, interval, ping_atom::value);
    },
  };
}

struct tick_fixture : fixture {
  caf::timespan now() {
    return sched.clock().now().time_since_epoch();
  }
  size_t timers() {
    return sched.clock().schedule().size();
  }
};

} // namespace

TEST_CASE_METHOD(tick_fixture,
                 "send_on_tick: the tick comes at the next multiple of the "
                 "interval",
                 "[tick]") {
  sched.clock().advance_time(130ms);
  auto t0 = now();
  auto log = std::make_shared<times>();
  auto a = track(sys.spawn(ticking, caf::timespan{100ms}, log, true));
  caf::anon_send(a, arm_atom::value);
  run();
  advance_exact(350ms);
  REQUIRE(log->size() == 3);
  CHECK((*log)[0] % caf::timespan{100ms} == caf::timespan{0});
  CHECK((*log)[0] - t0 == caf::timespan{100ms} - t0 % caf::timespan{100ms});
  CHECK((*log)[1] - (*log)[0] == caf::timespan{100ms});
  CHECK((*log)[2] - (*log)[1] == caf::timespan{100ms});
}

TEST_CASE_METHOD(tick_fixture,
                 "send_on_tick: actors asking for the same instant share one "
                 "clock timer",
                 "[tick]") {
  auto log = std::make_shared<times>();
  std::vector<caf::actor> xs;
  for (int i = 0; i < 8; ++i)
    xs.push_back(track(sys.spawn(ticking, caf::timespan{100ms}, log, false)));
  auto other = std::make_shared<times>();
  auto y = track(sys.spawn(ticking, caf::timespan{250ms}, other, false));
  auto before = timers();
  for (auto& x : xs)
    caf::anon_send(x, arm_atom::value);
  caf::anon_send(y, arm_atom::value);
  run();
  // One timer for the eight at 100 ms, one for the one at 250 ms.
  CHECK(timers() - before == 2);
  advance_exact(300ms);
  CHECK(log->size() == 8);
  CHECK(other->size() == 1);
  for (auto t : *log)
    CHECK(t % caf::timespan{100ms} == caf::timespan{0});
}

TEST_CASE_METHOD(tick_fixture,
                 "send_on_tick: an actor that is gone gets nothing and the "
                 "others still get theirs",
                 "[tick]") {
  auto gone_log = std::make_shared<times>();
  auto log = std::make_shared<times>();
  auto gone = sys.spawn(ticking, caf::timespan{100ms}, gone_log, true);
  auto stays = track(sys.spawn(ticking, caf::timespan{100ms}, log, true));
  caf::anon_send(gone, arm_atom::value);
  caf::anon_send(stays, arm_atom::value);
  run();
  caf::anon_send_exit(gone, caf::exit_reason::user_shutdown);
  gone = caf::actor{};
  run();
  advance_exact(500ms);
  CHECK(gone_log->empty());
  // Five ticks: each after the ticker that delivered the one before was
  // gone (nothing else holds it between instants).
  CHECK(log->size() == 5);
}

TEST_CASE("send_on_tick: without a remedy::config it is an aligned "
          "delayed_send",
          "[tick]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto t0 = std::chrono::steady_clock::now();
  send_on_tick(self.ptr(), 20ms, ping_atom::value);
  bool got = false;
  self->receive([&](ping_atom) { got = true; },
                caf::after(2s) >> [] {});
  CHECK(got);
  CHECK(std::chrono::steady_clock::now() - t0 <= 1s);
}
