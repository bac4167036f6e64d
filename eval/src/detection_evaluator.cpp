#include "remedy/eval/detection_evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include <caf/actor_addr.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/node_id.hpp>

#include "remedy/core/format.hpp"
#include "remedy/core/percentile.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/time_units.hpp"

namespace remedy {

namespace {

using ts = caf::timespan;


/// An address that stands for an actor that never ran: a control block with
/// no actor behind it, already "dead" (no strong reference), freed with the
/// last address that refers to it. Detectors only compare addresses, which
/// CAF does by control block and actor id.
caf::actor_addr stand_in_address(caf::actor_id id) {
  caf::node_id node;
  auto* block = new caf::actor_control_block(
    id, node, nullptr, [](caf::abstract_actor*) {},
    [](caf::actor_control_block* x) { delete x; });
  caf::actor_addr result{block, true};
  // Drops the initial strong reference (and with it the implicit weak one):
  // the address now owns the block.
  caf::intrusive_ptr_release(block);
  return result;
}

} // namespace

// -- detection_run ------------------------------------------------------------

struct detection_run::impl {
  impl(detector_set ds, classifier_settings cs, ts start)
    : detectors(std::move(ds)), core(std::move(cs)), now(start) {
    for (auto& d : detectors) {
      auto interval = d->tick_interval();
      intervals.push_back(interval);
      next_tick.push_back(interval.count() > 0 ? start + interval : ts{0});
    }
    check_interval = core.settings().check_interval;
    if (check_interval.count() <= 0) // invalid settings: the default
      check_interval = classifier_settings{}.check_interval;
    next_check = start + check_interval;
  }

  void deliver_detections() {
    for (auto& d : found) {
      ++detection_count;
      core.on_detection(d, to_time_point(now), events);
    }
    found.clear();
    record_events();
  }

  void record_events() {
    for (auto& ev : events) {
      ++event_count;
      if (ev.kind == fault_event_kind::raised)
        raised.push_back(raised_fault{ev.what.id, ev.what.cls, ev.what.target,
                                      ev.what.first_seen, now});
    }
    events.clear();
  }

  void advance(ts until) {
    for (;;) {
      // The earliest due tick; the classifier's last among equals.
      size_t best = detectors.size();
      ts due = next_check;
      for (size_t i = 0; i < detectors.size(); ++i) {
        if (intervals[i].count() > 0 && next_tick[i] <= due) {
          if (next_tick[i] < due || best == detectors.size()) {
            due = next_tick[i];
            best = i;
          }
        }
      }
      if (due > until)
        break;
      now = std::max(now, due);
      if (best < detectors.size()) {
        detectors[best]->tick(to_time_point(now), found);
        next_tick[best] += intervals[best];
        deliver_detections();
      } else {
        core.tick(to_time_point(now), events);
        next_check += check_interval;
        record_events();
      }
    }
    now = std::max(now, until);
  }

  const caf::actor_addr& address(const std::string& target,
                                 uint64_t incarnation) {
    auto key = std::make_pair(target, incarnation);
    auto i = addresses.find(key);
    if (i == addresses.end())
      i = addresses.emplace(key, stand_in_address(++last_id)).first;
    return i->second;
  }

  void feed(const trace_input& x) {
    advance(time_of(x));
    auto at = to_time_point(now);
    if (auto* s = std::get_if<sample>(&x)) {
      for (auto& d : detectors)
        if (d->inputs() & detector::samples)
          d->feed(*s, found);
    } else if (auto* h = std::get_if<trace_heartbeat>(&x)) {
      heartbeat hb;
      hb.target = h->target;
      hb.seq = h->seq;
      hb.at = h->at;
      if (h->incarnation != 0)
        hb.source = address(h->target, h->incarnation);
      for (auto& d : detectors)
        if (d->inputs() & detector::heartbeats)
          d->feed(hb, at, found);
    } else if (auto* dn = std::get_if<trace_down>(&x)) {
      auto addr = address(dn->target, dn->incarnation);
      for (auto& d : detectors)
        if (d->inputs() & detector::heartbeats)
          d->feed_down(addr, dn->reason, at, found);
    } else if (auto* ev = std::get_if<supervision_event>(&x)) {
      for (auto& d : detectors)
        if (d->inputs() & detector::supervision)
          d->feed(*ev, found);
    }
    deliver_detections();
  }

  detector_set detectors;
  classifier core;
  std::vector<ts> intervals;
  std::vector<ts> next_tick;
  ts check_interval{0};
  ts next_check{0};
  ts now{0};
  remedy::detections found;
  std::vector<fault_event> events;
  std::vector<raised_fault> raised;
  uint64_t event_count = 0;
  uint64_t detection_count = 0;
  std::map<std::pair<std::string, uint64_t>, caf::actor_addr> addresses;
  caf::actor_id last_id = 0;
};

detection_run::detection_run(detector_set detectors,
                             classifier_settings settings, caf::timespan start)
  : impl_(
    std::make_unique<impl>(std::move(detectors), std::move(settings), start)) {
  // nop
}

detection_run::~detection_run() = default;

void detection_run::feed(const trace_input& x) {
  impl_->feed(x);
}

void detection_run::advance(caf::timespan until) {
  impl_->advance(until);
}

void detection_run::run(const fault_trace& trace) {
  for (auto& x : trace.inputs)
    impl_->feed(x);
  impl_->advance(trace.end);
}

caf::timespan detection_run::now() const {
  return impl_->now;
}

const std::vector<raised_fault>& detection_run::raised() const {
  return impl_->raised;
}

uint64_t detection_run::fault_events() const {
  return impl_->event_count;
}

uint64_t detection_run::detections() const {
  return impl_->detection_count;
}

const detector_set& detection_run::detectors() const {
  return impl_->detectors;
}

const classifier& detection_run::core() const {
  return impl_->core;
}

std::vector<raised_fault> run_trace(const fault_trace& trace,
                                    detector_set detectors,
                                    const classifier_settings& settings) {
  detection_run r{std::move(detectors), settings, trace.begin};
  r.run(trace);
  return r.raised();
}

// -- matching -----------------------------------------------------------------

const char* to_string(match_kind x) {
  switch (x) {
    case match_kind::true_positive:
      return "true_positive";
    case match_kind::repeat:
      return "repeat";
    case match_kind::superseded:
      return "superseded";
    case match_kind::false_positive:
      return "false_positive";
  }
  return "<invalid match_kind>";
}

trace_result match_faults(const fault_trace& trace,
                          const std::vector<raised_fault>& raised,
                          const evaluator_settings& settings) {
  trace_result result;
  result.trace = trace.name;
  for (auto& l : trace.labels)
    result.labels.push_back(label_result{l, false, ts{0}, std::nullopt});
  auto within = [&](const fault_label& l, ts t) {
    return t >= l.start && t <= l.end + settings.grace;
  };
  auto wins = [&](fault_class winner, fault_class loser) {
    for (auto& p : settings.precedence)
      if (p.winner == winner && p.loser == loser)
        return true;
    return false;
  };
  for (auto& f : raised) {
    fault_match m{f, match_kind::false_positive, std::nullopt};
    // The earliest unmatched label this fault matches, else any it matches.
    for (size_t i = 0; i < trace.labels.size(); ++i) {
      auto& l = trace.labels[i];
      if (l.cls != f.cls || l.target != f.target || !within(l, f.raised_at))
        continue;
      if (!result.labels[i].detected) {
        m.kind = match_kind::true_positive;
        m.label = i;
        break;
      }
      if (!m.label) {
        m.kind = match_kind::repeat;
        m.label = i;
      }
    }
    if (m.kind == match_kind::true_positive) {
      auto& r = result.labels[*m.label];
      r.detected = true;
      r.latency = f.raised_at - r.label.start;
      if (r.label.reached)
        r.lead = *r.label.reached - f.raised_at;
    } else if (!m.label && settings.excuse_superseded) {
      for (size_t i = 0; i < trace.labels.size(); ++i) {
        auto& l = trace.labels[i];
        if (l.target == f.target && wins(l.cls, f.cls)
            && within(l, f.raised_at)) {
          m.kind = match_kind::superseded;
          m.label = i;
          break;
        }
      }
    }
    result.faults.push_back(std::move(m));
  }
  return result;
}

// -- statistics ---------------------------------------------------------------


double class_accuracy::precision() const {
  auto raised = true_positives + false_positives;
  return raised == 0
           ? 1.0
           : static_cast<double>(true_positives) / static_cast<double>(raised);
}

double class_accuracy::recall() const {
  return labels == 0
           ? 1.0
           : static_cast<double>(true_positives) / static_cast<double>(labels);
}

double class_accuracy::f1() const {
  auto p = precision();
  auto r = recall();
  return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

double class_accuracy::latency_median() const {
  return percentile(latencies, 50.0);
}

double class_accuracy::latency_p95() const {
  return percentile(latencies, 95.0);
}

double class_accuracy::lead_median() const {
  return percentile(leads, 50.0);
}

// -- accuracy_report ----------------------------------------------------------

accuracy_report::accuracy_report(evaluator_settings settings)
  : settings_(std::move(settings)) {
  for (auto i = 0; i <= static_cast<int>(fault_class::unreachable); ++i) {
    class_accuracy c;
    c.cls = static_cast<fault_class>(i);
    classes_.push_back(std::move(c));
  }
}

trace_result accuracy_report::add(const fault_trace& trace,
                                  const std::vector<raised_fault>& raised) {
  if (trace.labels.empty()) {
    add_healthy(trace.name, trace.duration(), trace.targets.size(), raised);
    return match_faults(trace, raised, settings_);
  }
  auto result = match_faults(trace, raised, settings_);
  for (auto& l : result.labels) {
    auto& c = classes_[static_cast<size_t>(l.label.cls)];
    ++c.labels;
    if (l.detected) {
      ++c.true_positives;
      c.latencies.push_back(seconds_of(l.latency));
      if (l.lead)
        c.leads.push_back(seconds_of(*l.lead));
    } else {
      ++c.false_negatives;
      misses_.emplace_back(trace.name, l.label);
    }
  }
  for (auto& m : result.faults) {
    auto& c = classes_[static_cast<size_t>(m.fault.cls)];
    switch (m.kind) {
      case match_kind::true_positive:
        break;
      case match_kind::repeat:
        ++c.repeats;
        break;
      case match_kind::superseded:
        ++c.superseded;
        break;
      case match_kind::false_positive:
        ++c.false_positives;
        fps_.push_back(false_positive{trace.name, m.fault});
        break;
    }
  }
  return result;
}

void accuracy_report::add_healthy(const std::string& name,
                                  caf::timespan duration, size_t targets,
                                  const std::vector<raised_fault>& raised) {
  healthy_seconds_ += seconds_of(duration);
  healthy_target_seconds_ += seconds_of(duration) * static_cast<double>(targets);
  for (auto& f : raised) {
    ++classes_[static_cast<size_t>(f.cls)].false_positives;
    ++healthy_fps_;
    fps_.push_back(false_positive{name, f});
  }
}

const class_accuracy& accuracy_report::of(fault_class x) const {
  return classes_[static_cast<size_t>(x)];
}

std::vector<fault_class> accuracy_report::evaluated() const {
  std::vector<fault_class> result;
  for (auto& c : classes_)
    if (c.labels > 0)
      result.push_back(c.cls);
  return result;
}

double accuracy_report::healthy_hours() const {
  return healthy_seconds_ / 3600.0;
}

double accuracy_report::healthy_target_hours() const {
  return healthy_target_seconds_ / 3600.0;
}

size_t accuracy_report::healthy_false_positives() const {
  return healthy_fps_;
}

double accuracy_report::false_positives_per_hour() const {
  return healthy_seconds_ > 0.0
           ? static_cast<double>(healthy_fps_) / healthy_hours()
           : 0.0;
}

const std::vector<accuracy_report::false_positive>&
accuracy_report::false_positives() const {
  return fps_;
}

const std::vector<std::pair<std::string, fault_label>>&
accuracy_report::misses() const {
  return misses_;
}

std::string accuracy_report::markdown() const {
  auto fixed = [](double x, int decimals) {
    return std::isnan(x) ? std::string{"-"} : format_fixed(x, decimals);
  };
  auto count = [](size_t n) { return std::to_string(n); };
  std::string out;
  out += "| class | labels | TP | FP | FN | superseded | precision | recall "
         "| F1 | latency median (s) | latency p95 (s) | lead median (s) |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (auto& c : classes_) {
    if (c.labels == 0 && c.false_positives == 0)
      continue;
    out += std::string{"| "} + to_string(c.cls) + " | " + count(c.labels)
           + " | " + count(c.true_positives) + " | "
           + count(c.false_positives) + " | " + count(c.false_negatives)
           + " | " + count(c.superseded) + " | " + fixed(c.precision(), 3)
           + " | " + fixed(c.recall(), 3) + " | " + fixed(c.f1(), 3) + " | "
           + fixed(c.latency_median(), 2) + " | " + fixed(c.latency_p95(), 2)
           + " | " + fixed(c.lead_median(), 1) + " |\n";
  }
  out += "\nFP: false positives in labelled and healthy traces alike. "
         "superseded: faults of the class raised within the window of a "
         "label whose class wins over it (e.g. the crash at a crash loop's "
         "first exit), not counted as false positives. latency: label start "
         "to raise; lead: raise to the limit.\n";
  out += "\nhealthy signal: " + fixed(healthy_hours(), 1) + " h ("
         + fixed(healthy_target_hours(), 1) + " target-hours), "
         + count(healthy_fps_) + " false positives, "
         + fixed(false_positives_per_hour(), 4) + " per hour\n";
  return out;
}

} // namespace remedy
