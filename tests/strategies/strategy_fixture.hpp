#pragma once

// Helpers for the built-in strategies' tests: a supervision fixture (virtual
// time) with a service worker that can be made to hang, a health view,
// faults to feed it, and the strategy protocol's requests.

#include <catch2/catch.hpp>

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "remedy/classification/atoms.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/classification/health_view.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/core/error.hpp"
#include "remedy/strategies/atoms.hpp"
#include "remedy/strategies/heal_target.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/strategies/strategy_offer.hpp"
#include "remedy/strategies/type_ids.hpp"
#include "support/settings_checks.hpp"
#include "support/supervision_fixture.hpp"

namespace remedy::test {

/// Makes a service hang: from then on it holds every ping forever.
using hang_atom = caf::atom_constant<caf::atom("t_hang")>;

struct service_state {
  bool hung = false;
  std::deque<caf::response_promise> held;
};

/// A worker that answers a ping with its name, or, once hung, never. Counts
/// its starts in `starts`.
inline caf::behavior service(caf::stateful_actor<service_state>* self,
                             std::shared_ptr<int> starts, std::string name) {
  ++*starts;
  return {
    [self, name](ping_atom) -> caf::result<std::string> {
      if (!self->state.hung)
        return name;
      auto rp = self->make_response_promise();
      self->state.held.push_back(rp);
      return rp;
    },
    [self](hang_atom) { self->state.hung = true; },
    [self](quit_atom, caf::error& reason) { self->quit(std::move(reason)); },
  };
}

/// What a client actor got back for its requests.
struct tally {
  int answered = 0;
  std::vector<caf::error> errors;

  size_t count(errc x) const {
    size_t n = 0;
    for (auto& e : errors)
      n += is(e, x) ? 1 : 0;
    return n;
  }
};

/// A client: `(dest, n)` sends `n` pings to `dest` as requests and tallies
/// their answers.
inline caf::behavior client(caf::event_based_actor* self,
                            std::shared_ptr<tally> t) {
  return {
    [self, t](const caf::actor& dest, int n) {
      for (int i = 0; i < n; ++i)
        self->request(dest, caf::infinite, ping_atom::value)
          .then([t](const std::string&) { ++t->answered; },
                [t](caf::error& err) { t->errors.push_back(std::move(err)); });
    },
  };
}

struct strategy_fixture : supervision_fixture {
  std::shared_ptr<int> starts = std::make_shared<int>(0);

  /// Pings `dest` and returns its answer, or "<no reply>", or the error.
  std::string ping(const caf::actor& dest) {
    auto x = ask<std::string>(dest, ping_atom::value);
    if (x)
      return *x;
    if (x.error() == caf::sec::request_timeout)
      return "<no reply>";
    return render(x.error());
  }

  healing_order order(uint64_t id, fault_class cls, heal_target target) {
    healing_order r;
    r.id = id;
    r.what.id = id;
    r.what.cls = cls;
    r.what.target = target.name;
    r.target = std::move(target);
    return r;
  }

  caf::expected<strategy_offer> assess(const caf::actor& s,
                                       const healing_order& o) {
    return ask<strategy_offer>(s, strategy_assess_atom::value, o);
  }

  caf::expected<healing_action> execute(const caf::actor& s,
                                        const healing_order& o) {
    return ask<healing_action>(s, strategy_execute_atom::value, o);
  }

  caf::expected<healing_action> undo(const caf::actor& s,
                                     const healing_action& a) {
    return ask<healing_action>(s, strategy_undo_atom::value, a);
  }

  /// A health view, killed at the end.
  caf::actor health_view() {
    auto v = spawn_health_view(sys);
    REQUIRE(v);
    track(*v);
    run();
    return *v;
  }

  /// Feeds the view a fault of `target` (id `id`), raised or cleared.
  void fault_of(const caf::actor& view, const std::string& target,
                fault_class cls, uint64_t id, bool active = true) {
    fault f;
    f.id = id;
    f.cls = cls;
    f.target = target;
    f.severity = 0.8;
    f.confidence = 0.9;
    f.active = active;
    self->send(view, fault_event{active ? fault_event_kind::raised
                                        : fault_event_kind::cleared,
                                 f});
    run();
  }

  target_health health(const caf::actor& view, const std::string& target) {
    auto h = ask<target_health>(view, health_atom::value, target);
    REQUIRE(h);
    return *h;
  }
};

/// Checks that `err` is `code` and its context names the strategy and the
/// target and contains `text`.
inline void check_error(const caf::error& err, errc code,
                        const std::string& strategy, const std::string& target,
                        const std::string& text) {
  auto ctx = context_of(err);
  CAPTURE(render(err));
  CHECK(is(err, code));
  CHECK(contains(ctx, "strategy '" + strategy + "'"));
  CHECK(contains(ctx, "'" + target + "'"));
  CHECK(contains(ctx, text));
}

} // namespace remedy::test
