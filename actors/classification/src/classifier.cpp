#include "remedy/classification/classifier.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>

#include <spdlog/spdlog.h>

#include "remedy/classification/atoms.hpp"
#include "remedy/core/tick.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/supervision/start.hpp"

namespace remedy {

const char* to_string(fault_class x) {
  switch (x) {
    case fault_class::crash:
      return "crash";
    case fault_class::crash_loop:
      return "crash_loop";
    case fault_class::hang:
      return "hang";
    case fault_class::slow:
      return "slow";
    case fault_class::error_spike:
      return "error_spike";
    case fault_class::resource_exhaustion_predicted:
      return "resource_exhaustion_predicted";
    case fault_class::resource_exhaustion:
      return "resource_exhaustion";
    case fault_class::node_down:
      return "node_down";
    case fault_class::unreachable:
      return "unreachable";
  }
  return "<invalid fault_class>";
}

bool from_string(const std::string& str, fault_class& x) {
  for (auto i = 0; i <= static_cast<int>(fault_class::unreachable); ++i) {
    auto c = static_cast<fault_class>(i);
    if (str == to_string(c)) {
      x = c;
      return true;
    }
  }
  return false;
}

const char* to_string(fault_event_kind x) {
  switch (x) {
    case fault_event_kind::raised:
      return "raised";
    case fault_event_kind::updated:
      return "updated";
    case fault_event_kind::cleared:
      return "cleared";
  }
  return "<invalid fault_event_kind>";
}

std::string topic(const fault_event& x) {
  return std::string{"fault."} + to_string(x.kind);
}

std::vector<classification_rule> classifier_settings::default_rules() {
  using k = detection_kind;
  using c = fault_class;
  return {
    {k::crash_loop, "", c::crash_loop, 0.9, 0.95},
    {k::crash, "", c::crash, 0.7, 0.9},
    {k::target_down, "", c::crash, 0.7, 0.9},
    {k::hang, "", c::hang, 0.8, 0.8},
    {k::heartbeat_missed, "", c::hang, 0.8, 0.6},
    {k::threshold, "latency_ms", c::slow, 0.5, 0.8},
    {k::threshold, "latency_max_ms", c::slow, 0.5, 0.7},
    {k::anomaly, "latency_ms", c::slow, 0.5, 0.7},
    {k::anomaly, "latency_max_ms", c::slow, 0.5, 0.6},
    {k::error_burst, "", c::error_spike, 0.6, 0.8},
    {k::threshold, "error_rate", c::error_spike, 0.6, 0.8},
    {k::anomaly, "error_rate", c::error_spike, 0.6, 0.7},
    {k::predicted_limit, "", c::resource_exhaustion_predicted, 0.4, 0.7},
    {k::threshold, "", c::resource_exhaustion, 0.8, 0.8},
    {k::peer_down, "", c::node_down, 1.0, 0.9},
    {k::peer_unreachable, "", c::unreachable, 0.7, 0.8},
  };
}

std::vector<fault_precedence> classifier_settings::default_precedence() {
  using c = fault_class;
  return {
    {c::crash_loop, c::crash},
    {c::crash, c::hang},
    {c::resource_exhaustion, c::resource_exhaustion_predicted},
    {c::node_down, c::unreachable},
  };
}

namespace {

uint32_t bit(fault_class x) {
  return uint32_t{1} << static_cast<unsigned>(x);
}

} // namespace

classifier::precedence_table
classifier::closure(const std::vector<fault_precedence>& ps) {
  // The classes each class wins over, directly or through a chain: a crash
  // loop wins over a hang because it wins over a crash, which wins over a
  // hang. Relaxed until nothing changes (at most one round per class).
  precedence_table beats{};
  for (auto& p : ps)
    if (static_cast<size_t>(p.winner) < beats.size()
        && static_cast<size_t>(p.loser) < beats.size()) // else: invalid
      beats[static_cast<size_t>(p.winner)] |= bit(p.loser);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t w = 0; w < beats.size(); ++w)
      for (size_t l = 0; l < beats.size(); ++l)
        if ((beats[w] & bit(static_cast<fault_class>(l))) != 0
            && (beats[w] | beats[l]) != beats[w]) {
          beats[w] |= beats[l];
          changed = true;
        }
  }
  return beats;
}

caf::error classifier_settings::validate() const {
  if (name.empty())
    return make_error(errc::invalid_argument, "classifier: empty name");
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument,
                      "classifier '" + name + "': " + what);
  };
  auto is_share = [](double x) { return x >= 0.0 && x <= 1.0; };
  auto last_kind = static_cast<int>(detection_kind::peer_unreachable);
  auto last_class = static_cast<int>(fault_class::unreachable);
  if (rules.empty())
    return fail("no rules");
  for (size_t i = 0; i < rules.size(); ++i) {
    auto& r = rules[i];
    auto where = "rule " + std::to_string(i) + ": ";
    if (static_cast<int>(r.kind) > last_kind)
      return fail(where + "not a valid detection kind");
    if (static_cast<int>(r.cls) > last_class)
      return fail(where + "not a valid fault class");
    if (!is_share(r.severity))
      return fail(where + "severity must be in [0, 1], got "
                  + format_number(r.severity));
    if (!is_share(r.confidence))
      return fail(where + "confidence must be in [0, 1], got "
                  + format_number(r.confidence));
  }
  for (auto& p : precedence) {
    if (static_cast<int>(p.winner) > last_class
        || static_cast<int>(p.loser) > last_class)
      return fail("precedence: not a valid fault class");
    if (p.winner == p.loser)
      return fail(std::string{"precedence: "} + to_string(p.winner)
                  + " over itself");
    for (auto& q : precedence)
      if (q.winner == p.loser && q.loser == p.winner)
        return fail(std::string{"precedence: "} + to_string(p.winner)
                    + " and " + to_string(p.loser) + " over each other");
  }
  auto beats = classifier::closure(precedence);
  for (auto i = 0; i <= last_class; ++i) {
    auto c = static_cast<fault_class>(i);
    if ((beats[static_cast<size_t>(i)] & bit(c)) != 0)
      return fail(std::string{"precedence: a cycle through "} + to_string(c));
  }
  if (clear_after.count() < 0)
    return fail("clear_after must not be negative");
  if (check_interval.count() <= 0)
    return fail("check_interval must be positive");
  return caf::none;
}

classifier::classifier(classifier_settings settings, uint64_t first_id)
  : settings_(std::move(settings)),
    beats_(closure(settings_.precedence)),
    next_id_(first_id) {
  // faults appear with their first detection
}

const classification_rule* classifier::match(const detection& x) const {
  for (auto& r : settings_.rules)
    if (r.kind == x.kind && (r.metric.empty() || r.metric == x.metric))
      return &r;
  return nullptr;
}

bool classifier::wins(fault_class winner, fault_class loser) const {
  return (beats_[static_cast<size_t>(winner)] & bit(loser)) != 0;
}

std::map<classifier::key, classifier::entry>::iterator
classifier::first_of(const std::string& target) {
  return faults_.lower_bound(key{target, fault_class::crash});
}

bool classifier::reweigh(entry& e) {
  double severity = 0.0;
  double doubt = 1.0;
  for (size_t i = 0; i < e.weights.size(); ++i) {
    if (!e.f.evidence[i].active)
      continue;
    doubt *= 1.0 - e.weights[i].first;
    severity = std::max(severity, e.weights[i].second);
  }
  auto confidence = 1.0 - doubt;
  if (severity == 0.0 && confidence == 0.0)
    return false; // all evidence clear: keep the last weights
  auto changed = std::abs(confidence - e.f.confidence) > 1e-9
                 || std::abs(severity - e.f.severity) > 1e-9;
  e.f.confidence = confidence;
  e.f.severity = severity;
  return changed;
}

void classifier::add_evidence(entry& e, const detection& x, double severity,
                              double confidence) {
  for (size_t i = 0; i < e.f.evidence.size(); ++i) {
    if (same_condition(e.f.evidence[i], x)) {
      e.f.evidence[i] = x;
      e.weights[i] = {confidence, severity};
      return;
    }
  }
  e.f.evidence.push_back(x);
  e.weights.emplace_back(confidence, severity);
}

void classifier::on_detection(const detection& x, time_point now,
                              std::vector<fault_event>& out) {
  ++stats_.detections;
  if (!x.active) {
    // A clear: mark the condition clear wherever it is evidence.
    for (auto i = first_of(x.target);
         i != faults_.end() && i->first.first == x.target; ++i) {
      auto& e = i->second;
      bool changed = false;
      bool any_active = false;
      for (auto& ev : e.f.evidence) {
        if (same_condition(ev, x) && ev.active) {
          ev.active = false;
          ev.at = x.at;
          changed = true;
        }
        any_active = any_active || ev.active;
      }
      if (changed && !any_active && !e.quiet_since)
        e.quiet_since = now;
      if (changed && any_active && reweigh(e))
        out.push_back(fault_event{fault_event_kind::updated, e.f});
    }
    return;
  }
  auto* rule = match(x);
  if (rule == nullptr) {
    ++stats_.unclassified;
    return;
  }
  auto cls = rule->cls;
  // Precedence: an active winner on this target takes the evidence.
  for (auto i = first_of(x.target);
       i != faults_.end() && i->first.first == x.target; ++i) {
    if (wins(i->first.second, cls)) {
      cls = i->first.second;
      break;
    }
  }
  auto k = key{x.target, cls};
  auto i = faults_.find(k);
  if (i != faults_.end()) {
    auto& e = i->second;
    auto duplicate = std::any_of(e.f.evidence.begin(), e.f.evidence.end(),
                                 [&](const detection& ev) {
                                   return ev.active && same_condition(ev, x);
                                 });
    if (duplicate)
      ++stats_.duplicates;
    add_evidence(e, x, rule->severity, rule->confidence);
    e.f.last_seen = x.at;
    e.quiet_since.reset();
    if (reweigh(e) || !duplicate)
      out.push_back(fault_event{fault_event_kind::updated, e.f});
    return;
  }
  entry e;
  e.f.id = next_id_++;
  e.f.cls = cls;
  e.f.target = x.target;
  e.f.first_seen = x.at;
  e.f.last_seen = x.at;
  add_evidence(e, x, rule->severity, rule->confidence);
  // Take over the faults this one wins over. Their clears are published
  // after the raise, so that a listener never sees the target fault-free
  // in between.
  std::vector<fault_event> taken;
  for (auto j = first_of(x.target);
       j != faults_.end() && j->first.first == x.target;) {
    if (wins(cls, j->first.second)) {
      auto& loser = j->second;
      for (size_t n = 0; n < loser.f.evidence.size(); ++n) {
        e.f.evidence.push_back(loser.f.evidence[n]);
        e.weights.push_back(loser.weights[n]);
      }
      e.f.first_seen = std::min(e.f.first_seen, loser.f.first_seen);
      loser.f.active = false;
      loser.f.cleared_at = now.time_since_epoch();
      ++stats_.cleared;
      taken.push_back(fault_event{fault_event_kind::cleared, loser.f});
      j = faults_.erase(j);
    } else {
      ++j;
    }
  }
  reweigh(e);
  ++stats_.raised;
  out.push_back(fault_event{fault_event_kind::raised, e.f});
  out.insert(out.end(), taken.begin(), taken.end());
  faults_.emplace(k, std::move(e));
}

void classifier::tick(time_point now, std::vector<fault_event>& out) {
  for (auto i = faults_.begin(); i != faults_.end();) {
    auto& e = i->second;
    if (e.quiet_since && now - *e.quiet_since >= settings_.clear_after) {
      e.f.active = false;
      e.f.cleared_at = now.time_since_epoch();
      ++stats_.cleared;
      out.push_back(fault_event{fault_event_kind::cleared, e.f});
      i = faults_.erase(i);
    } else {
      ++i;
    }
  }
}

std::vector<fault> classifier::active() const {
  std::vector<fault> result;
  for (auto& [k, e] : faults_)
    result.push_back(e.f);
  std::sort(result.begin(), result.end(),
            [](const fault& x, const fault& y) { return x.id < y.id; });
  return result;
}

namespace {

/// Classifier actors started in this process; each numbers its faults in a
/// range of its own, so that no fault id of a restarted classifier matches
/// one of its previous incarnation.
std::atomic<uint32_t> classifier_incarnations{0};

class classifier_impl : public caf::event_based_actor {
public:
  classifier_impl(caf::actor_config& cfg, classifier_settings settings)
    : caf::event_based_actor(cfg),
      core_(std::move(settings),
            (uint64_t{++classifier_incarnations} << 32) + 1),
      log_(logger("remedy.classifier")) {
    // subscriptions start in make_behavior
  }

  const char* name() const override {
    return "remedy.classifier";
  }

  caf::behavior make_behavior() override {
    install_exception_handler(this);
    subscribe(this, "detection.");
    subscribe(this, "classifier.sync");
    send_on_tick(this, core_.settings().check_interval,
                 classifier_tick_atom::value);
    // A new incarnation tells listeners what it holds (nothing yet), so
    // faults of a previous one do not linger in their views.
    publish_snapshot();
    return {
      [this](const detection& x) {
        core_.on_detection(x, clock().now(), out_);
        flush();
      },
      [this](classifier_tick_atom) {
        core_.tick(clock().now(), out_);
        flush();
        send_on_tick(this, core_.settings().check_interval,
                     classifier_tick_atom::value);
      },
      [this](active_faults_atom) { return core_.active(); },
      [this](fault_sync_atom) { publish_snapshot(); },
    };
  }

private:
  void publish_snapshot() {
    publish(this, "classifier.snapshot",
            caf::make_message(
              fault_snapshot{core_.settings().name, core_.active()}));
  }

  void flush() {
    for (auto& ev : out_) {
      auto& f = ev.what;
      auto level = ev.kind == fault_event_kind::raised ? spdlog::level::warn
                   : ev.kind == fault_event_kind::cleared
                     ? spdlog::level::info
                     : spdlog::level::debug;
      if (log_->should_log(level))
        log_->log(level,
                  "classifier '{}': fault #{} {} of '{}' {} (severity {}, "
                  "confidence {}, {} detections)",
                  core_.settings().name, f.id, to_string(f.cls), f.target,
                  to_string(ev.kind), format_number(f.severity),
                  format_number(f.confidence), f.evidence.size());
      auto t = topic(ev);
      publish(this, t, caf::make_message(std::move(ev)));
    }
    out_.clear();
  }

  classifier core_;
  std::vector<fault_event> out_;
  std::shared_ptr<spdlog::logger> log_;
};

} // namespace

caf::expected<caf::actor> spawn_classifier(caf::actor_system& sys,
                                           classifier_settings settings) {
  if (auto err = settings.validate())
    return err;
  return sys.spawn<classifier_impl>(std::move(settings));
}

start_fn classifier_start(classifier_settings settings) {
  return start_spawn(spawn_classifier, std::move(settings));
}

} // namespace remedy
