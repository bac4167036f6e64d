#include "remedy/detection/threshold_detector.hpp"

#include <algorithm>

#include "detector_support.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/sample.hpp"

namespace remedy {

threshold_detector_settings
threshold_detector_settings::route_defaults(std::string name) {
  threshold_detector_settings result;
  result.name = std::move(name);
  threshold_detector_rule hang;
  hang.metric = "oldest_ms";
  hang.threshold.name = "hang";
  hang.threshold.limit = 5000;
  hang.kind = detection_kind::hang;
  threshold_detector_rule errors;
  errors.metric = "error_rate";
  errors.threshold.name = "error_burst";
  errors.threshold.limit = 0.5;
  errors.threshold.for_duration = std::chrono::seconds(3);
  errors.threshold.clear_limit = 0.1;
  errors.threshold.clear_for = std::chrono::seconds(5);
  errors.kind = detection_kind::error_burst;
  result.rules = {std::move(hang), std::move(errors)};
  return result;
}

caf::error threshold_detector_settings::validate() const {
  if (name.empty())
    return detail::empty_name("threshold detector");
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting("threshold detector", name, what);
  };
  if (check_interval.count() <= 0)
    return fail("check_interval must be positive");
  if (rules.empty())
    return fail("no rules");
  for (size_t i = 0; i < rules.size(); ++i) {
    auto& r = rules[i];
    auto where = "rule " + std::to_string(i) + ": ";
    if (r.metric.empty())
      return fail(where + "empty metric");
    if (auto err = r.threshold.validate())
      return fail(where + context_of(err));
  }
  return caf::none;
}

threshold_detector::threshold_detector(threshold_detector_settings settings)
  : detector(settings.name), settings_(std::move(settings)) {
  // rule states appear with their first sample
}

caf::expected<std::unique_ptr<detector>>
threshold_detector::make(threshold_detector_settings settings) {
  return make_detector<threshold_detector>(std::move(settings));
}

void threshold_detector::on_sample(const sample& x, detections& out) {
  auto at = to_time_point(x.at);
  bool metric_known = false;
  bool matched = false;
  for (size_t i = 0; i < settings_.rules.size(); ++i) {
    auto& r = settings_.rules[i];
    if (r.metric != x.metric)
      continue;
    metric_known = true;
    if (!r.target.empty() && r.target != x.target)
      continue;
    matched = true;
    auto key = std::make_pair(i, x.target);
    auto j = states_.find(key);
    if (j == states_.end())
      j = states_.emplace(key, threshold_rule{r.threshold}).first;
    auto rejected = j->second.rejected();
    auto edge = j->second.update(x.value, at);
    if (j->second.rejected() != rejected) {
      ++stats_.ignored_backwards;
      return;
    }
    report(i, x.target, j->second, edge, at, out);
  }
  if (metric_known && !matched)
    ++stats_.ignored_unknown;
}

void threshold_detector::tick(time_point now, detections& out) {
  for (auto& [key, state] : states_) {
    auto due = state.next_deadline();
    if (due && *due <= now)
      report(key.first, key.second, state, state.advance(now), now, out);
  }
}

void threshold_detector::report(size_t rule, const std::string& target,
                                const threshold_rule& state,
                                threshold_edge edge, time_point at,
                                detections& out) {
  if (edge == threshold_edge::none)
    return;
  auto& r = settings_.rules[rule];
  auto value = state.last_value().value_or(0.0);
  auto limit = r.threshold.limit;
  detection d;
  d.kind = r.kind;
  d.active = edge == threshold_edge::raised;
  d.target = target;
  d.metric = r.metric;
  d.value = value;
  d.score = limit != 0.0 ? value / limit : value;
  d.at = at.time_since_epoch();
  d.detail = r.metric + " " + format_number(value)
             + (d.active ? (r.threshold.direction == threshold_direction::above
                              ? " >= "
                              : " <= ")
                         : " back past ")
             + format_number(d.active ? limit : state.clear_limit());
  emit(out, std::move(d));
}

std::vector<std::string> threshold_detector::sample_metrics() const {
  std::vector<std::string> result;
  for (auto& r : settings_.rules)
    if (std::find(result.begin(), result.end(), r.metric) == result.end())
      result.push_back(r.metric);
  return result;
}

} // namespace remedy
