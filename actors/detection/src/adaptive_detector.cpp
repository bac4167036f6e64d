#include "remedy/detection/adaptive_detector.hpp"

#include <algorithm>
#include <cmath>

#include "detector_support.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/sample.hpp"

namespace remedy {

namespace {

double seconds(caf::timespan x) {
  return std::chrono::duration<double>(x).count();
}

/// The weight of a sample `dt` seconds after the last for a half-life of
/// `half_life` seconds: 1 - 2^(-dt / half_life).
double alpha(double dt, double half_life) {
  if (!(dt > 0.0))
    return 0.0;
  if (!(half_life > 0.0))
    return 1.0;
  return -std::expm1(-std::log(2.0) * dt / half_life);
}

constexpr double max_z = 1e6;

/// The bin of `at` in a period of `period` cut into `bins` bins.
size_t bin_in(caf::timespan at, caf::timespan period, uint32_t bins) {
  auto p = period.count();
  auto t = at.count() % p;
  if (t < 0)
    t += p;
  auto bin = static_cast<size_t>(static_cast<double>(t)
                                 / static_cast<double>(p) * bins);
  return std::min(bin, static_cast<size_t>(bins - 1));
}

} // namespace

const char* to_string(metric_kind x) {
  switch (x) {
    case metric_kind::latency:
      return "latency";
    case metric_kind::rate:
      return "rate";
    case metric_kind::utilisation:
      return "utilisation";
    case metric_kind::count:
      return "count";
    case metric_kind::gauge:
      return "gauge";
  }
  return "<invalid metric_kind>";
}

adaptive_detector_settings
adaptive_detector_settings::for_kind(metric_kind kind,
                                     caf::timespan sample_interval,
                                     std::vector<std::string> metrics) {
  adaptive_detector_settings x;
  x.metrics = std::move(metrics);
  // The defaults were tuned for samples every 5 minutes: keep their count
  // of intervals.
  constexpr caf::timespan reference = std::chrono::minutes{5};
  // Capped at a day, so that 2016 of them cannot overflow a timespan.
  auto interval = std::clamp(sample_interval, caf::timespan{0},
                             caf::timespan{std::chrono::hours{24}});
  auto scale = [&](caf::timespan d) {
    auto intervals = d.count() / reference.count();
    return caf::timespan{interval.count() * intervals};
  };
  x.half_life = scale(x.half_life);
  x.spread_half_life = scale(x.spread_half_life);
  x.warm_up = scale(x.warm_up);
  x.accept_after = scale(x.accept_after);
  x.raise_after = scale(x.raise_after);
  x.clear_after = scale(x.clear_after);
  if (interval < std::chrono::minutes{1} || interval > std::chrono::hours{1}) {
    x.season = caf::timespan{0};
    x.week = caf::timespan{0};
  }
  switch (kind) {
    case metric_kind::latency:
      x.name = "adaptive.latency";
      x.side = anomaly_side::above;
      x.relative_floor = 0.05;
      break;
    case metric_kind::rate:
      x.name = "adaptive.rate";
      x.side = anomaly_side::both;
      break;
    case metric_kind::utilisation:
      x.name = "adaptive.utilisation";
      x.side = anomaly_side::above;
      break;
    case metric_kind::count:
      x.name = "adaptive.count";
      x.side = anomaly_side::above;
      x.min_deviation = 0.5;
      break;
    case metric_kind::gauge:
      x.name = "adaptive.gauge";
      break;
  }
  return x;
}

caf::error adaptive_detector_settings::validate() const {
  if (name.empty())
    return detail::empty_name("adaptive detector");
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting("adaptive detector", name, what);
  };
  if (metrics.empty())
    return fail("no metrics");
  for (auto& m : metrics)
    if (m.empty())
      return fail("metrics: empty metric name");
  if (half_life.count() <= 0)
    return fail("half_life must be positive");
  if (spread_half_life.count() <= 0)
    return fail("spread_half_life must be positive");
  auto non_negative = [](double x) { return x >= 0.0 && std::isfinite(x); };
  if (!non_negative(spread_floor))
    return fail("spread_floor must be >= 0 and finite, got "
                + format_number(spread_floor));
  if (!non_negative(relative_floor))
    return fail("relative_floor must be >= 0 and finite, got "
                + format_number(relative_floor));
  if (!(min_deviation > 0.0) || !std::isfinite(min_deviation))
    return fail("min_deviation must be positive and finite, got "
                + format_number(min_deviation));
  if (warm_up.count() < 0)
    return fail("warm_up must be >= 0");
  if (!(z_threshold > 0.0) || !std::isfinite(z_threshold))
    return fail("z_threshold must be positive and finite, got "
                + format_number(z_threshold));
  if (side != anomaly_side::above && side != anomaly_side::below
      && side != anomaly_side::both)
    return fail("side: not a valid anomaly side");
  if (!(anomaly_learning >= 0.0 && anomaly_learning <= 1.0))
    return fail("anomaly_learning must be in [0, 1], got "
                + format_number(anomaly_learning));
  if (accept_after.count() < 0)
    return fail("accept_after must be >= 0");
  if (raise_after.count() < 0)
    return fail("raise_after must be >= 0");
  if (clear_after.count() < 0)
    return fail("clear_after must be >= 0");
  if (!non_negative(gap_intervals) || (gap_intervals > 0 && gap_intervals < 2))
    return fail("gap_intervals must be 0 or >= 2 and finite, got "
                + format_number(gap_intervals));
  if (season.count() < 0)
    return fail("season must be >= 0");
  if (season.count() > 0) {
    if (season_bins < 2 || season_bins > 10000)
      return fail("season_bins must be in [2, 10000]");
    if (season_half_life.count() <= 0)
      return fail("season_half_life must be positive");
  }
  if (week.count() < 0)
    return fail("week must be >= 0");
  if (week.count() > 0) {
    if (week_bins < 2 || week_bins > 10000)
      return fail("week_bins must be in [2, 10000]");
    if (week_half_life.count() <= 0)
      return fail("week_half_life must be positive");
    if (week_after.count() < 0)
      return fail("week_after must be >= 0");
  }
  return caf::none;
}

adaptive_detector::adaptive_detector(adaptive_detector_settings settings)
  : detector(settings.name), settings_(std::move(settings)) {
  // series appear with their first sample
}

caf::expected<std::unique_ptr<detector>>
adaptive_detector::make(adaptive_detector_settings settings) {
  return make_detector<adaptive_detector>(std::move(settings));
}

adaptive_detector::series adaptive_detector::make_series() const {
  series s;
  if (settings_.season.count() > 0) {
    s.season.assign(settings_.season_bins, 0.0);
    s.season_seen.assign(settings_.season_bins, 0);
  }
  if (settings_.week.count() > 0) {
    s.week.assign(settings_.week_bins, 0.0);
    s.week_seen.assign(settings_.week_bins, 0);
  }
  return s;
}

size_t adaptive_detector::bin_of(caf::timespan at) const {
  return bin_in(at, settings_.season, settings_.season_bins);
}

size_t adaptive_detector::week_bin_of(caf::timespan at) const {
  return bin_in(at, settings_.week, settings_.week_bins);
}

void adaptive_detector::on_sample(const sample& x, detections& out) {
  auto& ms = settings_.metrics;
  if (std::find(ms.begin(), ms.end(), x.metric) == ms.end())
    return;
  auto key = std::make_pair(x.target, x.metric);
  auto i = series_.find(key);
  if (i == series_.end())
    i = series_.emplace(std::move(key), make_series()).first;
  auto& s = i->second;
  auto value = detail::clamp_finite(x.value, 1e150);
  auto seasonal = !s.season.empty();
  auto bin = seasonal ? bin_of(x.at) : size_t{0};
  auto weekly = !s.week.empty();
  auto wbin = weekly ? week_bin_of(x.at) : size_t{0};
  last_score_ = 0.0;
  last_z_ = 0.0;
  if (!s.started) {
    s.started = true;
    s.first = s.last = s.warm_from = x.at;
    s.warm_samples = 1;
    s.level = value;
    s.week_level = value;
    s.mean_abs = std::abs(value);
    if (seasonal)
      s.season_seen[bin] = 1;
    if (weekly)
      s.week_seen[wbin] = 1;
    return;
  }
  if (x.at < s.last) {
    ++stats_.ignored_backwards;
    return;
  }
  auto dt = seconds(x.at - s.last);
  if (dt == 0.0) {
    // Learned as if a typical interval had passed (NAB's data has rows
    // with equal timestamps; they are samples, not repeats).
    ++stats_.duplicate_timestamps;
    dt = s.typical_dt;
  } else if (s.typical_dt > 0.0 && settings_.gap_intervals > 0.0
             && dt > settings_.gap_intervals * s.typical_dt) {
    // A gap: the level restarts at this sample (the spreads and the
    // season, the series' scale and shape, decay by the time elapsed) and
    // the model warms up again; a raise does not survive it.
    ++stats_.gaps;
    auto daily = seasonal && s.season_seen[bin] ? s.season[bin] : 0.0;
    auto week = weekly && s.week_seen[wbin] ? s.week[wbin] : 0.0;
    s.level = value - daily - (s.week_on ? week : 0.0);
    s.week_level = value - daily - week;
    s.warm_from = x.at;
    s.warm_samples = 0;
    s.anomalous = s.normal = false;
    if (s.active) {
      s.active = false;
      emit(out, detection::clear(detection_kind::anomaly, x)
                  .with_detail(x.metric + ": gap of "
                               + format_number(dt) + " s"));
    }
  } else {
    s.typical_dt = s.typical_dt == 0.0 ? dt
                                       : s.typical_dt
                                           + 0.1 * (dt - s.typical_dt);
  }
  s.last = x.at;
  auto warm = x.at - s.warm_from >= settings_.warm_up
              && s.warm_samples >= settings_.warm_up_samples;
  // The weekly offsets join the prediction once the series is old enough;
  // the level they learned against becomes the level.
  if (weekly && !s.week_on && x.at - s.first >= settings_.week_after) {
    s.week_on = true;
    s.level = s.week_level;
  }
  auto offset = seasonal && s.season_seen[bin] ? s.season[bin] : 0.0;
  auto week_offset = weekly && s.week_seen[wbin] ? s.week[wbin] : 0.0;
  auto joined = s.week_on ? week_offset : 0.0;
  auto pred = s.level + offset + joined;
  auto r = value - pred;
  auto dev = std::sqrt(std::max(s.short_var, 0.0));
  dev = std::max(dev, settings_.spread_floor * std::sqrt(s.long_var));
  dev = std::max(dev, settings_.relative_floor * s.mean_abs);
  dev = std::max(dev, settings_.min_deviation);
  auto z = std::clamp(r / dev, -max_z, max_z);
  auto counted = settings_.side == anomaly_side::both    ? std::abs(z)
                 : settings_.side == anomaly_side::above ? std::max(z, 0.0)
                                                         : std::max(-z, 0.0);
  auto score = warm ? counted / (counted + settings_.z_threshold) : 0.0;
  auto anomalous = warm && counted >= settings_.z_threshold;
  last_z_ = z;
  last_score_ = score;
  if (warm && settings_.publish_scores)
    offer_score(x, score);
  // Learn, more slowly while anomalous.
  auto share = anomalous ? settings_.anomaly_learning : 1.0;
  auto a = share * alpha(dt, seconds(settings_.half_life));
  auto al = share * alpha(dt, seconds(settings_.spread_half_life));
  auto incr = a * r;
  s.level += incr;
  s.short_var = (1.0 - a) * (s.short_var + r * incr);
  s.long_var = (1.0 - al) * s.long_var + al * r * r;
  s.mean_abs += al * (std::abs(value) - s.mean_abs);
  if (weekly) {
    // Until they join, the weekly offsets learn against a level of their
    // own, which learns the residual after them (the level follows the
    // week's pattern, this one does not).
    if (s.week_on)
      s.week_level = s.level;
    else
      s.week_level += a * (value - s.week_level - offset - week_offset);
    auto base = s.week_level + offset;
    if (!s.week_seen[wbin]) {
      s.week[wbin] = value - base;
      s.week_seen[wbin] = 1;
    } else {
      auto aw = share
                * alpha(dt * settings_.week_bins,
                        seconds(settings_.week_half_life));
      s.week[wbin] += aw * (value - base - s.week[wbin]);
    }
  }
  if (seasonal) {
    if (!s.season_seen[bin]) {
      s.season[bin] = value - s.level - joined;
      s.season_seen[bin] = 1;
    } else {
      auto as = share
                * alpha(dt * settings_.season_bins,
                        seconds(settings_.season_half_life));
      s.season[bin] += as * (value - s.level - joined - s.season[bin]);
    }
  }
  ++s.warm_samples;
  // A raise held `accept_after`: the current value is the new normal.
  if (s.active && anomalous && settings_.accept_after.count() > 0
      && x.at - s.raised_at >= settings_.accept_after) {
    // A shift of the level, not of the noise: the spreads go back to what
    // they were when it raised.
    auto daily = seasonal ? s.season[bin] : 0.0;
    s.level = value - daily - (s.week_on ? s.week[wbin] : 0.0);
    // Before `week_after` the weekly offsets' level stays: what the level
    // accepts then may be the week's pattern (a weekend), which they learn.
    if (weekly && s.week_on)
      s.week_level = s.level;
    s.short_var = std::min(s.short_var, s.short_var_at_raise);
    s.long_var = std::min(s.long_var, s.long_var_at_raise);
    s.raised_at = x.at;
  }
  if (anomalous) {
    if (!s.anomalous)
      s.anomalous_since = x.at;
    s.anomalous = true;
    s.normal = false;
  } else {
    if (!s.normal)
      s.normal_since = x.at;
    s.normal = true;
    s.anomalous = false;
  }
  if (!s.active && anomalous
      && x.at - s.anomalous_since >= settings_.raise_after) {
    s.active = true;
    s.raised_at = x.at;
    s.short_var_at_raise = s.short_var;
    s.long_var_at_raise = s.long_var;
    emit(out, detection::raise(detection_kind::anomaly, x)
                .with_score(score)
                .with_detail(x.metric + " " + format_number(x.value) + ", z "
                             + format_number(z) + " against level "
                             + format_number(pred) + " +- "
                             + format_number(dev)));
  } else if (s.active && !anomalous
             && x.at - s.normal_since >= settings_.clear_after) {
    s.active = false;
    emit(out, detection::clear(detection_kind::anomaly, x).with_score(score));
  }
}

std::vector<std::string> adaptive_detector::sample_metrics() const {
  return settings_.metrics;
}

} // namespace remedy
