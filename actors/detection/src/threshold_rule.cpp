#include "remedy/detection/threshold_rule.hpp"

#include <algorithm>
#include <cmath>

#include "detector_support.hpp"

namespace remedy {

namespace {

constexpr const char* kind = "threshold rule";

bool valid(threshold_direction x) {
  return x == threshold_direction::above || x == threshold_direction::below;
}

// Whether `clear` lies on the good side of `limit` (or equals it).
bool good_side(threshold_direction dir, double limit, double clear) {
  return dir == threshold_direction::above ? clear <= limit : clear >= limit;
}

} // namespace

const char* to_string(threshold_direction x) {
  switch (x) {
    case threshold_direction::above:
      return "above";
    case threshold_direction::below:
      return "below";
  }
  return "<invalid threshold_direction>";
}

const char* to_string(threshold_edge x) {
  switch (x) {
    case threshold_edge::none:
      return "none";
    case threshold_edge::raised:
      return "raised";
    case threshold_edge::cleared:
      return "cleared";
  }
  return "<invalid threshold_edge>";
}

caf::error threshold_settings::validate() const {
  using detail::describe;
  auto fail = [this](const std::string& what) {
    return detail::invalid_setting(kind, name, what);
  };
  if (name.empty())
    return detail::empty_name(kind);
  if (!valid(direction))
    return fail("direction must be above or below, got "
                + std::to_string(static_cast<int>(direction)));
  if (!std::isfinite(limit))
    return fail("limit must be finite, got " + describe(limit));
  if (for_duration.count() < 0)
    return fail("for_duration must not be negative, got "
                + describe(for_duration));
  if (clear_limit) {
    if (!std::isfinite(*clear_limit))
      return fail("clear_limit must be finite, got " + describe(*clear_limit));
    if (!good_side(direction, limit, *clear_limit))
      return fail(std::string{"clear_limit must be "}
                  + (direction == threshold_direction::above ? "<=" : ">=")
                  + " limit (" + describe(limit) + ") for a rule "
                  + to_string(direction) + " the limit, got "
                  + describe(*clear_limit));
  }
  if (clear_for.count() < 0)
    return fail("clear_for must not be negative, got " + describe(clear_for));
  return caf::none;
}

threshold_rule::threshold_rule(threshold_settings settings)
  : settings_(std::move(settings)),
    clear_limit_(settings_.limit),
    for_(std::max(settings_.for_duration, caf::timespan{0})),
    clear_for_(std::max(settings_.clear_for, caf::timespan{0})) {
  if (!valid(settings_.direction))
    settings_.direction = threshold_direction::above;
  if (settings_.clear_limit && !std::isnan(*settings_.clear_limit)
      && good_side(settings_.direction, settings_.limit,
                   *settings_.clear_limit))
    clear_limit_ = *settings_.clear_limit;
}

bool threshold_rule::raise_holds(double x) const {
  return settings_.direction == threshold_direction::above
           ? x >= settings_.limit
           : x <= settings_.limit;
}

bool threshold_rule::clear_holds(double x) const {
  return settings_.direction == threshold_direction::above ? x < clear_limit_
                                                           : x > clear_limit_;
}

threshold_edge threshold_rule::update(double value, time_point now) {
  if (std::isnan(value) || (last_time_ && now < *last_time_)) {
    ++rejected_;
    return threshold_edge::none;
  }
  last_value_ = value;
  last_time_ = now;
  return evaluate(now);
}

threshold_edge threshold_rule::advance(time_point now) {
  if (!last_value_ || now < *last_time_)
    return threshold_edge::none;
  last_time_ = now;
  return evaluate(now);
}

threshold_edge threshold_rule::evaluate(time_point now) {
  auto holds = active_ ? clear_holds(*last_value_) : raise_holds(*last_value_);
  if (!holds) {
    pending_.reset();
    return threshold_edge::none;
  }
  if (!pending_)
    pending_ = now;
  auto hold = active_ ? clear_for_ : for_;
  if (detail::elapsed(*pending_, now) < hold)
    return threshold_edge::none;
  pending_.reset();
  active_ = !active_;
  return active_ ? threshold_edge::raised : threshold_edge::cleared;
}

std::optional<threshold_rule::time_point>
threshold_rule::next_deadline() const {
  if (!pending_)
    return std::nullopt;
  return detail::add_saturated(*pending_, active_ ? clear_for_ : for_);
}

void threshold_rule::reset() {
  active_ = false;
  pending_.reset();
  last_value_.reset();
  last_time_.reset();
}

} // namespace remedy
