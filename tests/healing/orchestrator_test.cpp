// The orchestrator under CAF's deterministic test coordinator, with
// scripted strategies: the classifier's side (fault raised, fault cleared)
// is played by the test, so each rule is checked on its own. The built-in
// strategies acting on real trees are tested in tests/strategies/, and the
// whole loop with real detectors and classifier in heal_loop_test.cpp.

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <caf/event_based_actor.hpp>

#include "remedy/classification/fault.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/healing/orchestrator.hpp"
#include "remedy/healing/orchestrator_actor.hpp"
#include "remedy/healing/strategy_learner.hpp"
#include "remedy/strategies/healing_strategy.hpp"
#include "remedy/strategies/strategy_actor.hpp"
#include "remedy/supervision/supervisor_actor.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "test_fixture.hpp"

using namespace remedy;
using namespace remedy::test;
using namespace std::chrono_literals;

namespace {

/// What the scripted strategies did, in order: "name:target".
using action_log = std::shared_ptr<std::vector<std::string>>;

/// A strategy that records what it is asked to do and answers as told.
class scripted : public healing_strategy {
public:
  scripted(std::string name, action_log log, strategy_traits traits = {},
           bool fails = false)
    : healing_strategy(std::move(name), std::move(traits)),
      log_(std::move(log)),
      fails_(fails) {
  }

  caf::expected<std::string> act(const healing_order& o,
                                 caf::event_based_actor*) override {
    log_->push_back(name() + ":" + o.target.name);
    if (fails_)
      return make_error(errc::heal_failed, name() + ": the target refused");
    return name() + " acted on " + o.target.name;
  }

  caf::expected<std::string> undo(const healing_action& a,
                                  caf::event_based_actor*) override {
    log_->push_back("undo " + name() + ":" + a.target);
    return "took back " + a.did;
  }

private:
  action_log log_;
  bool fails_;
};

/// Assesses like any strategy but never answers an execute.
caf::behavior mute_strategy(caf::event_based_actor* self) {
  return {
    [](strategy_assess_atom, const healing_order&) {
      return strategy_offer{"mute", true, 0.1, false, ""};
    },
    [self](strategy_execute_atom,
           const healing_order&) -> caf::result<healing_action> {
      return self->make_response_promise<healing_action>();
    },
    [](strategy_undo_atom, healing_action a) { return a; },
  };
}

struct heal_fixture : fixture {
  action_log log = std::make_shared<std::vector<std::string>>();
  std::vector<healing_event> events;
  uint64_t next_fault = 1;

  heal_fixture() {
    subscribe(self.ptr(), "healing.");
  }

  caf::actor strategy(std::string name, strategy_traits t = {},
                      bool fails = false) {
    return track(spawn_strategy(
      sys, std::make_shared<scripted>(std::move(name), log, t, fails)));
  }

  static std::vector<heal_target> targets(std::vector<std::string> names,
                                          std::string group = "",
                                          uint32_t size = 1) {
    std::vector<heal_target> xs;
    for (auto& n : names) {
      heal_target t;
      t.name = n;
      t.group = group;
      t.group_size = size;
      xs.push_back(t);
    }
    return xs;
  }

  caf::actor orchestrator(healing_settings s, strategy_set xs,
                          std::vector<heal_target> ts) {
    auto o = spawn_orchestrator(sys, std::move(s), std::move(xs),
                                std::move(ts));
    REQUIRE(o);
    track(*o);
    drain();
    return *o;
  }

  void drain() {
    run();
    while (has_reply())
      self->receive([&](healing_event& e) { events.push_back(std::move(e)); });
  }

  fault raise(const std::string& target, fault_class cls = fault_class::hang) {
    fault f;
    f.id = next_fault++;
    f.cls = cls;
    f.target = target;
    f.severity = 0.8;
    f.confidence = 0.9;
    f.first_seen = f.last_seen = now().time_since_epoch();
    publish(sys, "fault.raised",
            caf::make_message(fault_event{fault_event_kind::raised, f}));
    drain();
    return f;
  }

  void clear(fault f) {
    f.active = false;
    f.cleared_at = f.last_seen = now().time_since_epoch();
    publish(sys, "fault.cleared",
            caf::make_message(fault_event{fault_event_kind::cleared, f}));
    drain();
  }

  void pass(caf::timespan d) {
    advance(d);
    drain();
  }

  std::vector<healing_event> of(healing_event_kind k) const {
    std::vector<healing_event> xs;
    for (auto& e : events)
      if (e.kind == k)
        xs.push_back(e);
    return xs;
  }

  healing_stats stats(const caf::actor& o) {
    auto s = ask<healing_stats>(o, healing_status_atom::value);
    REQUIRE(s);
    return *s;
  }

  std::vector<strategy_record> table(const caf::actor& o) {
    auto t = ask<std::vector<strategy_record>>(o, healing_table_atom::value);
    REQUIRE(t);
    return *t;
  }
};

healing_settings basic(std::vector<std::string> ladder) {
  healing_settings s;
  s.default_ladder = std::move(ladder);
  s.policy = healing_policy::first_applicable;
  s.verify_window = 10s;
  s.cooldown = 5s;
  s.strategy_timeout = 2s;
  return s;
}

} // namespace

TEST_CASE_METHOD(heal_fixture,
                 "a fault is healed by the first strategy, and the healing "
                 "succeeds only when the fault clears within the window",
                 "[healing][orchestrator]") {
  auto o = orchestrator(basic({"a", "b"}), {{"a", strategy("a")}, {"b", strategy("b")}},
                        targets({"svc"}));
  auto f = raise("svc");
  CHECK(*log == std::vector<std::string>{"a:svc"});
  REQUIRE(of(healing_event_kind::decided).size() == 1);
  REQUIRE(of(healing_event_kind::acted).size() == 1);
  CHECK(of(healing_event_kind::acted)[0].detail == "a acted on svc");
  CHECK(of(healing_event_kind::succeeded).empty()); // not before the clear
  pass(3s);
  clear(f);
  auto ok = of(healing_event_kind::succeeded);
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].strategy == "a");
  CHECK(ok[0].target == "svc");
  CHECK(ok[0].fault == f.id);
  CHECK(ok[0].time_to_recover == 3s);
  auto t = table(o);
  REQUIRE(t.size() == 1);
  CHECK(t[0].strategy == "a");
  CHECK(t[0].cls == fault_class::hang);
  CHECK(t[0].successes == 1);
  CHECK(t[0].recover_ms_sum == Approx(3000.0));
  CHECK(stats(o).active == 0);
}

TEST_CASE_METHOD(heal_fixture,
                 "a fault that outlives the verify window fails its strategy "
                 "and climbs the ladder",
                 "[healing][orchestrator][ladder]") {
  auto o = orchestrator(basic({"a", "b"}), {{"a", strategy("a")}, {"b", strategy("b")}},
                        targets({"svc"}));
  auto f = raise("svc");
  pass(9s);
  CHECK(of(healing_event_kind::failed).empty());
  pass(1s); // the window ends: a failed, b next
  REQUIRE(of(healing_event_kind::failed).size() == 1);
  CHECK(of(healing_event_kind::failed)[0].strategy == "a");
  CHECK(*log == std::vector<std::string>{"a:svc", "b:svc"});
  auto decided = of(healing_event_kind::decided);
  REQUIRE(decided.size() == 2);
  CHECK(decided[1].strategy == "b");
  CHECK(decided[1].attempt == 1);
  clear(f);
  REQUIRE(of(healing_event_kind::succeeded).size() == 1);
  CHECK(of(healing_event_kind::succeeded)[0].strategy == "b");
  auto t = table(o);
  REQUIRE(t.size() == 2);
  CHECK(t[0].strategy == "a");
  CHECK(t[0].failures == 1);
  CHECK(t[1].successes == 1);
}

TEST_CASE_METHOD(heal_fixture,
                 "a strategy that cannot act fails at once and the next rung "
                 "acts; when the ladder is spent the fault is skipped",
                 "[healing][orchestrator][ladder]") {
  auto o = orchestrator(basic({"a", "b"}),
                        {{"a", strategy("a", {}, true)},
                         {"b", strategy("b", {}, true)}},
                        targets({"svc"}));
  raise("svc");
  CHECK(*log == std::vector<std::string>{"a:svc", "b:svc"});
  auto failed = of(healing_event_kind::failed);
  REQUIRE(failed.size() == 2);
  CHECK(failed[0].detail.find("the target refused") != std::string::npos);
  auto skipped = of(healing_event_kind::skipped);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].detail == "every strategy on the ladder was tried");
  CHECK(stats(o).active == 0);
}

TEST_CASE_METHOD(heal_fixture,
                 "a strategy that applies to other classes only is passed "
                 "over",
                 "[healing][orchestrator][ladder]") {
  auto o = orchestrator(
    basic({"slow_only", "any"}),
    {{"slow_only",
      strategy("slow_only", strategy_traits{}.only_for({fault_class::slow}))},
     {"any", strategy("any")}},
    targets({"svc"}));
  raise("svc", fault_class::hang);
  CHECK(*log == std::vector<std::string>{"any:svc"});
  static_cast<void>(o);
}

TEST_CASE_METHOD(heal_fixture,
                 "a strategy that never answers is abandoned after the "
                 "strategy timeout, learns nothing, and the next rung acts",
                 "[healing][orchestrator][bad_input]") {
  auto mute = track(sys.spawn(mute_strategy));
  auto o = orchestrator(basic({"mute", "b"}), {{"mute", mute}, {"b", strategy("b")}},
                        targets({"svc"}));
  raise("svc");
  CHECK(log->empty());
  pass(2s);
  auto ab = of(healing_event_kind::abandoned);
  REQUIRE(ab.size() == 1);
  CHECK(ab[0].strategy == "mute");
  CHECK(ab[0].detail.find("gave no answer") != std::string::npos);
  CHECK(*log == std::vector<std::string>{"b:svc"});
  for (auto& r : table(o))
    CHECK(r.strategy != "mute");
}

TEST_CASE_METHOD(heal_fixture,
                 "a fault for an unknown target is skipped with its name, "
                 "and the orchestrator keeps working",
                 "[healing][orchestrator][bad_input]") {
  auto o = orchestrator(basic({"a"}), {{"a", strategy("a")}}, targets({"svc"}));
  raise("nobody");
  auto sk = of(healing_event_kind::skipped);
  REQUIRE(sk.size() == 1);
  CHECK(sk[0].detail == "no heal_target named 'nobody'");
  CHECK(log->empty());
  // A target added at run time is healed.
  heal_target t;
  t.name = "late";
  CHECK(!ask_unit(o, heal_target_atom::value, t));
  raise("late");
  CHECK(*log == std::vector<std::string>{"a:late"});
  // A target without a name is refused with a clear error.
  auto err = ask_unit(o, heal_target_atom::value, heal_target{});
  CHECK(is(err, errc::invalid_argument));
  CHECK(context_of(err).find("a heal_target needs a name") != std::string::npos);
}

TEST_CASE("invalid settings and unknown strategy names are refused at spawn, "
          "naming what and where",
          "[healing][orchestrator][bad_input]") {
  fixture fx;
  auto a = fx.track(spawn_strategy(
    fx.sys, std::make_shared<scripted>("a", std::make_shared<std::vector<std::string>>())));
  auto msg = [&](healing_settings s, strategy_set xs = {}) {
    if (xs.empty())
      xs = {{"a", a}};
    auto o = spawn_orchestrator(fx.sys, s, xs);
    REQUIRE(!o);
    CHECK(is(o.error(), errc::invalid_argument));
    return context_of(o.error());
  };
  auto s = basic({"a"});
  auto x = s;
  x.default_ladder = {"a", "reboot"};
  CHECK(msg(x) == "healing 'healing': default_ladder: unknown strategy 'reboot'");
  x = s;
  x.ladders[fault_class::slow] = {"a", "a"};
  CHECK(msg(x) == "healing 'healing': ladder of slow: strategy 'a' appears twice");
  x = s;
  x.ladders[fault_class::slow] = {};
  CHECK(msg(x).find("ladder of slow: empty") != std::string::npos);
  x = s;
  x.cooldown = -1s;
  CHECK(msg(x) == "healing 'healing': cooldown must not be negative");
  x = s;
  x.verify_window = 0s;
  CHECK(msg(x) == "healing 'healing': verify_window must be positive");
  x = s;
  x.max_concurrent = 0;
  CHECK(msg(x) == "healing 'healing': max_concurrent must be positive");
  x = s;
  x.max_disruption = 1.5;
  CHECK(msg(x) == "healing 'healing': max_disruption must be in (0, 1], got 1.5");
  x = s;
  x.check_interval = 2s;
  CHECK(msg(x) == "healing 'healing': check_interval must be in (0, 1s]");
  x = s;
  x.strategy_timeout = 0s;
  CHECK(msg(x) == "healing 'healing': strategy_timeout must be positive");
  CHECK(msg(s, {{"a", caf::actor{}}})
        == "healing 'healing': strategy 'a' has no actor");
  x = s;
  x.table_path = "/tmp/remedy-bad-table-" + std::to_string(::getpid());
  {
    std::FILE* fp = std::fopen(x.table_path.c_str(), "w");
    REQUIRE(fp != nullptr);
    std::fputs("{\"version\":1,\"strategies\":[{}]}", fp);
    std::fclose(fp);
  }
  auto m = msg(x);
  std::remove(x.table_path.c_str());
  CHECK(m.find("table_path") != std::string::npos);
  CHECK(m.find("strategies[0]: 'class' must name a fault class")
        != std::string::npos);
}

TEST_CASE_METHOD(heal_fixture,
                 "one healing per target: a second fault of the target waits "
                 "for the first and for the cooldown",
                 "[healing][orchestrator][limits]") {
  auto o = orchestrator(basic({"a"}), {{"a", strategy("a")}}, targets({"svc"}));
  auto f1 = raise("svc", fault_class::hang);
  auto f2 = raise("svc", fault_class::slow);
  CHECK(log->size() == 1);
  REQUIRE(of(healing_event_kind::deferred).size() == 1);
  CHECK(of(healing_event_kind::deferred)[0].fault == f2.id);
  clear(f1);
  CHECK(log->size() == 1); // cooling down
  CHECK(stats(o).waiting == 1);
  pass(4s);
  CHECK(log->size() == 1);
  pass(1s); // the 5 s cooldown ends
  CHECK(log->size() == 2);
  clear(f2);
  CHECK(of(healing_event_kind::succeeded).size() == 2);
}

TEST_CASE_METHOD(heal_fixture,
                 "a fault that clears while it waits is not healed",
                 "[healing][orchestrator][limits]") {
  auto s = basic({"a"});
  s.max_concurrent = 1;
  auto o = orchestrator(s, {{"a", strategy("a")}}, targets({"x", "y"}));
  auto fx = raise("x");
  auto fy = raise("y");
  CHECK(stats(o).waiting == 1);
  clear(fy);
  clear(fx);
  CHECK(*log == std::vector<std::string>{"a:x"});
  CHECK(stats(o).waiting == 0);
}

TEST_CASE_METHOD(heal_fixture,
                 "a storm of 100 faulty targets: never more healings at once "
                 "than the cap or a group's disruption budget, and every "
                 "target is healed",
                 "[healing][orchestrator][limits][storm]") {
  auto s = basic({"a"});
  s.max_concurrent = 8;
  s.max_disruption = 0.05; // 3 of each group of 60, 2 of the group of 40
  s.cooldown = 1s;
  std::vector<std::string> names;
  auto ts = targets({});
  for (int i = 0; i < 100; ++i) {
    heal_target t;
    t.name = "w" + std::to_string(i);
    t.group = i < 60 ? "big" : "small";
    t.group_size = i < 60 ? 60 : 40;
    ts.push_back(t);
  }
  auto o = orchestrator(s, {{"a", strategy("a")}}, ts);
  std::map<std::string, fault> open;
  for (auto& t : ts)
    open[t.name] = raise(t.name);
  CHECK(stats(o).peak_active <= 5);
  // Heal in rounds: each acted-on target's fault clears a second later.
  size_t healed = 0;
  for (int round = 0; round < 200 && healed < 100; ++round) {
    pass(1s);
    std::set<std::string> now_acting;
    for (auto& x : *log)
      now_acting.insert(x.substr(2));
    for (auto& name : now_acting) {
      auto i = open.find(name);
      if (i == open.end())
        continue;
      clear(i->second);
      open.erase(i);
      ++healed;
    }
    auto st = stats(o);
    CHECK(st.active <= 5);
  }
  CHECK(healed == 100);
  auto st = stats(o);
  CHECK(st.succeeded == 100);
  CHECK(st.peak_active == 5); // 3 of big + 2 of small, under the cap of 8
  CHECK(st.waiting == 0);
  CHECK(log->size() == 100); // one action per target, no double healing
}

TEST_CASE_METHOD(heal_fixture,
                 "the cap bounds healings at once when groups allow more",
                 "[healing][orchestrator][limits][storm]") {
  auto s = basic({"a"});
  s.max_concurrent = 4;
  auto o = orchestrator(s, {{"a", strategy("a")}},
                        targets({"a1", "a2", "a3", "a4", "a5", "a6"}));
  std::vector<fault> fs;
  for (auto n : {"a1", "a2", "a3", "a4", "a5", "a6"})
    fs.push_back(raise(n));
  CHECK(log->size() == 4);
  CHECK(stats(o).active == 4);
  CHECK(stats(o).waiting == 2);
  clear(fs[0]);
  CHECK(log->size() == 5);
  CHECK(stats(o).peak_active == 4);
}

TEST_CASE_METHOD(heal_fixture,
                 "a relapse within the window counts against the strategy "
                 "and the next healing starts elsewhere on the ladder",
                 "[healing][orchestrator][relapse]") {
  auto s = basic({"a", "b"});
  s.relapse_window = 60s;
  s.cooldown = 0s;
  auto o = orchestrator(s, {{"a", strategy("a")}, {"b", strategy("b")}},
                        targets({"svc"}));
  auto f = raise("svc");
  pass(1s);
  clear(f);
  pass(30s);
  raise("svc"); // back within 60 s
  auto rel = of(healing_event_kind::relapsed);
  REQUIRE(rel.size() == 1);
  CHECK(rel[0].strategy == "a");
  CHECK(*log == std::vector<std::string>{"a:svc", "b:svc"});
  auto t = table(o);
  REQUIRE(!t.empty());
  CHECK(t[0].strategy == "a");
  CHECK(t[0].successes == 1);
  CHECK(t[0].relapses == 1);
  CHECK(t[0].held() == 0);
}

TEST_CASE_METHOD(heal_fixture,
                 "a fault after the relapse window is a new fault, not a "
                 "relapse",
                 "[healing][orchestrator][relapse]") {
  auto s = basic({"a", "b"});
  s.relapse_window = 60s;
  auto o = orchestrator(s, {{"a", strategy("a")}, {"b", strategy("b")}},
                        targets({"svc"}));
  auto f = raise("svc");
  clear(f);
  pass(61s);
  raise("svc");
  CHECK(of(healing_event_kind::relapsed).empty());
  CHECK(*log == std::vector<std::string>{"a:svc", "a:svc"});
  static_cast<void>(o);
}

TEST_CASE_METHOD(heal_fixture,
                 "dry run: decides and reports, never acts",
                 "[healing][orchestrator][dry_run]") {
  auto s = basic({"a", "b"});
  s.dry_run = true;
  auto o = orchestrator(s, {{"a", strategy("a")}, {"b", strategy("b")}},
                        targets({"svc"}));
  auto f = raise("svc");
  pass(30s);
  CHECK(log->empty());
  auto d = of(healing_event_kind::decided);
  REQUIRE(d.size() == 1);
  CHECK(d[0].dry_run);
  CHECK(d[0].strategy == "a");
  CHECK(of(healing_event_kind::acted).empty());
  CHECK(of(healing_event_kind::failed).empty());
  // The same fault, updated, is not decided again.
  publish(sys, "fault.updated",
          caf::make_message(fault_event{fault_event_kind::updated, f}));
  drain();
  CHECK(of(healing_event_kind::decided).size() == 1);
  CHECK(table(o).empty());
}

TEST_CASE_METHOD(heal_fixture,
                 "a drastic strategy is reached only by escalation",
                 "[healing][orchestrator][ladder]") {
  auto s = basic({"nuke", "a"});
  s.policy = healing_policy::learned;
  auto o = orchestrator(
    s, {{"nuke", strategy("nuke", strategy_traits{}.as_drastic())},
        {"a", strategy("a")}},
    targets({"svc"}));
  raise("svc");
  CHECK(*log == std::vector<std::string>{"a:svc"});
  pass(10s); // a fails verification: escalation
  CHECK(*log == std::vector<std::string>{"a:svc", "nuke:svc"});
  auto d = of(healing_event_kind::decided);
  REQUIRE(d.size() == 2);
  CHECK(d[1].detail == "drastic, by escalation");
  static_cast<void>(o);
}

TEST_CASE_METHOD(heal_fixture,
                 "the orchestrator learns from verified outcomes which "
                 "strategy works for which class",
                 "[healing][orchestrator][learning]") {
  // "a" never clears a hang; "b" always does. The learner must move to b.
  auto s = basic({"a", "b"});
  s.policy = healing_policy::learned;
  s.cooldown = 0s;
  s.relapse_window = 0s;
  s.seed = 11;
  auto o = orchestrator(s, {{"a", strategy("a")}, {"b", strategy("b")}},
                        targets({"svc"}));
  std::vector<std::string> firsts;
  for (int i = 0; i < 60; ++i) {
    auto before = log->size();
    auto f = raise("svc");
    REQUIRE(log->size() == before + 1);
    firsts.push_back(log->back().substr(0, 1));
    if (firsts.back() == "a")
      pass(10s); // a fails verification; b follows
    REQUIRE(log->back().substr(0, 1) == "b");
    clear(f);
    pass(1ms);
  }
  auto late_b = 0;
  for (size_t i = 40; i < firsts.size(); ++i)
    late_b += firsts[i] == "b" ? 1 : 0;
  CHECK(late_b >= 18);
  auto t = table(o);
  REQUIRE(t.size() == 2);
  CHECK(t[1].strategy == "b");
  CHECK(t[1].successes == 60);
}

TEST_CASE_METHOD(heal_fixture,
                 "the learned table is saved after each outcome and a new "
                 "orchestrator starts from it",
                 "[healing][orchestrator][learning]") {
  auto s = basic({"a"});
  s.table_path = "/tmp/remedy-table-" + std::to_string(::getpid()) + ".json";
  std::remove(s.table_path.c_str());
  auto a = strategy("a");
  auto o = orchestrator(s, {{"a", a}}, targets({"svc"}));
  auto f = raise("svc");
  pass(2s);
  clear(f);
  caf::anon_send_exit(o, caf::exit_reason::user_shutdown);
  run();
  auto o2 = orchestrator(s, {{"a", a}}, targets({"svc"}));
  auto t = table(o2);
  std::remove(s.table_path.c_str());
  REQUIRE(t.size() == 1);
  CHECK(t[0].successes == 1);
  CHECK(t[0].recover_ms_sum == Approx(2000.0));
}

TEST_CASE_METHOD(heal_fixture,
                 "an orchestrator that crashes mid-healing is restarted by "
                 "its supervisor, reports the healing undone or abandoned, "
                 "and keeps what it learned",
                 "[healing][orchestrator][crash]") {
  auto s = basic({"a"});
  s.cooldown = 0s;
  s.relapse_window = 0s;
  auto undoable = strategy("u", strategy_traits{}.as_undoable());
  auto plain = strategy("a");
  auto memory = make_healing_memory();
  auto s2 = basic({"u"});
  s2.cooldown = 0s;
  auto tree = supervisor_builder("heal")
                .worker("plain", orchestrator_start(s, {{"a", plain}},
                                                    targets({"x"}), memory))
                .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  drain();
  // Learn one success, then leave a healing in flight (acted, not verified).
  auto f = raise("x");
  clear(f);
  raise("x");
  REQUIRE(of(healing_event_kind::acted).size() == 2);
  auto before = ask<std::vector<child_info>>(tree->root,
                                             which_children_atom::value);
  REQUIRE(before);
  REQUIRE(before->size() == 1);
  auto first = (*before)[0].current;
  caf::anon_send_exit(first, caf::exit_reason::kill);
  drain();
  auto after = ask<std::vector<child_info>>(tree->root,
                                            which_children_atom::value);
  REQUIRE(after);
  REQUIRE(after->size() == 1);
  auto second = (*after)[0].current;
  CHECK(second != first);
  auto ab = of(healing_event_kind::abandoned);
  REQUIRE(ab.size() == 1);
  CHECK(ab[0].detail.find("stays applied") != std::string::npos);
  auto t = table(second);
  REQUIRE(t.size() == 1);
  CHECK(t[0].successes == 1);
  // The same with an undoable strategy: the new incarnation takes it back.
  auto memory2 = make_healing_memory();
  auto tree2 = supervisor_builder("heal2")
                 .worker("undo", orchestrator_start(s2, {{"u", undoable}},
                                                    targets({"y"}), memory2))
                 .spawn(sys);
  REQUIRE(tree2);
  track(tree2->root);
  drain();
  raise("y");
  auto kids = ask<std::vector<child_info>>(tree2->root,
                                           which_children_atom::value);
  REQUIRE(kids);
  caf::anon_send_exit((*kids)[0].current, caf::exit_reason::kill);
  drain();
  auto un = of(healing_event_kind::undone);
  REQUIRE(un.size() == 1);
  CHECK(un[0].detail == "took back u acted on y");
  CHECK(log->back() == "undo u:y");
}

namespace {

/// Throws in its first `act` (a crash mid-healing), then works.
class crashes_once : public healing_strategy {
public:
  crashes_once(std::shared_ptr<int> calls, action_log log)
    : healing_strategy("flaky"), calls_(std::move(calls)), log_(std::move(log)) {
  }

  caf::expected<std::string> act(const healing_order& o,
                                 caf::event_based_actor*) override {
    if (++*calls_ == 1)
      throw std::runtime_error("strategy bug");
    log_->push_back("flaky:" + o.target.name);
    return std::string{"fixed "} + o.target.name;
  }

private:
  std::shared_ptr<int> calls_;
  action_log log_;
};

} // namespace

TEST_CASE_METHOD(heal_fixture,
                 "a strategy that crashes mid-healing is restarted by its "
                 "supervisor; the healing is reported abandoned, and the "
                 "restarted strategy heals the next fault",
                 "[healing][orchestrator][crash]") {
  auto calls = std::make_shared<int>(0);
  auto tree = supervisor_builder("strategies")
                .worker("flaky", strategy_start([calls, this] {
                          return std::make_unique<crashes_once>(calls, log);
                        }))
                .spawn(sys);
  REQUIRE(tree);
  track(tree->root);
  auto s = basic({"flaky"});
  s.cooldown = 0s;
  s.relapse_window = 0s;
  auto o = orchestrator(s, {{"flaky", tree->endpoint("flaky")}},
                        targets({"svc"}));
  auto f = raise("svc");
  // The strategy's actor died with the request (remedy.unhandled_exception).
  auto ab = of(healing_event_kind::abandoned);
  REQUIRE(ab.size() == 1);
  CHECK(ab[0].strategy == "flaky");
  CHECK(table(o).empty()); // nothing learned from an unknown outcome
  // Its supervisor restarted it; the ladder is spent for this fault.
  auto kids = ask<std::vector<child_info>>(tree->root,
                                           which_children_atom::value);
  REQUIRE(kids);
  CHECK((*kids)[0].restarts == 1);
  clear(f);
  auto g = raise("svc");
  CHECK(*log == std::vector<std::string>{"flaky:svc"});
  clear(g);
  REQUIRE(of(healing_event_kind::succeeded).size() == 1);
}

TEST_CASE_METHOD(heal_fixture,
                 "an orchestrator of an older term than one its strategies "
                 "have executed is fenced off: it abandons the healing, "
                 "learns nothing and tries no other rung",
                 "[healing][orchestrator][fencing]") {
  auto a = strategy("a");
  auto b = strategy("b");
  auto newer_settings = basic({"a", "b"});
  newer_settings.name = "leader-2";
  newer_settings.term = 2;
  auto newer = orchestrator(newer_settings, {{"a", a}, {"b", b}},
                            targets({"svc"}));
  auto f = raise("svc");
  CHECK(*log == std::vector<std::string>{"a:svc"});
  clear(f);
  REQUIRE(of(healing_event_kind::succeeded).size() == 1);
  caf::anon_send_exit(newer, caf::exit_reason::user_shutdown);
  drain();
  // The deposed leader's orchestrator, still running with term 1.
  auto older_settings = basic({"a", "b"});
  older_settings.name = "leader-1";
  older_settings.term = 1;
  auto older = orchestrator(older_settings, {{"a", a}, {"b", b}},
                            targets({"svc"}));
  raise("svc");
  CHECK(*log == std::vector<std::string>{"a:svc"}); // nothing more acted
  auto gave_up = of(healing_event_kind::abandoned);
  REQUIRE(gave_up.size() == 1);
  CHECK_THAT(gave_up[0].detail, Catch::Contains("fenced off")
                                  && Catch::Contains("term 1 is older than "
                                                     "term 2"));
  CHECK(of(healing_event_kind::failed).empty());
  CHECK(table(older).empty());
  CHECK(stats(older).active == 0);
}

TEST_CASE_METHOD(heal_fixture,
                 "forgetting a prefix abandons the healings and waiting "
                 "faults of the targets it names, learns nothing, and "
                 "leaves the others alone",
                 "[healing][orchestrator]") {
  auto a = strategy("a");
  auto s = basic({"a"});
  s.max_concurrent = 1; // the second fault waits
  auto o = orchestrator(s, {{"a", a}}, targets({"b:x", "b:y", "c:z"}));
  auto fx = raise("b:x"); // acted, now verifying
  raise("b:y");           // waits for the cap
  CHECK(*log == std::vector<std::string>{"a:b:x"});
  CHECK(stats(o).waiting == 1);
  self->send(o, healing_forget_atom::value, std::string{"b:"},
             std::string{"node b restarted"});
  drain();
  auto ab = of(healing_event_kind::abandoned);
  REQUIRE(ab.size() == 1); // the one in flight; the waiting one is dropped
  CHECK(ab[0].target == "b:x");
  CHECK(ab[0].detail == "node b restarted");
  CHECK(stats(o).active == 0);
  CHECK(stats(o).waiting == 0);
  CHECK(table(o).empty()); // nothing learned
  CHECK(of(healing_event_kind::failed).empty());
  // Another node's target still heals.
  auto fz = raise("c:z");
  CHECK(log->back() == "a:c:z");
  clear(fz);
  CHECK(of(healing_event_kind::succeeded).size() == 1);
  // The forgotten fault clearing later changes nothing.
  clear(fx);
  CHECK(of(healing_event_kind::succeeded).size() == 1);
}
