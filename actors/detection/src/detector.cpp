#include "remedy/detection/detector.hpp"

#include <cmath>

#include "remedy/detection/detection.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy {

const char* to_string(detection_kind x) {
  switch (x) {
    case detection_kind::heartbeat_missed:
      return "heartbeat_missed";
    case detection_kind::hang:
      return "hang";
    case detection_kind::target_down:
      return "target_down";
    case detection_kind::crash:
      return "crash";
    case detection_kind::crash_loop:
      return "crash_loop";
    case detection_kind::threshold:
      return "threshold";
    case detection_kind::anomaly:
      return "anomaly";
    case detection_kind::predicted_limit:
      return "predicted_limit";
    case detection_kind::error_burst:
      return "error_burst";
    case detection_kind::peer_down:
      return "peer_down";
    case detection_kind::peer_unreachable:
      return "peer_unreachable";
  }
  return "<invalid detection_kind>";
}

std::string topic(const detection& x) {
  return std::string{"detection."} + to_string(x.kind);
}

bool same_condition(const detection& x, const detection& y) {
  return x.kind == y.kind && x.detector == y.detector && x.target == y.target
         && x.metric == y.metric;
}

detection detection::raise(detection_kind kind, std::string target,
                           caf::timespan at) {
  detection x;
  x.kind = kind;
  x.target = std::move(target);
  x.at = at;
  return x;
}

detection detection::raise(detection_kind kind, const sample& x) {
  auto result = raise(kind, x.target, x.at);
  result.metric = x.metric;
  result.value = x.value;
  return result;
}

detection detection::clear(detection_kind kind, std::string target,
                           caf::timespan at) {
  auto result = raise(kind, std::move(target), at);
  result.active = false;
  return result;
}

detection detection::clear(detection_kind kind, const sample& x) {
  auto result = raise(kind, x);
  result.active = false;
  return result;
}

detector::detector(std::string name) {
  stats_.detector = std::move(name);
}

detector::~detector() = default;

std::vector<std::string> detector::sample_metrics() const {
  return {};
}

void detector::on_sample(const sample&, detections&) {
  // not an input of this detector
}

void detector::on_heartbeat(const heartbeat&, time_point, detections&) {
  // not an input of this detector
}

void detector::on_down(const caf::actor_addr&, const caf::error&, time_point,
                       detections&) {
  // not an input of this detector
}

void detector::on_supervision(const supervision_event&, detections&) {
  // not an input of this detector
}

void detector::tick(time_point, detections&) {
  // no timed checks
}

caf::timespan detector::tick_interval() const {
  return caf::timespan{0};
}

void detector::emit(detections& out, detection x) {
  x.detector = stats_.detector;
  if (x.active) {
    ++stats_.raised;
    ++stats_.active;
  } else {
    ++stats_.cleared;
    if (stats_.active > 0)
      --stats_.active;
  }
  out.emplace_back(std::move(x));
}

void detector::feed(const sample& x, detections& out) {
  ++stats_.samples;
  if (check_finite(x.value))
    on_sample(x, out);
}

void detector::offer_score(const sample& x, double score) {
  score_ = sample{x.target, x.metric + ".score", score, x.at};
}

void detector::feed(const heartbeat& x, time_point now, detections& out) {
  ++stats_.heartbeats;
  on_heartbeat(x, now, out);
}

void detector::feed_down(const caf::actor_addr& source,
                         const caf::error& reason, time_point now,
                         detections& out) {
  on_down(source, reason, now, out);
}

void detector::feed(const supervision_event& x, detections& out) {
  ++stats_.events;
  on_supervision(x, out);
}

void detector::report(detections& out, bool holds, detection x) {
  auto key = std::make_tuple(x.kind, x.target, x.metric);
  auto i = reported_.find(key);
  if (holds == (i != reported_.end()))
    return;
  if (holds)
    reported_.emplace(std::move(key));
  else
    reported_.erase(i);
  x.active = holds;
  emit(out, std::move(x));
}

bool detector::check_finite(double value) {
  if (std::isfinite(value))
    return true;
  ++stats_.ignored_invalid;
  return false;
}

} // namespace remedy
