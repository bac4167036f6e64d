#include "chaos_check.hpp"

#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include <boost/json.hpp>

#include "chaos_fault.hpp"
#include "remedy/core/percentile.hpp"

namespace remedy::node {

namespace json = boost::json;

namespace {

std::optional<double> num(const json::value* v) {
  if (!v)
    return std::nullopt;
  if (v->is_double())
    return v->as_double();
  if (v->is_int64())
    return static_cast<double>(v->as_int64());
  if (v->is_uint64())
    return static_cast<double>(v->as_uint64());
  return std::nullopt;
}

const json::value* get(const json::value& v, const char* key) {
  if (!v.is_object())
    return nullptr;
  return v.as_object().if_contains(key);
}

} // namespace

std::vector<std::string> check_report(const json::value& report,
                                      const check_options& opts) {
  std::vector<std::string> bad;
  auto fail = [&](std::string x) { bad.push_back(std::move(x)); };
  if (num(get(report, "remedy_node_report")) != 1.0) {
    fail("not a remedy_node_report 1");
    return bad;
  }
  auto* partial = get(report, "partial");
  if (!partial || !partial->is_bool() || partial->as_bool())
    fail("the report is partial (or says nothing about it)");
  auto seed = num(get(report, "seed"));
  auto duration = num(get(report, "duration_s"));
  auto workers = num(get(report, "workers"));
  if (!seed || !duration || !workers) {
    fail("seed, duration_s or workers missing");
    return bad;
  }
  auto shape = shape_for(std::chrono::duration_cast<caf::timespan>(
                           std::chrono::duration<double>(*duration)),
                         static_cast<size_t>(*workers));
  auto plan = plan_faults(get(report, "seed")->to_number<uint64_t>(), shape);
  std::map<uint64_t, const planned_fault*> planned;
  for (auto& p : plan)
    planned[p.id] = &p;
  auto* runs = get(report, "runs");
  for (const char* name : {"without_remedy", "with_remedy"}) {
    std::string where = std::string{"runs."} + name + ": ";
    auto* run = runs ? get(*runs, name) : nullptr;
    if (!run || !run->is_object()) {
      fail(where + "missing");
      continue;
    }
    bool remedy = std::string{name} == "with_remedy";
    auto* req = get(*run, "requests");
    auto sent = req ? num(get(*req, "sent")) : std::nullopt;
    auto ok = req ? num(get(*req, "succeeded")) : std::nullopt;
    auto failed = req ? num(get(*req, "failed")) : std::nullopt;
    if (!sent || !ok || !failed || *sent != *ok + *failed)
      fail(where + "requests sent != succeeded + failed");
    if (sent && *sent <= 0)
      fail(where + "no requests sent");
    auto* heal = get(*run, "healings");
    if (!heal) {
      fail(where + "no healings");
    } else {
      auto total = num(get(*heal, "total"));
      auto s = num(get(*heal, "succeeded"));
      auto f = num(get(*heal, "failed"));
      auto a = num(get(*heal, "abandoned"));
      if (!total || !s || !f || !a || *total != *s + *f + *a)
        fail(where + "healings != succeeded + failed + abandoned");
      double sum = 0;
      if (auto* by = get(*heal, "by_strategy"); by && by->is_object())
        for (auto& kv : by->as_object())
          for (const char* k : {"succeeded", "failed", "abandoned"})
            sum += num(get(kv.value(), k)).value_or(0);
      if (total && sum != *total)
        fail(where + "healings by strategy do not add up to the total");
      if (remedy && total && *total <= 0)
        fail(where + "no healing at all");
    }
    auto* faults = get(*run, "faults");
    if (!faults || !faults->is_array()) {
      fail(where + "no faults array");
      continue;
    }
    size_t detected = 0, missed = 0;
    std::map<std::string, double> injected_by_class;
    for (auto& f : faults->as_array()) {
      auto id = num(get(f, "id"));
      auto* kind = get(f, "kind");
      auto* target = get(f, "target");
      std::string label = where + "fault " + (id ? std::to_string(
                                                     static_cast<long>(*id))
                                                 : "?");
      if (!id || !kind || !kind->is_string() || !target
          || !target->is_string()) {
        fail(label + ": id, kind or target missing");
        continue;
      }
      auto p = planned.find(static_cast<uint64_t>(*id));
      if (p == planned.end()) {
        fail(label + ": not in the schedule of the seed");
        continue;
      }
      if (kind->as_string() != to_string(p->second->kind)
          || target->as_string()
               != "svc/worker-" + std::to_string(p->second->slot))
        fail(label + ": kind or target differs from the schedule");
      injected_by_class[to_string(expected_class(p->second->kind))] += 1;
      auto* det = get(f, "detected");
      if (!det || !det->is_bool()) {
        fail(label + ": neither detected nor missed");
        continue;
      }
      if (det->as_bool()) {
        ++detected;
        auto* cls = get(f, "classified_as");
        if (!cls || !cls->is_string() || !num(get(f, "detect_s")))
          fail(label + ": detected without a class or a time");
      } else {
        ++missed;
        auto* ds = get(f, "detect_s");
        if (ds && !ds->is_null())
          fail(label + ": missed but has a detection time");
      }
    }
    auto injected = num(get(*run, "faults_injected"));
    if (!injected || *injected != static_cast<double>(faults->as_array().size()))
      fail(where + "faults_injected differs from the faults listed");
    if (num(get(*run, "faults_detected")) != static_cast<double>(detected)
        || num(get(*run, "faults_missed")) != static_cast<double>(missed))
      fail(where + "faults_detected / faults_missed differ from the list");
    if (remedy) {
      if (faults->as_array().size() != plan.size())
        fail(where + "performed " + std::to_string(faults->as_array().size())
             + " of " + std::to_string(plan.size()) + " planned faults");
      auto* det = get(*run, "detection");
      auto* pc = det ? get(*det, "per_class") : nullptr;
      if (!pc || !pc->is_object()) {
        fail(where + "no detection.per_class");
      } else {
        for (auto& [cls, n] : injected_by_class) {
          auto* row = get(*pc, cls.c_str());
          auto tp = row ? num(get(*row, "tp")) : std::nullopt;
          auto fn = row ? num(get(*row, "fn")) : std::nullopt;
          if (!tp || !fn || *tp + *fn != n)
            fail(where + "class " + cls + ": tp + fn != injected");
        }
      }
    } else if (faults->as_array().empty()) {
      fail(where + "no fault performed");
    }
  }
  // The overhead: the rounds asked for all completed, and the estimate is
  // what they measured.
  if (auto* ov = get(report, "overhead"); ov && ov->is_object()) {
    auto* method = get(*ov, "method");
    auto* rounds = get(*ov, "rounds");
    auto requested = num(get(*ov, "rounds_requested"));
    auto pct = num(get(*ov, "overhead_pct"));
    auto close = [](double x, double y) {
      return std::fabs(x - y) <= 1e-9 * std::max(1.0, std::fabs(y));
    };
    if (!method || !method->is_string() || !rounds || !rounds->is_array()
        || !requested || !pct) {
      fail("overhead: method, rounds, rounds_requested or overhead_pct "
           "missing");
    } else if (rounds->as_array().size() != *requested) {
      fail("overhead: " + std::to_string(rounds->as_array().size()) + " of "
           + std::to_string(static_cast<uint64_t>(*requested))
           + " rounds completed");
    } else if (*requested > 0) {
      std::vector<double> ratios;
      for (auto& r : rounds->as_array()) {
        auto a = num(get(r, "without_cpu_per_request_ms"));
        auto b = num(get(r, "with_cpu_per_request_ms"));
        auto x = num(get(r, "cpu_per_request_ratio"));
        if (!a || !b || !x || *a <= 0 || *b <= 0 || !close(*x, *b / *a)) {
          fail("overhead: a round's ratio is not with / without");
          break;
        }
        ratios.push_back(*x);
      }
      if (method->as_string() != "paired_rounds")
        fail("overhead: rounds completed, but not used");
      else if (ratios.size() == rounds->as_array().size()
               && !close(*pct, (median(ratios) - 1.0) * 100.0))
        fail("overhead: overhead_pct is not the rounds' median ratio");
    } else if (method->as_string() != "warmup_windows") {
      fail("overhead: no rounds, but not from the warm-up windows");
    }
  } else if (get(report, "runs")) {
    fail("overhead missing");
  }
  if (opts.goals) {
    auto* goals = get(report, "goals");
    if (!goals || !goals->is_array() || goals->as_array().size() < 5) {
      fail("goals missing");
    } else {
      for (auto& g : goals->as_array()) {
        auto* met = get(g, "met");
        auto* name = get(g, "name");
        if (!opts.overhead_goal && name && name->is_string()
            && name->as_string() == "overhead") {
          if (!num(get(g, "value")))
            fail("the overhead was not measured");
          continue;
        }
        if (!met || !met->is_bool() || !met->as_bool())
          fail(std::string{"goal not met: "}
               + (name && name->is_string() ? name->as_string().c_str()
                                            : "?")
               + " = " + (get(g, "value") ? json::serialize(*get(g, "value"))
                                          : "?"));
      }
    }
  }
  return bad;
}

} // namespace remedy::node
