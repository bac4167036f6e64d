#include "remedy/detection/anomaly_detector.hpp"

#include <algorithm>
#include <cmath>

#include "detector_support.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/sample.hpp"

namespace remedy {

const char* to_string(anomaly_method x) {
  switch (x) {
    case anomaly_method::ewma:
      return "ewma";
    case anomaly_method::robust:
      return "robust";
  }
  return "<invalid anomaly_method>";
}

caf::error anomaly_detector_settings::validate() const {
  if (name.empty())
    return detail::empty_name("anomaly detector");
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting("anomaly detector", name, what);
  };
  if (metrics.empty())
    return fail("no metrics");
  for (auto& m : metrics)
    if (m.empty())
      return fail("metrics: empty metric name");
  if (method == anomaly_method::ewma) {
    if (auto err = ewma.validate())
      return fail(context_of(err));
  } else if (method == anomaly_method::robust) {
    if (auto err = robust.validate())
      return fail(context_of(err));
  } else {
    return fail("method: not a valid anomaly method");
  }
  if (!(z_threshold > 0.0) || !std::isfinite(z_threshold))
    return fail("z_threshold must be positive and finite, got "
                + format_number(z_threshold));
  if (side != anomaly_side::above && side != anomaly_side::below
      && side != anomaly_side::both)
    return fail("side: not a valid anomaly side");
  if (!(min_relative_change >= 0.0) || !std::isfinite(min_relative_change))
    return fail("min_relative_change must be >= 0 and finite, got "
                + format_number(min_relative_change));
  if (!std::isfinite(learn_clip) || (learn_clip != 0.0 && learn_clip < 1.0))
    return fail("learn_clip must be 0 or >= 1 and finite, got "
                + format_number(learn_clip));
  if (raise_after == 0)
    return fail("raise_after must be at least 1");
  if (clear_after == 0)
    return fail("clear_after must be at least 1");
  return caf::none;
}

anomaly_detector::anomaly_detector(anomaly_detector_settings settings)
  : detector(settings.name), settings_(std::move(settings)) {
  // series appear with their first sample
}

caf::expected<std::unique_ptr<detector>>
anomaly_detector::make(anomaly_detector_settings settings) {
  return make_detector<anomaly_detector>(std::move(settings));
}

anomaly_detector::series anomaly_detector::make_series() const {
  series s;
  if (settings_.method == anomaly_method::ewma)
    s.ewma.emplace(settings_.ewma);
  else
    s.robust.emplace(settings_.robust);
  return s;
}

void anomaly_detector::on_sample(const sample& x, detections& out) {
  auto& ms = settings_.metrics;
  if (std::find(ms.begin(), ms.end(), x.metric) == ms.end())
    return;
  auto key = std::make_pair(x.target, x.metric);
  auto i = series_.find(key);
  if (i == series_.end())
    i = series_.emplace(key, make_series()).first;
  auto& s = i->second;
  if (s.last && x.at < *s.last) {
    ++stats_.ignored_backwards;
    return;
  }
  s.last = x.at;
  auto warm = s.ewma ? s.ewma->warm() : s.robust->warm();
  auto z = s.ewma ? s.ewma->score(x.value) : s.robust->score(x.value);
  auto centre = s.ewma ? s.ewma->mean() : s.robust->median();
  auto side_ok = settings_.side == anomaly_side::both
                 || (settings_.side == anomaly_side::above && z > 0)
                 || (settings_.side == anomaly_side::below && z < 0);
  auto change_ok = std::abs(x.value - centre)
                   >= settings_.min_relative_change * std::abs(centre);
  auto anomalous = warm && side_ok && std::abs(z) >= settings_.z_threshold
                   && change_ok;
  if (anomalous) {
    s.normal_run = 0;
    ++s.anomalous_run;
  } else {
    s.anomalous_run = 0;
    ++s.normal_run;
  }
  // A fault never becomes the new normal: anomalous samples and those of
  // an active series are not learned (an active series learns again once
  // it cleared).
  if (!anomalous && !s.active) {
    auto learned = x.value;
    if (settings_.learn_clip > 0.0 && warm) {
      // Only the estimator's own deviation floor keeps this finite.
      auto dev = s.ewma ? std::max(s.ewma->std_deviation(),
                                   settings_.ewma.min_deviation)
                        : std::max(s.robust->mad() / 0.6745,
                                   settings_.robust.min_mad);
      auto band = settings_.learn_clip * dev;
      learned = std::clamp(learned, centre - band, centre + band);
    }
    if (s.ewma)
      s.ewma->add(learned);
    else
      s.robust->add(learned);
  }
  auto report = [&](bool active) {
    s.active = active;
    detection d;
    d.kind = detection_kind::anomaly;
    d.active = active;
    d.target = x.target;
    d.metric = x.metric;
    d.value = x.value;
    d.score = z;
    d.at = x.at;
    d.detail = x.metric + " " + format_number(x.value) + ", z "
               + format_number(z) + " against " + to_string(settings_.method)
               + " centre " + format_number(centre);
    emit(out, std::move(d));
  };
  if (!s.active && s.anomalous_run >= settings_.raise_after)
    report(true);
  else if (s.active && s.normal_run >= settings_.clear_after)
    report(false);
}

std::vector<std::string> anomaly_detector::sample_metrics() const {
  return settings_.metrics;
}

} // namespace remedy
