#pragma once

// A Catch2 fixture around CAF's deterministic test coordinator: actors run
// only when the test says so, and time is virtual (advance()).

#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "remedy/runtime/config.hpp"
#include "remedy/core/error.hpp"

namespace remedy::test {

struct test_config : remedy::config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
  }
};

class fixture {
public:
  test_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self;

  fixture()
    : sys(cfg),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
      self(sys) {
  }

  ~fixture() {
    // Stop what the test left running, then let the system go without
    // waiting for stragglers (they would hang a failed test forever).
    for (auto& x : cleanup_)
      caf::anon_send_exit(x, caf::exit_reason::kill);
    cleanup_.clear();
    for (int i = 0; i < 5; ++i) {
      run();
      sched.advance_time(std::chrono::hours(1));
    }
    run();
    sys.await_actors_before_shutdown(false);
  }

  /// Kills `x` when the test ends.
  caf::actor track(caf::actor x) {
    cleanup_.push_back(x);
    return x;
  }

  /// Runs every actor that has a message, without advancing time. Returns how
  /// many messages were processed.
  size_t run() {
    size_t n = 0;
    for (;;) {
      while (sched.try_run_once())
        ++n;
      // Timers due now (zero-delay continuations) fire without advancing
      // virtual time.
      if (sched.clock().advance_time(caf::timespan{0}) == 0)
        return n;
    }
  }

  /// Advances virtual time by `d` (firing due timers) and runs.
  size_t advance(caf::timespan d) {
    sched.advance_time(d);
    return run();
  }

  /// Advances virtual time by `d`, stopping at every pending timer on the
  /// way so that each fires at its own time (`advance` fires every timer due
  /// within `d` at the end of `d`, which makes a latency measured across it
  /// a multiple of the step). Bounded: every round fires at least one timer.
  void advance_exact(caf::timespan d) {
    auto& clock = sched.clock();
    auto until = clock.now() + d;
    run();
    for (int i = 0; i < 1'000'000; ++i) {
      auto& due = clock.schedule();
      if (due.empty() || due.begin()->first > until)
        break;
      clock.advance_time(due.begin()->first - clock.now());
      run();
    }
    if (until > clock.now())
      clock.advance_time(until - clock.now());
    run();
  }

  /// Virtual now.
  caf::actor_clock::time_point now() {
    return sys.clock().now();
  }

  /// Whether `self` has a message waiting.
  bool has_reply() {
    return !self->mailbox().empty();
  }

  /// Sends a request from `self`, runs the system, and returns the reply
  /// (or the error, or an error saying there was no reply at all).
  template <class T, class... Ts>
  caf::expected<T> ask(const caf::actor& dest, Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    run();
    if (!has_reply())
      return caf::make_error(caf::sec::request_timeout, "no reply");
    caf::expected<T> result{caf::make_error(caf::sec::unexpected_response)};
    handle.receive([&](T& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// As `ask`, for requests answered with an empty message (unit).
  template <class... Ts>
  caf::error ask_unit(const caf::actor& dest, Ts&&... xs) {
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    run();
    if (!has_reply())
      return caf::make_error(caf::sec::request_timeout, "no reply");
    caf::error result;
    handle.receive([&]() {}, [&](caf::error& err) { result = std::move(err); });
    return result;
  }

private:
  std::vector<caf::actor> cleanup_;
};

} // namespace remedy::test
