// Endpoints under CAF's deterministic test coordinator: forwarding to the
// current incarnation, the stash during restarts (order, overflow, expiry),
// its counters, errors for requests that cannot reach the child, and
// endpoints made by supervisor_builder across subtree restarts and shutdown.

#include <map>

#include <catch2/catch.hpp>

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "remedy/supervision/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/endpoint.hpp"
#include "remedy/supervision/endpoint_stats.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "support/probe.hpp"
#include "support/supervision_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

namespace {

constexpr caf::timespan ns1{1};

/// A worker that knows its incarnation number: `(ping_atom)` answers
/// "<id>@<n>", `(ping_atom, int x)` answers "<x>@<n>" and journals
/// "got <x>@<n>".
caf::behavior echo(caf::event_based_actor* self, std::string id,
                   journal_ptr log, std::shared_ptr<int> incarnations) {
  auto me = std::to_string(++*incarnations);
  log->lines.push_back("start:" + id + "@" + me);
  // Answer unknown messages with CAF's unexpected_message, without printing.
  self->set_default_handler(caf::drop);
  return {
    [id, me](ping_atom) { return id + "@" + me; },
    [log, me](ping_atom, int x) {
      auto reply = std::to_string(x) + "@" + me;
      log->lines.push_back("got " + reply);
      return reply;
    },
    [](crash_atom) -> std::string { throw std::runtime_error("boom"); },
    [self](quit_atom, caf::error& reason) { self->quit(std::move(reason)); },
  };
}

/// What a client got for one request.
struct outcome {
  int x = 0;
  bool done = false;
  std::string reply;
  caf::error err;
};

struct outcomes {
  std::vector<outcome> all;
  /// Indexes into `all`, in the order the replies arrived.
  std::vector<size_t> arrival;

  size_t answered() const {
    return arrival.size();
  }
};

using outcomes_ptr = std::shared_ptr<outcomes>;

/// Sends `(ping_atom, x)` requests to `dest` on command and records the
/// replies, so tests can see which requests were answered, how and in which
/// order, without blocking.
caf::behavior client(caf::event_based_actor* self, caf::actor dest,
                     outcomes_ptr out) {
  return {
    [=](ping_atom, int x) {
      auto idx = out->all.size();
      out->all.push_back(outcome{x, false, {}, {}});
      self->request(dest, caf::infinite, ping_atom::value, x)
        .then(
          [=](std::string& reply) {
            out->all[idx].done = true;
            out->all[idx].reply = std::move(reply);
            out->arrival.push_back(idx);
          },
          [=](caf::error& err) {
            out->all[idx].done = true;
            out->all[idx].err = std::move(err);
            out->arrival.push_back(idx);
          });
    },
  };
}

struct ep_fixture : supervision_fixture {
  std::shared_ptr<int> incarnations = std::make_shared<int>(0);
  outcomes_ptr out = std::make_shared<outcomes>();

  child_spec echo_worker(const std::string& id) {
    return child_spec::worker(id, start(echo, id, log, incarnations));
  }

  /// A supervisor with child "a" (an echo worker with stash `policy`) whose
  /// restarts wait `delay`, and the endpoint of "a".
  std::pair<caf::actor, caf::actor> setup(stash_policy policy = {},
                                          caf::timespan delay = 1s) {
    auto f = flags();
    if (delay.count() > 0)
      f.backoff = backoff::constant(delay);
    auto sup = spawn_sup(f, {echo_worker("a").with_stash(policy)});
    auto ep = endpoint_of(sup, "a");
    REQUIRE(ep);
    return {sup, ep};
  }

  caf::actor client_of(const caf::actor& ep) {
    return track(sys.spawn(client, ep, out));
  }

  /// Sends requests `xs` through `cl` and runs.
  void request(const caf::actor& cl, std::vector<int> xs) {
    for (auto x : xs)
      self->send(cl, ping_atom::value, x);
    run();
  }

  static bool has_error(const outcome& x, errc code) {
    return x.done && is(x.err, code);
  }
};

/// Renders every counter, so a mismatch shows all of them.
std::string str(const endpoint_stats& x) {
  return std::string{to_string(x.state)} + " forwarded="
         + std::to_string(x.forwarded) + " stashed=" + std::to_string(x.stashed)
         + " replayed=" + std::to_string(x.replayed) + " rejected="
         + std::to_string(x.rejected) + " dropped=" + std::to_string(x.dropped)
         + " expired=" + std::to_string(x.expired)
         + " pending=" + std::to_string(x.pending);
}

std::string make_stats(endpoint_state state, uint64_t forwarded,
                       uint64_t stashed, uint64_t replayed, uint64_t rejected,
                       uint64_t dropped, uint64_t expired, uint64_t pending) {
  endpoint_stats x;
  x.state = state;
  x.forwarded = forwarded;
  x.stashed = stashed;
  x.replayed = replayed;
  x.rejected = rejected;
  x.dropped = dropped;
  x.expired = expired;
  x.pending = pending;
  return str(x);
}

} // namespace

TEST_CASE_METHOD(ep_fixture,
                 "a request through an endpoint gets the child's reply",
                 "[endpoint]") {
  auto [sup, ep] = setup();
  auto pong = ask<std::string>(ep, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "a@1");
  auto cl = client_of(ep);
  request(cl, {1, 2, 3});
  REQUIRE(out->answered() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(out->arrival[i] == i);
    CHECK(out->all[i].reply == std::to_string(i + 1) + "@1");
  }
  CHECK(child(sup, "a").endpoint == ep);
  CHECK(str(stats(ep)) == make_stats(endpoint_state::up, 4, 0, 0, 0, 0, 0, 0));
}

TEST_CASE_METHOD(ep_fixture,
                 "requests during a backoff are stashed and answered in order "
                 "by the next incarnation",
                 "[endpoint][stash]") {
  auto [sup, ep] = setup();
  auto cl = client_of(ep);
  request(cl, {0});
  REQUIRE(out->answered() == 1);
  crash(sup, "a");
  REQUIRE(child(sup, "a").status == child_status::restarting);
  request(cl, {1, 2, 3, 4, 5});
  CHECK(out->answered() == 1);
  CHECK(str(stats(ep))
        == make_stats(endpoint_state::waiting, 1, 5, 0, 0, 0, 0, 5));
  advance(1s - ns1);
  CHECK(out->answered() == 1);
  advance(ns1);
  REQUIRE(out->answered() == 6);
  for (size_t i = 1; i < 6; ++i) {
    CHECK(out->arrival[i] == i);
    CHECK(out->all[i].reply == std::to_string(i) + "@2");
  }
  CHECK(log->since(2)
        == strings{"start:a@2", "got 1@2", "got 2@2", "got 3@2", "got 4@2",
                   "got 5@2"});
  CHECK(str(stats(ep)) == make_stats(endpoint_state::up, 1, 5, 5, 0, 0, 0, 0));
  // Afterwards, messages go straight through again.
  request(cl, {6});
  CHECK(out->all.back().reply == "6@2");
  CHECK(stats(ep).forwarded == 2);
}

TEST_CASE_METHOD(ep_fixture,
                 "a full stash with reject_new refuses the new request with "
                 "stash_full",
                 "[endpoint][stash]") {
  auto [sup, ep] = setup(stash_policy{2, overflow_policy::reject_new, 30s});
  auto cl = client_of(ep);
  crash(sup, "a");
  request(cl, {1, 2, 3});
  REQUIRE(out->answered() == 1);
  CHECK(out->arrival[0] == 2);
  CHECK(has_error(out->all[2], errc::stash_full));
  // A plain message that does not fit is counted, and nobody is answered.
  self->send(ep, ping_atom::value, 99);
  run();
  CHECK(!has_reply());
  CHECK(str(stats(ep))
        == make_stats(endpoint_state::waiting, 0, 2, 0, 2, 0, 0, 2));
  advance(1s);
  REQUIRE(out->answered() == 3);
  CHECK(out->all[0].reply == "1@2");
  CHECK(out->all[1].reply == "2@2");
  CHECK(str(stats(ep)) == make_stats(endpoint_state::up, 0, 2, 2, 2, 0, 0, 0));
}

TEST_CASE_METHOD(ep_fixture,
                 "a full stash with drop_oldest drops the oldest request with "
                 "stash_dropped",
                 "[endpoint][stash]") {
  auto [sup, ep] = setup(stash_policy{2, overflow_policy::drop_oldest, 30s});
  auto cl = client_of(ep);
  crash(sup, "a");
  request(cl, {1, 2, 3});
  REQUIRE(out->answered() == 1);
  CHECK(out->arrival[0] == 0);
  CHECK(has_error(out->all[0], errc::stash_dropped));
  request(cl, {4});
  REQUIRE(out->answered() == 2);
  CHECK(has_error(out->all[1], errc::stash_dropped));
  CHECK(str(stats(ep))
        == make_stats(endpoint_state::waiting, 0, 4, 0, 0, 2, 0, 2));
  advance(1s);
  REQUIRE(out->answered() == 4);
  CHECK(out->arrival[2] == 2);
  CHECK(out->arrival[3] == 3);
  CHECK(out->all[2].reply == "3@2");
  CHECK(out->all[3].reply == "4@2");
  CHECK(log->since(1) == strings{"start:a@2", "got 3@2", "got 4@2"});
  CHECK(str(stats(ep)) == make_stats(endpoint_state::up, 0, 4, 2, 0, 2, 0, 0));
}

TEST_CASE_METHOD(ep_fixture,
                 "a stashed request that waits longer than max_wait gets "
                 "stash_timeout",
                 "[endpoint][stash]") {
  auto [sup, ep] = setup(stash_policy{10, overflow_policy::reject_new, 500ms},
                         2s);
  auto cl = client_of(ep);
  crash(sup, "a");
  request(cl, {1});
  advance(200ms);
  request(cl, {2});
  advance(300ms - ns1);
  CHECK(out->answered() == 0);
  advance(ns1); // 500 ms after the first request
  REQUIRE(out->answered() == 1);
  CHECK(has_error(out->all[0], errc::stash_timeout));
  CHECK(str(stats(ep))
        == make_stats(endpoint_state::waiting, 0, 2, 0, 0, 0, 1, 1));
  advance(200ms - ns1);
  CHECK(out->answered() == 1);
  advance(ns1); // 500 ms after the second
  REQUIRE(out->answered() == 2);
  CHECK(has_error(out->all[1], errc::stash_timeout));
  CHECK(str(stats(ep))
        == make_stats(endpoint_state::waiting, 0, 2, 0, 0, 0, 2, 0));
  // The child comes back; nothing is left to replay, new requests pass.
  advance(2s);
  CHECK(child(sup, "a").status == child_status::running);
  request(cl, {3});
  REQUIRE(out->answered() == 3);
  CHECK(out->all[2].reply == "3@2");
  CHECK(str(stats(ep)) == make_stats(endpoint_state::up, 1, 2, 0, 0, 0, 2, 0));
}

TEST_CASE_METHOD(ep_fixture,
                 "a request to a terminated child gets target_down until it "
                 "is restarted",
                 "[endpoint]") {
  auto [sup, ep] = setup();
  auto cl = client_of(ep);
  REQUIRE(!ask_unit(sup, terminate_child_atom::value, std::string{"a"}));
  request(cl, {1});
  REQUIRE(out->answered() == 1);
  CHECK(has_error(out->all[0], errc::target_down));
  CHECK(str(stats(ep))
        == make_stats(endpoint_state::down, 0, 0, 0, 1, 0, 0, 0));
  REQUIRE(ask<child_info>(sup, restart_child_atom::value, std::string{"a"}));
  run();
  request(cl, {2});
  REQUIRE(out->answered() == 2);
  CHECK(out->all[1].reply == "2@2");
  CHECK(str(stats(ep)) == make_stats(endpoint_state::up, 1, 0, 0, 1, 0, 0, 0));
}

TEST_CASE_METHOD(ep_fixture,
                 "stashed requests get target_down when the child is "
                 "terminated during its backoff",
                 "[endpoint][stash]") {
  auto [sup, ep] = setup();
  auto cl = client_of(ep);
  crash(sup, "a");
  request(cl, {1, 2});
  CHECK(out->answered() == 0);
  REQUIRE(!ask_unit(sup, terminate_child_atom::value, std::string{"a"}));
  run();
  REQUIRE(out->answered() == 2);
  CHECK(has_error(out->all[0], errc::target_down));
  CHECK(has_error(out->all[1], errc::target_down));
  CHECK(str(stats(ep))
        == make_stats(endpoint_state::down, 0, 2, 0, 2, 0, 0, 0));
  // The scheduled restart does not bring it back.
  advance(1s);
  CHECK(child(sup, "a").status == child_status::terminated);
  CHECK(*incarnations == 1);
}

TEST_CASE_METHOD(ep_fixture,
                 "a pending request to a child whose handler throws gets "
                 "unhandled_exception",
                 "[endpoint]") {
  auto [sup, ep] = setup(stash_policy{}, 0s);
  auto reply = ask<std::string>(ep, crash_atom::value);
  REQUIRE(!reply);
  CHECK(is(reply.error(), errc::unhandled_exception));
  CHECK(context_of(reply.error()) == "boom");
  // The child was restarted and the endpoint follows it.
  CHECK(child(sup, "a").restarts == 1);
  auto pong = ask<std::string>(ep, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "a@2");
}

TEST_CASE_METHOD(ep_fixture,
                 "a request queued behind a crashing one is answered with an "
                 "error, not left silent",
                 "[endpoint]") {
  auto [sup, ep] = setup(stash_policy{}, 0s);
  auto cl = client_of(ep);
  auto crashing = self->request(ep, caf::infinite, crash_atom::value);
  self->send(cl, ping_atom::value, 1);
  run();
  REQUIRE(out->answered() == 1);
  // The old incarnation took it and died: CAF bounces it (endpoint.hpp).
  auto& err0 = out->all[0].err;
  INFO("error: " << render(err0));
  CHECK((err0 == caf::sec::request_receiver_down
         || is(err0, errc::unhandled_exception)));
  caf::error err;
  crashing.receive([](std::string&) {}, [&](caf::error& x) { err = x; });
  CHECK(is(err, errc::unhandled_exception));
}

TEST_CASE_METHOD(ep_fixture,
                 "a message the child does not understand gets its "
                 "unexpected_message error and the endpoint keeps working",
                 "[endpoint]") {
  auto [sup, ep] = setup();
  auto reply = ask<std::string>(ep, std::string{"hello"}, 1.5);
  REQUIRE(!reply);
  CHECK(reply.error() == caf::sec::unexpected_message);
  auto pong = ask<std::string>(ep, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "a@1");
  CHECK(child(sup, "a").restarts == 0);
  CHECK(str(stats(ep)) == make_stats(endpoint_state::up, 2, 0, 0, 0, 0, 0, 0));
}

// -- endpoints made by supervisor_builder ------------------------------------

namespace {

struct tree_fixture : ep_fixture {
  /// root (one_for_one, restarts after `delay`) > sub (intensity 0) > w.
  supervision_tree spawn_tree(caf::timespan delay) {
    auto root = supervisor_builder("root").intensity(5, 5s).worker(
      "x", start(probe, std::string{"x"}, log));
    if (delay.count() > 0)
      root.with_backoff(backoff::constant(delay));
    root.supervisor(
      supervisor_builder("sub").intensity(0, 5s).child(echo_worker("w")));
    auto tree = root.spawn(sys);
    REQUIRE(tree);
    track(tree->root);
    run();
    return *tree;
  }
};

} // namespace

TEST_CASE_METHOD(tree_fixture,
                 "a builder endpoint reaches the new incarnation after its "
                 "whole subtree restarted",
                 "[endpoint][builder]") {
  auto delay = GENERATE(caf::timespan{0}, caf::timespan{1s});
  auto tree = spawn_tree(delay);
  auto ep = tree.endpoint("sub/w");
  REQUIRE(ep);
  CHECK(tree.endpoints.count("x") == 1);
  auto pong = ask<std::string>(ep, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "w@1");
  auto sub_before = current(tree.root, "sub");
  auto cl = client_of(ep);
  // w exits; sub (intensity 0) escalates; root restarts sub after `delay`.
  self->send(ep, quit_atom::value,
             caf::make_error(caf::sec::runtime_error, "crash"));
  run();
  request(cl, {1, 2});
  if (delay.count() > 0) {
    CHECK(out->answered() == 0);
    CHECK(child(tree.root, "sub").status == child_status::restarting);
    advance(delay);
  }
  REQUIRE(out->answered() == 2);
  CHECK(out->all[0].reply == "1@2");
  CHECK(out->all[1].reply == "2@2");
  auto sub_after = current(tree.root, "sub");
  CHECK(sub_after);
  CHECK(sub_after != sub_before);
  CHECK(child(tree.root, "sub").restarts == 1);
  pong = ask<std::string>(ep, ping_atom::value);
  REQUIRE(pong);
  CHECK(*pong == "w@2");
  CHECK(stats(ep).state == endpoint_state::up);
}

TEST_CASE_METHOD(tree_fixture, "builder endpoints exit when the root stops",
                 "[endpoint][builder]") {
  auto tree = spawn_tree(1s);
  auto cl = client_of(tree.endpoint("sub/w"));
  // Leave a request stashed: w is down and its subtree waits for a restart.
  self->send(tree.endpoint("sub/w"), quit_atom::value,
             caf::make_error(caf::sec::runtime_error, "crash"));
  run();
  request(cl, {1});
  CHECK(out->answered() == 0);
  std::map<caf::actor_addr, std::string> watched;
  for (auto& [path, ep] : tree.endpoints) {
    self->monitor(ep);
    watched.emplace(ep.address(), path);
  }
  self->monitor(tree.root);
  caf::anon_send_exit(tree.root, caf::exit_reason::user_shutdown);
  run();
  REQUIRE(out->answered() == 1);
  CHECK(has_error(out->all[0], errc::target_down));
  size_t endpoints_down = 0;
  bool root_down = false;
  while (has_reply()) {
    self->receive([&](caf::down_msg& msg) {
      if (msg.source == tree.root.address())
        root_down = true;
      else if (watched.count(msg.source) > 0)
        ++endpoints_down;
    });
  }
  CHECK(root_down);
  CHECK(endpoints_down == tree.endpoints.size());
}

TEST_CASE_METHOD(ep_fixture,
                 "an up endpoint hands messages to the child's mailbox "
                 "directly and keeps each sender's order when it opens that "
                 "path",
                 "[endpoint]") {
  auto ep = track(spawn_endpoint(sys, "x", stash_policy{}));
  auto target = track(sys.spawn(echo, "x", log, incarnations));
  auto cl = client_of(ep);
  run();
  // No target yet: stashed.
  request(cl, {1, 2});
  CHECK(out->answered() == 0);
  // The update, and behind it in the endpoint's mailbox a new request: the
  // endpoint replays the stash, then forwards 3 itself before it lets
  // anything past its mailbox.
  self->send(ep, endpoint_update_atom::value, target);
  self->send(cl, ping_atom::value, 3);
  REQUIRE(sched.prioritize(cl));
  sched.run_once(); // the client sends 3 before the endpoint runs
  REQUIRE(sched.prioritize(ep));
  sched.run_once(); // the endpoint takes the update (one message per run)
  // 4 from the same client: it must not overtake 3, still in the mailbox.
  self->send(cl, ping_atom::value, 4);
  REQUIRE(sched.prioritize(cl));
  sched.run_once();
  run();
  request(cl, {5});
  REQUIRE(out->answered() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CHECK(out->arrival[i] == i);
    CHECK(out->all[i].reply == std::to_string(i + 1) + "@1");
  }
  CHECK(log->since(1)
        == strings{"got 1@1", "got 2@1", "got 3@1", "got 4@1", "got 5@1"});
  // Now a message to the endpoint schedules the child, not the endpoint.
  REQUIRE_FALSE(sched.has_job());
  self->send(ep, ping_atom::value, 6);
  REQUIRE(sched.has_job());
  CHECK(&sched.next_job<caf::abstract_actor>()
        == caf::actor_cast<caf::abstract_actor*>(target));
  run();
  CHECK(log->lines.back() == "got 6@1");
  // Its own atoms still reach the endpoint, and it counts what went past.
  CHECK(str(stats(ep)) == make_stats(endpoint_state::up, 4, 2, 2, 0, 0, 0, 0));
  // The child ends: the path closes in the child's own cleanup, before the
  // endpoint has even seen the down message, so a message sent right after
  // waits behind that down message and goes to the stash, not to the dead
  // child.
  caf::anon_send_exit(target, caf::exit_reason::kill);
  REQUIRE(sched.prioritize(target));
  sched.run_once(); // the child terminates; nothing else runs
  self->send(cl, ping_atom::value, 7);
  REQUIRE(sched.prioritize(cl));
  sched.run_once(); // the client sends 7 before the endpoint runs
  run();
  REQUIRE(out->all.size() == 6);
  CHECK_FALSE(out->all.back().done); // waiting for the next incarnation
  CHECK(stats(ep).stashed == 3);
  CHECK(stats(ep).pending == 1);
}
