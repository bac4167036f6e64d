// A client actor guards its own requests to a price service with a
// remedy::guard (breaker, bulkhead, retry, a timeout per attempt) held in
// its state: no route, no extra hop. The service answers, then goes down:
// retries fail, the breaker opens after three failures in a row, and later
// requests fail fast with breaker_open without reaching the service. Once it
// is back and the open duration has passed, one probe closes the breaker.
// Exits 0 only if the answers and the service's call count show all that.

#include <atomic>
#include <iostream>
#include <memory>
#include <thread>

#include <caf/all.hpp>

#include "remedy/core/error.hpp"
#include "remedy/routing/guard.hpp"
#include "remedy/runtime/config.hpp"

using namespace std::chrono_literals;
using namespace remedy;

namespace {

using price_atom = caf::atom_constant<caf::atom("price")>;
using down_atom = caf::atom_constant<caf::atom("down")>;

struct service_state {
  bool down = false;
};

caf::behavior service(caf::stateful_actor<service_state>* self,
                      std::shared_ptr<std::atomic<int>> calls) {
  return {
    [self](down_atom, bool down) { self->state.down = down; },
    [self, calls](price_atom, int item) -> caf::result<int> {
      ++*calls;
      if (self->state.down)
        return caf::make_error(caf::sec::runtime_error, "prices offline");
      return 100 + item;
    },
  };
}

struct client_state {
  guard prices; // the guard lives in the actor's state
  caf::actor svc;
};

caf::behavior client(caf::stateful_actor<client_state>* self, caf::actor svc) {
  self->state.svc = std::move(svc);
  // [guard]
  guard_settings s;
  s.name = "prices";
  s.breaker.emplace();
  s.breaker->consecutive_failures = 3; // opens after 3 failures in a row
  s.breaker->open_duration = 200ms;
  s.breaker->half_open_probes = 1;
  s.bulkhead.emplace();
  s.bulkhead->max_concurrent = 8;            // attempts in flight at most
  s.retry = retry_policy::constant(2, 20ms); // 2 attempts, 20 ms apart
  s.on_transition = [](const breaker_transition& t) {
    std::cout << "breaker: " << to_string(t.to) << " (" << t.reason << ")\n";
  };
  self->state.prices = guard{std::move(s)};
  // [guard]
  return {
    [self](price_atom, int item) -> caf::result<int> {
      auto rp = self->make_response_promise<int>();
      auto& st = self->state;
      // [request]
      st.prices.request(self, st.svc, 100ms, price_atom::value, item)
        .then([rp](int price) mutable { rp.deliver(price); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      // [request]
      return rp;
    },
  };
}

} // namespace

int main() {
  remedy::config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  auto n = std::make_shared<std::atomic<int>>(0); // calls at the service
  auto svc = sys.spawn(service, n);
  auto cl = sys.spawn(client, svc);
  int ok = 0, fast = 0, failed = 0;
  auto ask = [&](int item) {
    self->request(cl, 5s, price_atom::value, item)
      .receive([&](int) { ++ok; },
               [&](caf::error& err) {
                 ++(is(err, errc::breaker_open) ? fast : failed);
                 std::cout << "item " << item << ": " << render(err) << '\n';
               });
  };
  for (int i = 0; i < 5; ++i)
    ask(i);
  bool healthy = ok == 5 && *n == 5;
  self->send(svc, down_atom::value, true);
  for (int i = 5; i < 12; ++i)
    ask(i);
  // 3 failed attempts open the breaker; then nothing reaches the service.
  bool opened = *n == 8 && failed == 1 && fast == 6;
  self->send(svc, down_atom::value, false);
  std::this_thread::sleep_for(250ms); // past the open duration
  ask(12);                            // the probe
  bool closed = ok == 6 && *n == 9;
  std::cout << "ok " << ok << ", failed " << failed << ", fast " << fast
            << ", service calls " << *n << '\n';
  self->send_exit(cl, caf::exit_reason::user_shutdown);
  self->send_exit(svc, caf::exit_reason::user_shutdown);
  if (healthy && opened && closed)
    return 0;
  std::cerr << "guard misbehaved: healthy " << healthy << ", opened " << opened
            << ", closed " << closed << '\n';
  return 1;
}
