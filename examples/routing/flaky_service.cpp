// A client calls a flaky service through a route (timeout, retry, circuit
// breaker, bulkhead) in front of the service's supervised endpoint. The
// service fails a seeded 15 % of calls, never answers 5 %, and crashes once.
// Retries absorb the failures and the crash (the retry waits in the
// endpoint's stash during the restart); the timeout answers hung requests.
// Then the service goes down: the breaker opens, requests fail fast, and once
// the service is healthy, half-open probes close the breaker. Exits 0 only if
// the route's events and counters show all of that.

#include <atomic>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include <caf/all.hpp>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using quote_atom = caf::atom_constant<caf::atom("quote")>;
using faults_atom = caf::atom_constant<caf::atom("faults")>;

struct quote_state {
  double fail = 0.15; // share of calls that fail
  double hang = 0.05; // share of calls that never get an answer
  int calls = 0;
  std::vector<caf::response_promise> hung;
};

// [service]
caf::behavior quotes(caf::stateful_actor<quote_state>* self,
                     std::shared_ptr<std::mt19937> rng,
                     std::shared_ptr<std::atomic<int>> starts) {
  auto incarnation = ++*starts;
  return {
    [self](faults_atom, double fail, double hang) {
      self->state.fail = fail;
      self->state.hang = hang;
    },
    [=](quote_atom, int n) -> caf::result<int> {
      auto& st = self->state;
      if (++st.calls == 10 && incarnation == 1)
        throw std::runtime_error("quote cache corrupted");
      auto draw = std::uniform_real_distribution<double>{}(*rng);
      if (draw < st.fail)
        return caf::make_error(caf::sec::runtime_error, "upstream failed");
      if (draw < st.fail + st.hang) { // keep the promise, never answer
        st.hung.push_back(self->make_response_promise());
        return st.hung.back();
      }
      return 100 + n;
    },
  };
}
// [service]

// Asks for quote `n`: the error, or none for a price.
caf::error ask(caf::scoped_actor& self, const caf::actor& to, int n) {
  caf::error result;
  self->request(to, 2s, quote_atom::value, n)
    .receive([](int) {}, [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto rng = std::make_shared<std::mt19937>(35);
  auto starts = std::make_shared<std::atomic<int>>(0);
  auto tree = supervisor_builder("app")
                .with_backoff(backoff::constant(100ms))
                .worker("quotes", start(quotes, rng, starts))
                .spawn(sys);
  if (!tree)
    return 1;
  if (!await_started(self, tree->root))
    return 1;
  // [route]
  circuit_breaker_settings breaker;
  breaker.window_size = 20; // the last 20 calls; opens at 50 % failures
  breaker.minimum_calls = 10;
  breaker.open_duration = 400ms;
  breaker.half_open_probes = 2;
  bulkhead_settings pool;
  pool.max_concurrent = 4;
  auto route
    = route_builder("quotes")
        .timeout(250ms) // for the whole request, retries included
        .retry(retry_policy::exponential(4, 10ms, 40ms).with_jitter(0.2))
        .breaker(breaker)
        .bulkhead(pool)
        .to(sys, tree->endpoint("quotes"));
  // [route]
  if (!route)
    return 1;
  // [events]
  subscribe(self.ptr(), "route.");
  std::vector<breaker_state> path; // the breaker's transitions
  int rejected = 0;
  // Prints events until a transition to `until`, or none came for `quiet`.
  auto events = [&](std::optional<breaker_state> until, caf::timespan quiet) {
    for (bool more = true; more;)
      self->receive(
        [&](route_event& ev) {
          if (ev.kind == route_event_kind::breaker_rejected) {
            ++rejected; // one per fail-fast answer: counted, not printed
            return;
          }
          std::cout << topic(ev) << ": " << ev.reason << '\n';
          if (ev.kind == route_event_kind::breaker_transition) {
            path.push_back(ev.to);
            more = ev.to != until;
          }
        },
        caf::after(quiet) >> [&] { more = false; });
  };
  // [events]
  int sent = 0, prices = 0;
  while (sent < 20)
    prices += ask(self, *route, ++sent) ? 0 : 1;
  std::cout << "20 requests: " << prices << " prices; service incarnations: "
            << *starts << '\n';
  events(std::nullopt, 10ms);
  // [down]
  self->send(*route, faults_atom::value, 1.0, 0.0); // plain: passes through
  int fast = 0;
  while (sent < 28) {
    auto err = ask(self, *route, ++sent);
    fast += is(err, errc::breaker_open) ? 1 : 0;
    std::cout << "request " << sent << ": " << render(err) << '\n';
  }
  // [down]
  // [probe]
  self->send(*route, faults_atom::value, 0.0, 0.0); // healthy again
  events(breaker_state::half_open, 1s);             // after open_duration
  int probes = 0;
  for (int i = 0; i < 2; ++i)
    probes += ask(self, *route, ++sent) ? 0 : 1;
  events(std::nullopt, 50ms);
  // [probe]
  auto st = route_stats_of(self, *route);
  auto ep = endpoint_stats_of(self, tree->endpoint("quotes"));
  if (!st || !ep)
    return 1;
  std::cout << "route: requests=" << st->requests << " answered="
            << st->answered << " retries=" << st->retries << " timeouts="
            << st->timeouts << " rejected_open=" << st->rejected_open
            << " breaker=" << to_string(st->state) << " bulkhead_in_flight="
            << st->bulkhead_in_flight << "\nendpoint: stashed=" << ep->stashed
            << " replayed=" << ep->replayed << '\n';
  using bs = breaker_state;
  bool ok = prices + st->timeouts == 20 && st->timeouts > 0 && st->retries > 0
            && *starts == 2 && ep->replayed > 0 && fast >= 5 && rejected == fast
            && st->rejected_open == uint64_t(fast) && probes == 2
            && path == std::vector<bs>{bs::open, bs::half_open, bs::closed}
            && st->requests == uint64_t(sent) && st->in_flight == 0
            && st->bulkhead_in_flight == 0;
  self->send_exit(*route, caf::exit_reason::user_shutdown);
  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  std::cout << (ok ? "OK" : "UNEXPECTED") << '\n';
  return ok ? 0 : 1;
}
