#pragma once

// Helpers for actor-level supervision tests under the deterministic test
// coordinator: a fixture with a journal, supervisor and child-spec shortcuts,
// and an event collector subscribed to the event bus.

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>

#include "remedy/supervision/atoms.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/endpoint_stats.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervision_event.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "support/probe.hpp"
#include "test_fixture.hpp"

namespace remedy::test {

/// Every supervision event seen by a collector, in arrival order.
struct event_log {
  std::vector<supervision_event> events;

  /// The kinds of the events from `from` on, optionally only those of
  /// supervisor `sup`.
  std::vector<supervision_event_kind> kinds(size_t from = 0,
                                            const std::string& sup = "") const {
    std::vector<supervision_event_kind> result;
    for (size_t i = from; i < events.size(); ++i)
      if (sup.empty() || events[i].supervisor == sup)
        result.push_back(events[i].kind);
    return result;
  }

  /// The events of kind `k`.
  std::vector<supervision_event> of(supervision_event_kind k) const {
    std::vector<supervision_event> result;
    for (auto& ev : events)
      if (ev.kind == k)
        result.push_back(ev);
    return result;
  }

  size_t count(supervision_event_kind k) const {
    return of(k).size();
  }
};

using event_log_ptr = std::shared_ptr<event_log>;

/// Subscribes to the event bus with `prefix` and records every
/// `supervision_event` it receives.
inline caf::behavior event_collector(caf::event_based_actor* self,
                                     event_log_ptr log, std::string prefix) {
  subscribe(self, prefix);
  return {
    [log](supervision_event& ev) { log->events.push_back(std::move(ev)); },
  };
}

struct supervision_fixture : fixture {
  journal_ptr log = std::make_shared<journal>();
  event_log_ptr events = std::make_shared<event_log>();

  /// A probe worker with id `id`.
  child_spec worker(const std::string& id,
                    restart_type r = restart_type::permanent) {
    return child_spec::worker(id, start(probe, id, log)).with_restart(r);
  }

  supervisor_flags flags(strategy s = strategy::one_for_one,
                         size_t intensity = 10,
                         const std::string& name = "sup") {
    supervisor_flags f;
    f.name = name;
    f.strategy = s;
    f.intensity = intensity;
    f.period = std::chrono::seconds(5);
    return f;
  }

  /// Spawns a supervisor, runs its initial start, and kills it at the end.
  caf::actor spawn_sup(supervisor_flags f, std::vector<child_spec> specs) {
    auto sup = spawn_supervisor(sys, std::move(f), std::move(specs));
    REQUIRE(sup);
    track(*sup);
    run();
    return *sup;
  }

  /// Spawns an event collector for topics starting with `prefix` and lets it
  /// subscribe.
  void collect_events(std::string prefix = "supervision.") {
    track(sys.spawn(event_collector, events, std::move(prefix)));
    run();
  }

  std::vector<child_info> children(const caf::actor& sup) {
    auto result = ask<std::vector<child_info>>(sup, which_children_atom::value);
    REQUIRE(result);
    return *result;
  }

  child_info child(const caf::actor& sup, const std::string& id) {
    for (auto& x : children(sup))
      if (x.id == id)
        return x;
    FAIL("no child " << id);
    return {};
  }

  caf::actor current(const caf::actor& sup, const std::string& id) {
    return child(sup, id).current;
  }

  child_counts counts(const caf::actor& sup) {
    auto result = ask<child_counts>(sup, count_children_atom::value);
    REQUIRE(result);
    return *result;
  }

  caf::actor endpoint_of(const caf::actor& sup, const std::string& id) {
    auto result = ask<caf::actor>(sup, get_endpoint_atom::value, id);
    REQUIRE(result);
    run();
    return *result;
  }

  endpoint_stats stats(const caf::actor& ep) {
    auto result = ask<endpoint_stats>(ep, endpoint_stats_atom::value);
    REQUIRE(result);
    return *result;
  }

  /// Makes child `id` exit with `reason` and runs the system.
  void
  crash(const caf::actor& sup, const std::string& id,
        caf::error reason = caf::make_error(caf::sec::runtime_error, "crash")) {
    auto x = current(sup, id);
    REQUIRE(x);
    self->send(x, quit_atom::value, std::move(reason));
    run();
  }

  /// Number of journal lines equal to `line`.
  size_t lines(const std::string& line) const {
    return static_cast<size_t>(
      std::count(log->lines.begin(), log->lines.end(), line));
  }

  /// Receives the down message that `self` must have by now (after a
  /// monitor) and returns its reason.
  caf::error down_reason() {
    REQUIRE(has_reply());
    caf::error reason;
    bool got = false;
    self->receive([&](caf::down_msg& msg) {
      reason = msg.reason;
      got = true;
    });
    REQUIRE(got);
    return reason;
  }
};

} // namespace remedy::test
