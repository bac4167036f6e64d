// remedy-node's chaos scenario: the seeded schedule, the matching of raised
// faults to injected ones, the scores, and the report's own checks.

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <boost/json.hpp>

#include "chaos_check.hpp"
#include "chaos_fault.hpp"
#include "chaos_report.hpp"
#include "chaos_scoring.hpp"
#include "chaos_worker.hpp"

using namespace remedy;
using namespace remedy::node;
using namespace std::chrono_literals;

namespace {

bool same(const std::vector<planned_fault>& a,
          const std::vector<planned_fault>& b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].id != b[i].id || a[i].kind != b[i].kind || a[i].at != b[i].at
        || a[i].slot != b[i].slot || a[i].group != b[i].group)
      return false;
  return true;
}

} // namespace

TEST_CASE("the fault schedule is deterministic per seed and covers every kind",
          "[chaos]") {
  auto shape = shape_for(60s, 8);
  CHECK(shape.length == 30s);
  CHECK(shape.warmup == 6s);
  CHECK(shape.tail == 7s);
  auto a = plan_faults(1, shape);
  auto b = plan_faults(1, shape);
  auto c = plan_faults(2, shape);
  CHECK(same(a, b));
  CHECK_FALSE(same(a, c));
  // 17 s of window: 2 rounds of 7 kinds, the group loss 3 workers each.
  CHECK(a.size() == 2 * 6 + 2 * 3);
  std::map<fault_kind, size_t> kinds;
  std::map<uint32_t, std::set<size_t>> groups;
  uint32_t id = 0;
  for (auto& f : a) {
    CHECK(f.id == ++id);
    CHECK(f.at >= shape.warmup);
    CHECK(f.at < shape.length - shape.tail);
    CHECK(f.slot < 8);
    kinds[f.kind] += 1;
    if (f.kind == fault_kind::group_loss) {
      CHECK(f.group != 0);
      groups[f.group].insert(f.slot);
    }
  }
  CHECK(kinds.size() == fault_kind_count);
  CHECK(groups.size() == 2);
  for (auto& [g, slots] : groups)
    CHECK(slots.size() == 3); // three different workers at once
  // Short runs: one round.
  auto short_plan = plan_faults(1, shape_for(20s, 8));
  CHECK(short_plan.size() == 6 + 3);
}

TEST_CASE("raised faults are matched to injected ones by target and window",
          "[chaos]") {
  std::vector<injected_fault> inj{
    {1, fault_kind::crash, "svc/w1", 5.0, 0, 5.5, std::nullopt},
    {2, fault_kind::hang, "svc/w2", 10.0, 0, 11.0, std::nullopt},
    {3, fault_kind::slow, "svc/w3", 12.0, 0, std::nullopt, std::nullopt},
    {4, fault_kind::error_burst, "svc/w5", 14.0, 0, 15.0, std::nullopt},
    {5, fault_kind::leak, "svc/w6", 16.0, 0, 17.0, 18.0},
  };
  std::vector<raised_fault> raised{
    {101, fault_class::crash, "svc/w1", 5.01, 6.2, ""},
    {102, fault_class::error_spike, "svc/w2", 10.2, 10.4, ""}, // a symptom
    {103, fault_class::hang, "svc/w2", 10.3, 11.5, ""},
    {104, fault_class::hang, "svc/w4", 11.0, 11.5, ""}, // nothing injected
    {105, fault_class::slow, "svc/w5", 14.2, 15.5, ""}, // misclassified
    {106, fault_class::crash, "svc/w1", 11.0, 11.2, ""}, // after the window
    {107, fault_class::hang, "svc/w2", 10.9, std::nullopt, ""}, // duplicate
    {108, fault_class::resource_exhaustion_predicted, "svc/w6", 18.5, 19.0,
     ""},
  };
  auto m = match_faults(inj, raised);
  REQUIRE(m.outcomes.size() == 5);
  CHECK(m.outcomes[0].correct);
  CHECK(m.outcomes[0].detect_s == Approx(0.01));
  CHECK(m.outcomes[0].recover_s == Approx(1.2)); // the clear came last
  CHECK(m.outcomes[1].correct);
  CHECK(m.outcomes[1].detect_s == Approx(0.3));
  // The duplicate never cleared: not verified as recovered.
  CHECK_FALSE(m.outcomes[1].recover_s);
  CHECK_FALSE(m.outcomes[2].detected);
  CHECK_FALSE(m.outcomes[2].detect_s);
  CHECK(m.outcomes[3].detected);
  CHECK_FALSE(m.outcomes[3].correct);
  CHECK(m.outcomes[3].classified_as == fault_class::slow);
  // The leak was predicted only after it exhausted.
  CHECK(m.outcomes[4].correct);
  CHECK_FALSE(m.outcomes[4].predicted_in_time);
  CHECK(m.symptoms == 1);
  CHECK(m.duplicates == 1);
  // In the order they were raised.
  CHECK(m.false_positives == std::vector<uint64_t>{104, 106, 105});
  auto& crash = m.per_class[fault_class::crash];
  CHECK(crash.tp == 1);
  CHECK(crash.fp == 1);
  CHECK(crash.fn == 0);
  CHECK(crash.precision == Approx(0.5));
  CHECK(crash.recall == Approx(1.0));
  CHECK(crash.f1 == Approx(2.0 / 3.0));
  CHECK(m.per_class[fault_class::slow].fn == 1);
  CHECK(m.per_class[fault_class::slow].fp == 1);
  CHECK(m.per_class[fault_class::error_spike].fn == 1);
  CHECK(m.per_class[fault_class::hang].tp == 1);
  CHECK(m.per_class[fault_class::hang].fp == 1);
  // Micro average: tp 3, fp 3, fn 2.
  CHECK(m.overall.tp == 3);
  CHECK(m.overall.fp == 3);
  CHECK(m.overall.fn == 2);
  CHECK(m.overall.f1 == Approx(2.0 * 0.5 * 0.6 / 1.1));
}

TEST_CASE("a leak predicted before it exhausts counts as in time", "[chaos]") {
  std::vector<injected_fault> inj{
    {1, fault_kind::leak, "svc/w0", 5.0, 0, 7.0, std::nullopt},
    {2, fault_kind::leak, "svc/w1", 5.0, 0, 8.0, 8.0}};
  std::vector<raised_fault> raised{
    {1, fault_class::resource_exhaustion_predicted, "svc/w0", 6.0, 6.9, ""},
    {2, fault_class::resource_exhaustion_predicted, "svc/w1", 7.0, 8.5, ""},
    {3, fault_class::resource_exhaustion, "svc/w1", 8.0, 8.5, ""}};
  auto m = match_faults(inj, raised);
  CHECK(m.outcomes[0].predicted_in_time);
  CHECK(m.outcomes[0].recover_s == Approx(2.0));
  CHECK(m.outcomes[1].predicted_in_time);
  CHECK(m.symptoms == 1); // the exhaustion itself
  CHECK(m.false_positives.empty());
}

TEST_CASE("precision, recall and F1 from counts", "[chaos]") {
  class_score x;
  finish(x);
  CHECK(x.f1 == 1.0); // nothing to find, nothing raised
  x = class_score{};
  x.tp = 9;
  x.fp = 1;
  x.fn = 3;
  finish(x);
  CHECK(x.precision == Approx(0.9));
  CHECK(x.recall == Approx(0.75));
  CHECK(x.f1 == Approx(2 * 0.9 * 0.75 / 1.65));
  x = class_score{};
  x.fp = 2;
  finish(x);
  CHECK(x.precision == 0);
  CHECK(x.f1 == 0);
}

TEST_CASE("healing outcomes add up; one cut short by the end is abandoned",
          "[chaos]") {
  std::vector<healing_attempt> xs{
    {1, 0, 11, "a", "restart", "succeeded", 1.0},
    {2, 0, 12, "b", "restart", "failed", 2.0},
    {2, 1, 12, "b", "isolate", "succeeded", 3.0},
    {3, 0, 13, "c", "restart", "", 4.0}};
  auto t = tally(xs);
  CHECK(t.total == 4);
  CHECK(t.succeeded == 2);
  CHECK(t.failed == 1);
  CHECK(t.abandoned == 1);
  CHECK(t.total == t.succeeded + t.failed + t.abandoned);
  CHECK(t.by_strategy["restart"].succeeded == 1);
  CHECK(t.by_strategy["restart"].abandoned == 1);
  CHECK(t.by_strategy["isolate"].succeeded == 1);
}

TEST_CASE("percentiles and summaries", "[chaos]") {
  CHECK_FALSE(pct({}, 50));
  CHECK(*pct({1, 2, 3, 4}, 50) == Approx(2.5));
  CHECK(*pct({5}, 99) == Approx(5));
  auto s = summarize({1, 2, 3, 4, 10});
  CHECK(*s.mean == Approx(4));
  CHECK(*s.p95 == Approx(8.8));
  CHECK_FALSE(summarize({}).mean);
}

TEST_CASE("the client's check of the work agrees with the work", "[chaos]") {
  for (uint64_t x : {0ULL, 1ULL, 42ULL, 0xdeadbeefULL})
    for (uint64_t n : {0ULL, 1ULL, 2ULL, 1000ULL, 12345ULL})
      CHECK(lcg_jump(x, n) == lcg(x, n));
  CHECK(lcg_jump(7, 1000) != lcg(7, 999));
}

namespace {

/// A run as if every planned fault was performed and, with Remedy,
/// detected, classified and healed; the warm-up's CPU 5 % higher with it.
run_result fake_run(const std::vector<planned_fault>& plan, bool remedy) {
  run_result r;
  r.remedy = remedy;
  r.start = steady::now();
  r.load_s = 10;
  r.warmup_from_s = 0.5;
  r.warmup_to_s = 2.5;
  r.warmup_cpu_s = remedy ? 0.21 : 0.2;
  for (int i = 0; i < 1000; ++i)
    r.requests.push_back({i * 0.01f, 1.0f, true, i != 500});
  uint64_t fid = 100;
  for (auto& p : plan) {
    r.ledger.performed.push_back(
      {p.id, p.slot, p.kind,
       r.start + std::chrono::duration_cast<steady::duration>(p.at)});
    if (!remedy)
      continue;
    double at = std::chrono::duration<double>(p.at).count();
    auto cls = expected_class(p.kind);
    auto target = "svc/worker-" + std::to_string(p.slot);
    r.faults.push_back({++fid, cls, target, true, at + 0.1, ""});
    r.faults.push_back({fid, cls, target, false, at + 0.5, ""});
    r.healings.push_back({healing_event_kind::decided, fid, 0, fid, cls,
                          target, "restart", "", at + 0.2});
    r.healings.push_back({healing_event_kind::succeeded, fid, 0, fid, cls,
                          target, "restart", "", at + 0.5});
  }
  return r;
}

side_sample fake_sample(double cpu_per_request_ms) {
  side_sample s;
  s.cpu_per_request_ms = cpu_per_request_ms;
  s.rps = 500;
  s.p50_ms = 0.5;
  s.p99_ms = 0.7;
  s.requests = 1000;
  return s;
}

} // namespace

TEST_CASE("the report's checks catch broken bookkeeping", "[chaos]") {
  scenario_options opts;
  opts.duration = 20s;
  opts.seed = 3;
  auto shape = shape_for(opts.duration, opts.workers);
  auto plan = plan_faults(opts.seed, shape);
  REQUIRE_FALSE(plan.empty());
  auto without = fake_run(plan, false);
  auto with = fake_run(plan, true);
  auto report = build_report(opts, shape, 1000, &without, &with, false);
  check_options no_goals;
  no_goals.goals = false;
  auto problems = check_report(report, no_goals);
  INFO(boost::json::serialize(report));
  for (auto& p : problems)
    INFO(p);
  CHECK(problems.empty());
  auto& w = report.as_object()["runs"].as_object()["with_remedy"].as_object();
  CHECK(w["detection"].as_object()["f1"].as_double() == Approx(1.0));
  CHECK(w["requests"].as_object()["failed"].to_number<int>() == 1);
  // Goals: availability 0.999 is met, a fault without a ground-truth
  // recovery (no good answer in the ledger) is not recovered.
  CHECK_FALSE(check_report(report).empty());
  SECTION("sent != succeeded + failed") {
    w["requests"].as_object()["failed"] = 7;
    CHECK_FALSE(check_report(report, no_goals).empty());
  }
  SECTION("healings != succeeded + failed + abandoned") {
    w["healings"].as_object()["abandoned"] = 1;
    CHECK_FALSE(check_report(report, no_goals).empty());
  }
  SECTION("a fault neither detected nor missed") {
    w["faults"].as_array()[0].as_object().erase("detected");
    CHECK_FALSE(check_report(report, no_goals).empty());
  }
  SECTION("a fault the schedule does not have") {
    w["faults"].as_array()[0].as_object()["target"] = "svc/worker-99";
    CHECK_FALSE(check_report(report, no_goals).empty());
  }
  SECTION("a partial report") {
    report.as_object()["partial"] = true;
    CHECK_FALSE(check_report(report, no_goals).empty());
  }
}

TEST_CASE("the overhead is the median of the paired rounds, each checked",
          "[chaos]") {
  scenario_options opts;
  opts.duration = 20s;
  opts.seed = 3;
  auto shape = shape_for(opts.duration, opts.workers);
  auto plan = plan_faults(opts.seed, shape);
  auto without = fake_run(plan, false);
  auto with = fake_run(plan, true);
  overhead_measurement m;
  m.requested = 3;
  m.round_length = 3s;
  // Ratios 1.02, 1.30 (a stalled round) and 1.04: the median is 1.04.
  for (auto [a, b] : {std::pair{0.30, 0.306}, std::pair{0.30, 0.39},
                      std::pair{0.30, 0.312}}) {
    overhead_round r;
    r.without_remedy = fake_sample(a);
    r.with_remedy = fake_sample(b);
    r.remedy_first = remedy_first_in(m.rounds.size());
    m.rounds.push_back(r);
  }
  CHECK_FALSE(m.rounds[0].remedy_first);
  CHECK(m.rounds[1].remedy_first);
  auto report = build_report(opts, shape, 1000, &without, &with, false, m);
  auto& ov = report.as_object()["overhead"].as_object();
  CHECK(ov["method"].as_string() == "paired_rounds");
  CHECK(ov["overhead_pct"].as_double() == Approx(4.0));
  CHECK(ov["ratio_min"].as_double() == Approx(1.02));
  CHECK(ov["ratio_max"].as_double() == Approx(1.30));
  // The single warm-up windows (0.21 / 0.2) are kept beside it.
  CHECK(ov["warmup_windows"].as_object()["cpu_per_request_ratio"].as_double()
        == Approx(1.05));
  check_options no_goals;
  no_goals.goals = false;
  CHECK(check_report(report, no_goals).empty());
  SECTION("the goal is judged on the median") {
    auto& goals = report.as_object()["goals"].as_array();
    auto it = std::find_if(goals.begin(), goals.end(), [](auto& g) {
      return g.as_object().at("name").as_string() == "overhead";
    });
    REQUIRE(it != goals.end());
    CHECK(it->as_object().at("met").as_bool());
  }
  SECTION("a round's ratio that is not with / without") {
    ov["rounds"].as_array()[1].as_object()["cpu_per_request_ratio"] = 1.0;
    CHECK_FALSE(check_report(report, no_goals).empty());
  }
  SECTION("an overhead that is not the median") {
    ov["overhead_pct"] = 2.0;
    CHECK_FALSE(check_report(report, no_goals).empty());
  }
  SECTION("fewer rounds than asked for") {
    ov["rounds"].as_array().pop_back();
    CHECK_FALSE(check_report(report, no_goals).empty());
  }
  SECTION("no rounds: the warm-up windows stand in") {
    auto r0 = build_report(opts, shape, 1000, &without, &with, false, {});
    auto& o0 = r0.as_object()["overhead"].as_object();
    CHECK(o0["method"].as_string() == "warmup_windows");
    CHECK(o0["overhead_pct"].as_double() == Approx(5.0));
    CHECK(check_report(r0, no_goals).empty());
  }
}
