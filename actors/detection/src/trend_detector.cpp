#include "remedy/detection/trend_detector.hpp"

#include <algorithm>
#include <cmath>

#include "detector_support.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/sample.hpp"

namespace remedy {

caf::error trend_detector_settings::validate() const {
  if (name.empty())
    return detail::empty_name("trend detector");
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting("trend detector", name, what);
  };
  if (limits.empty())
    return fail("no limits");
  for (size_t i = 0; i < limits.size(); ++i) {
    auto where = "limit " + std::to_string(i) + ": ";
    if (limits[i].metric.empty())
      return fail(where + "empty metric");
    if (!std::isfinite(limits[i].limit))
      return fail(where + "limit must be finite");
    if (limits[i].direction != threshold_direction::above
        && limits[i].direction != threshold_direction::below)
      return fail(where + "not a valid direction");
  }
  if (method == trend_method::regression) {
    if (!(break_sigmas >= 0.0) || !std::isfinite(break_sigmas))
      return fail("break_sigmas must be >= 0 and finite, got "
                  + format_number(break_sigmas));
    if (!(break_share >= 0.0 && break_share <= 1.0))
      return fail("break_share must be in [0, 1], got "
                  + format_number(break_share));
    if (window.count() <= 0)
      return fail("window must be positive");
    if (max_points < 2)
      return fail("max_points must be at least 2");
  } else if (method == trend_method::holt) {
    if (auto err = holt.validate())
      return fail(context_of(err));
  } else {
    return fail("method: not a valid trend method");
  }
  if (min_history.count() < 0)
    return fail("min_history must not be negative");
  if (horizon.count() <= 0)
    return fail("horizon must be positive");
  if (raise_after == 0)
    return fail("raise_after must be at least 1");
  if (clear_after == 0)
    return fail("clear_after must be at least 1");
  return caf::none;
}

trend_detector::trend_detector(trend_detector_settings settings)
  : detector(settings.name), settings_(std::move(settings)) {
  // series appear with their first sample
}

caf::expected<std::unique_ptr<detector>>
trend_detector::make(trend_detector_settings settings) {
  return make_detector<trend_detector>(std::move(settings));
}

void trend_detector::on_sample(const sample& x, detections& out) {
  const trend_limit* lim = nullptr;
  for (auto& l : settings_.limits)
    if (l.metric == x.metric)
      lim = &l;
  if (lim == nullptr)
    return;
  auto key = std::make_pair(x.target, x.metric);
  auto i = series_.find(key);
  if (i == series_.end())
    i = series_.emplace(key, series{settings_}).first;
  auto& s = i->second;
  auto now = to_time_point(x.at);
  auto regression = settings_.method == trend_method::regression;
  auto above = lim->direction == threshold_direction::above;
  auto report = [&](bool active, std::string why,
                    std::optional<caf::timespan> lead = std::nullopt) {
    s.active = active;
    detection d;
    d.kind = detection_kind::predicted_limit;
    d.active = active;
    d.target = x.target;
    d.metric = x.metric;
    d.value = x.value;
    d.score = lim->limit != 0.0 ? x.value / lim->limit : x.value;
    d.lead = lead ? *lead : caf::timespan{0};
    d.at = x.at;
    d.detail = std::move(why);
    emit(out, std::move(d));
  };
  // A break toward the good side (memory freed, a queue drained) ends the
  // trend: the window still holds the rise, and its line would keep
  // forecasting the limit for minutes.
  bool broke = false;
  if (regression && settings_.break_sigmas > 0.0 && s.line.size() >= 10) {
    auto level = s.line.level(now);
    auto floor = 1e-6 * std::max(1.0, std::abs(level));
    auto band = settings_.break_sigmas * std::max(s.line.residual_sd(), floor);
    auto residual = x.value - level;
    broke = (above ? residual < -band : residual > band)
            && std::abs(residual) >= settings_.break_share * std::abs(level);
  }
  if (broke) {
    s.line.clear();
    s.first.reset();
    s.within_run = 0;
    s.outside_run = 0;
    if (s.active)
      report(false, "the metric broke off its trend ("
                      + format_number(x.value) + "): the trend starts afresh");
  }
  if (!(regression ? s.line.add(x.value, now) : s.smooth.add(x.value, now))) {
    ++stats_.ignored_backwards;
    return;
  }
  if (!s.first)
    s.first = x.at;
  auto history = x.at - *s.first >= settings_.min_history;
  auto reached = above ? x.value >= lim->limit : x.value <= lim->limit;
  auto ttr = reached || !history ? std::nullopt
             : regression     ? s.line.time_to_reach(lim->limit, now)
                              : s.smooth.time_to_reach(lim->limit, now);
  auto slope = regression ? s.line.slope() : s.smooth.trend();
  // Only a trend towards the bad side reaches the limit: a model still past
  // the limit while the metric recovers would "cross" it the other way.
  if (ttr && (above ? slope <= 0.0 : slope >= 0.0))
    ttr.reset();
  auto within = ttr && *ttr <= settings_.horizon;
  if (within) {
    ++s.within_run;
    s.outside_run = 0;
  } else {
    s.within_run = 0;
    ++s.outside_run;
  }
  if (!s.active && s.within_run >= settings_.raise_after)
    report(true,
           x.metric + " " + format_number(x.value) + " reaches "
             + format_number(lim->limit) + " in " + format_ms(*ttr) + " at "
             + format_number(slope) + "/s",
           ttr);
  else if (s.active && reached)
    report(false, "limit reached");
  else if (s.active && s.outside_run >= settings_.clear_after)
    report(false, "trend no longer reaches the limit within the horizon");
}

std::vector<std::string> trend_detector::sample_metrics() const {
  std::vector<std::string> result;
  for (auto& l : settings_.limits)
    if (std::find(result.begin(), result.end(), l.metric) == result.end())
      result.push_back(l.metric);
  return result;
}

} // namespace remedy
