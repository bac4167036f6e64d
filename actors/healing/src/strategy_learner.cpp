#include "remedy/healing/strategy_learner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <tuple>
#include <utility>

#include <boost/json.hpp>

#include "remedy/core/error.hpp"

namespace remedy {

const char* to_string(healing_policy x) {
  return x == healing_policy::learned ? "learned" : "first_applicable";
}

strategy_learner::strategy_learner(double prior_weight, uint64_t seed)
  : prior_weight_(prior_weight), rng_(seed) {
}

double strategy_learner::draw(double a, double b) {
  std::gamma_distribution<double> ga{a, 1.0};
  std::gamma_distribution<double> gb{b, 1.0};
  auto x = ga(rng_);
  auto y = gb(rng_);
  return x + y > 0.0 ? x / (x + y) : 0.5;
}

std::optional<size_t>
strategy_learner::choose(fault_class cls, const std::vector<ladder_rung>& ladder,
                         const std::set<std::string>& tried,
                         healing_policy policy) {
  auto open = [&](const ladder_rung& r) {
    return r.applies && tried.count(r.strategy) == 0;
  };
  // The non-drastic rungs (their positions set the priors).
  std::vector<size_t> cheap;
  for (size_t i = 0; i < ladder.size(); ++i)
    if (!ladder[i].drastic)
      cheap.push_back(i);
  std::optional<size_t> best;
  if (policy == healing_policy::first_applicable) {
    for (size_t i = 0; i < ladder.size(); ++i)
      if (!ladder[i].drastic && open(ladder[i]))
        return i;
  } else {
    auto n = static_cast<double>(cheap.size());
    double best_draw = -1.0;
    for (size_t pos = 0; pos < cheap.size(); ++pos) {
      auto& r = ladder[cheap[pos]];
      if (!open(r))
        continue;
      auto p = static_cast<double>(pos);
      auto rec = record(cls, r.strategy);
      // First tries and later tries are separate evidence (see the header).
      uint64_t wins = 0;
      uint64_t losses = 0;
      if (tried.empty()) {
        wins = rec.first_successes - std::min(rec.first_successes,
                                              rec.first_relapses);
        losses = rec.first_failures + rec.first_relapses;
      } else {
        auto s = rec.successes - rec.first_successes;
        auto rl = rec.relapses - rec.first_relapses;
        wins = s - std::min(s, rl);
        losses = (rec.failures - rec.first_failures) + rl;
      }
      auto a = 1.0 + prior_weight_ * (n - p) / n + static_cast<double>(wins);
      auto b = 1.0 + prior_weight_ * p / n + static_cast<double>(losses);
      auto x = draw(a, b);
      if (x > best_draw) {
        best_draw = x;
        best = cheap[pos];
      }
    }
    if (best)
      return best;
  }
  // Escalation: the first drastic rung left, in ladder order.
  for (size_t i = 0; i < ladder.size(); ++i)
    if (ladder[i].drastic && open(ladder[i]))
      return i;
  return std::nullopt;
}

strategy_record& strategy_learner::row(fault_class cls,
                                       const std::string& strategy) {
  for (auto& r : rows_)
    if (r.cls == cls && r.strategy == strategy)
      return r;
  strategy_record r;
  r.cls = cls;
  r.strategy = strategy;
  rows_.push_back(std::move(r));
  return rows_.back();
}

strategy_record strategy_learner::record(fault_class cls,
                                         const std::string& strategy) const {
  for (auto& r : rows_)
    if (r.cls == cls && r.strategy == strategy)
      return r;
  strategy_record r;
  r.cls = cls;
  r.strategy = strategy;
  return r;
}

void strategy_learner::record_success(fault_class cls,
                                      const std::string& strategy,
                                      caf::timespan recover, bool first) {
  auto& r = row(cls, strategy);
  ++r.successes;
  r.first_successes += first ? 1 : 0;
  r.recover_ms_sum
    += std::chrono::duration<double, std::milli>(recover).count();
}

void strategy_learner::record_failure(fault_class cls,
                                      const std::string& strategy,
                                      bool first) {
  auto& r = row(cls, strategy);
  ++r.failures;
  r.first_failures += first ? 1 : 0;
}

void strategy_learner::record_relapse(fault_class cls,
                                      const std::string& strategy,
                                      bool first) {
  auto& r = row(cls, strategy);
  ++r.relapses;
  r.first_relapses += first ? 1 : 0;
}

std::vector<strategy_record> strategy_learner::table() const {
  auto xs = rows_;
  std::sort(xs.begin(), xs.end(), [](const auto& x, const auto& y) {
    return std::tie(x.cls, x.strategy) < std::tie(y.cls, y.strategy);
  });
  return xs;
}

void strategy_learner::load(const std::vector<strategy_record>& rows) {
  rows_ = rows;
}

// -- JSON -----------------------------------------------------------------------

namespace {

/// The counters of a row, by their JSON keys (in the order they are written
/// and checked).
constexpr std::pair<const char*, uint64_t strategy_record::*> count_fields[] = {
  {"successes", &strategy_record::successes},
  {"failures", &strategy_record::failures},
  {"relapses", &strategy_record::relapses},
  {"first_successes", &strategy_record::first_successes},
  {"first_failures", &strategy_record::first_failures},
  {"first_relapses", &strategy_record::first_relapses},
};

} // namespace

std::string to_json(const std::vector<strategy_record>& rows) {
  boost::json::array xs;
  for (auto& r : rows) {
    boost::json::object o;
    o["class"] = to_string(r.cls);
    o["strategy"] = r.strategy;
    for (auto& [key, field] : count_fields)
      o[key] = r.*field;
    o["recover_ms_sum"] = r.recover_ms_sum;
    xs.push_back(std::move(o));
  }
  boost::json::object root;
  root["version"] = 1;
  root["strategies"] = std::move(xs);
  return boost::json::serialize(root);
}

namespace {

caf::error json_error(const std::string& where, const std::string& what) {
  return make_error(errc::invalid_argument,
                    "learned table: " + where + ": " + what);
}

template <class T>
caf::error get_count(const boost::json::object& o, const char* key,
                     const std::string& where, T& out) {
  auto* v = o.if_contains(key);
  if (v == nullptr)
    return json_error(where, std::string{"missing '"} + key + "'");
  if (v->is_uint64()) {
    out = static_cast<T>(v->get_uint64());
    return caf::none;
  }
  if (v->is_int64() && v->get_int64() >= 0) {
    out = static_cast<T>(v->get_int64());
    return caf::none;
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (v->is_double() && std::isfinite(v->get_double())
        && v->get_double() >= 0.0) {
      out = static_cast<T>(v->get_double());
      return caf::none;
    }
  }
  return json_error(where, std::string{"'"} + key
                             + "' must be a non-negative number");
}

} // namespace

caf::expected<std::vector<strategy_record>>
table_from_json(const std::string& text) {
  boost::json::error_code ec;
  auto doc = boost::json::parse(text, ec);
  if (ec)
    return json_error("top", "not JSON (" + ec.message() + ")");
  if (!doc.is_object())
    return json_error("top", "not an object");
  auto& root = doc.get_object();
  auto* version = root.if_contains("version");
  if (version == nullptr || !version->is_int64() || version->get_int64() != 1)
    return json_error("top", "'version' must be 1");
  auto* xs = root.if_contains("strategies");
  if (xs == nullptr || !xs->is_array())
    return json_error("top", "'strategies' must be an array");
  std::vector<strategy_record> rows;
  size_t i = 0;
  for (auto& x : xs->get_array()) {
    auto where = "strategies[" + std::to_string(i++) + "]";
    if (!x.is_object())
      return json_error(where, "not an object");
    auto& o = x.get_object();
    strategy_record r;
    auto* cls = o.if_contains("class");
    if (cls == nullptr || !cls->is_string()
        || !from_string(std::string{cls->get_string()}, r.cls))
      return json_error(where, "'class' must name a fault class");
    auto* name = o.if_contains("strategy");
    if (name == nullptr || !name->is_string() || name->get_string().empty())
      return json_error(where, "'strategy' must be a non-empty string");
    r.strategy = std::string{name->get_string()};
    for (auto& [key, field] : count_fields)
      if (auto err = get_count(o, key, where, r.*field))
        return err;
    if (auto err = get_count(o, "recover_ms_sum", where, r.recover_ms_sum))
      return err;
    if (r.first_successes > r.successes || r.first_failures > r.failures
        || r.first_relapses > r.relapses)
      return json_error(where, "a first_ count exceeds its total");
    rows.push_back(std::move(r));
  }
  return rows;
}

caf::error save_table(const std::string& path,
                      const std::vector<strategy_record>& rows) {
  auto tmp = path + ".tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    if (!out)
      return make_error(errc::invalid_argument,
                        "learned table: cannot write '" + tmp + "'");
    out << to_json(rows) << '\n';
    if (!out.flush())
      return make_error(errc::invalid_argument,
                        "learned table: cannot write '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(errc::invalid_argument,
                      "learned table: cannot rename '" + tmp + "' to '" + path
                        + "'");
  return caf::none;
}

caf::expected<std::vector<strategy_record>>
load_table(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return std::vector<strategy_record>{};
  std::stringstream buf;
  buf << in.rdbuf();
  auto rows = table_from_json(buf.str());
  if (!rows)
    return make_error(errc::invalid_argument,
                      "'" + path + "': " + context_of(rows.error()));
  return rows;
}

} // namespace remedy
