#include "remedy/actors/route.hpp"

#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>

#include <spdlog/spdlog.h>

#include "remedy/actors/circuit_breaker.hpp"
#include "remedy/actors/route_event.hpp"
#include "remedy/actors/route_stats.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/error.hpp"
#include "remedy/runtime/event_bus.hpp"
#include "remedy/runtime/logging.hpp"
#include "remedy/runtime/type_ids.hpp"

namespace remedy {

std::string topic(const route_event& x) {
  std::string result = "route.breaker.";
  result += to_string(x.to);
  return result;
}

caf::error route_settings::validate() const {
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument,
                      "route '" + name + "': " + what);
  };
  if (name.empty())
    return make_error(errc::invalid_argument, "route: empty name");
  if (timeout.count() < 0)
    return fail("timeout must not be negative");
  if (sweep_interval.count() <= 0)
    return fail("sweep_interval must be positive");
  if (breaker)
    if (auto err = breaker->validate())
      return fail(context_of(err));
  return caf::none;
}

namespace {

using time_point = caf::actor_clock::time_point;

/// The route actor. A class, not a function, because it overrides
/// `consume`: replies to the route's own requests are matched against its
/// own table before CAF's (whose pending-response table is a linearly
/// searched vector and whose request timers cost 3-4x throughput).
class route_actor : public caf::event_based_actor {
public:
  route_actor(caf::actor_config& cfg, caf::actor target, route_settings st)
    : caf::event_based_actor(cfg),
      target_(std::move(target)),
      settings_(std::move(st)),
      log_(logger("remedy.route")) {
    if (settings_.breaker)
      breaker_.emplace(*settings_.breaker, settings_.seed);
  }

  const char* name() const override {
    return "remedy.route";
  }

  caf::behavior make_behavior() override;

  caf::invoke_message_result consume(caf::mailbox_element& x) override;

private:
  /// One client request in flight.
  struct call {
    caf::strong_actor_ptr client;
    caf::message_id client_mid;
    time_point started;
    breaker_permit permit;
  };

  void on_request(caf::message_view& x);
  void on_reply(call& c, caf::message& reply);
  void answer(call& c, caf::message msg);
  void record(call& c, call_outcome outcome, time_point t);
  void sweep();
  void schedule_sweep();
  void schedule_tick();
  void publish_transitions();
  caf::error breaker_missing() const;
  /// The `breaker_open` answer for the current state, built once per state.
  const caf::message& rejection();
  caf::result<void> command(void (circuit_breaker::*f)(time_point));

  time_point now() {
    return clock().now();
  }

  caf::actor target_;
  bool target_down_ = false;
  caf::error down_reason_;
  route_settings settings_;
  std::optional<circuit_breaker> breaker_;
  /// Keyed by the response id of the route's request to the target.
  std::unordered_map<caf::message_id, call> calls_;
  /// Deadlines in arrival order (one timeout for all: already sorted).
  std::deque<std::pair<time_point, caf::message_id>> deadlines_;
  bool sweep_pending_ = false;
  std::optional<time_point> tick_due_;
  caf::message rejection_;
  breaker_state rejection_state_ = breaker_state::closed;
  route_stats stats_;
  std::shared_ptr<spdlog::logger> log_;
};

caf::behavior route_actor::make_behavior() {
  monitor(target_);
  set_down_handler([this](caf::down_msg& msg) {
    if (msg.source != target_.address())
      return;
    target_down_ = true;
    down_reason_ = msg.reason;
    // Every request in flight fails now; CAF bounces what was queued at the
    // target to us (we are the sender), and those replies find no entry.
    auto err = make_error(errc::target_down,
                          "route '" + settings_.name + "': target exited ("
                            + render(msg.reason) + ")");
    auto t = now();
    for (auto& [rid, c] : calls_) {
      record(c, call_outcome::failure, t);
      ++stats_.target_down;
      answer(c, caf::make_message(err));
    }
    calls_.clear();
    deadlines_.clear();
    publish_transitions();
  });
  set_default_handler([](caf::scheduled_actor* ptr,
                         caf::message_view& x) -> caf::result<caf::message> {
    static_cast<route_actor*>(ptr)->on_request(x);
    return caf::delegated<caf::message>{};
  });
  return {
    [this](route_stats_atom) {
      auto result = stats_;
      result.in_flight = calls_.size();
      if (breaker_) {
        auto m = breaker_->metrics(now());
        result.state = m.state;
        result.window_calls = m.window.calls;
        result.window_failures = m.window.failures;
        result.window_slow = m.window.slow;
        result.failure_rate = m.window.failure_rate();
        result.slow_rate = m.window.slow_rate();
      }
      return result;
    },
    [this](route_sweep_atom) {
      sweep_pending_ = false;
      sweep();
    },
    [this](route_tick_atom) {
      tick_due_.reset();
      if (breaker_) {
        breaker_->advance(now());
        publish_transitions();
      }
    },
    [this](breaker_force_open_atom) {
      return command(&circuit_breaker::force_open);
    },
    [this](breaker_disable_atom) {
      return command(&circuit_breaker::disable);
    },
    [this](breaker_metrics_only_atom) {
      return command(&circuit_breaker::metrics_only);
    },
    [this](breaker_reset_atom) { return command(&circuit_breaker::reset); },
  };
}

const caf::message& route_actor::rejection() {
  auto state = breaker_->state();
  if (rejection_.empty() || rejection_state_ != state) {
    rejection_state_ = state;
    rejection_ = caf::make_message(make_error(
      errc::breaker_open, "route '" + settings_.name
                            + "': circuit breaker is " + to_string(state)));
  }
  return rejection_;
}

caf::error route_actor::breaker_missing() const {
  return make_error(errc::not_supported,
                    "route '" + settings_.name + "' has no circuit breaker");
}

caf::result<void>
route_actor::command(void (circuit_breaker::*f)(time_point)) {
  if (!breaker_)
    return breaker_missing();
  ((*breaker_).*f)(now());
  publish_transitions();
  return caf::unit;
}

caf::invoke_message_result route_actor::consume(caf::mailbox_element& x) {
  if (x.mid.is_response()) {
    auto i = calls_.find(x.mid);
    if (i != calls_.end()) {
      auto reply = x.move_content_to_message();
      auto c = std::move(i->second);
      calls_.erase(i);
      on_reply(c, reply);
      return caf::invoke_message_result::consumed;
    }
    if (x.mid.is_response() && !x.content().empty()) {
      // A reply to a request we already answered (timeout, target down).
      ++stats_.late_replies;
      return caf::invoke_message_result::consumed;
    }
  }
  return caf::event_based_actor::consume(x);
}

void route_actor::on_request(caf::message_view& x) {
  auto* elem = current_mailbox_element();
  if (!elem->mid.is_request()) {
    // Plain messages pass through as they are.
    ++stats_.forwarded_async;
    if (!target_down_)
      target_->enqueue(caf::make_mailbox_element(std::move(elem->sender),
                                                 elem->mid,
                                                 std::move(elem->stages),
                                                 x.move_content_to_message()),
                       context());
    return;
  }
  ++stats_.requests;
  call c{std::move(elem->sender), elem->mid, now(), {}};
  if (target_down_) {
    ++stats_.target_down;
    answer(c, caf::make_message(make_error(
                errc::target_down, "route '" + settings_.name
                                     + "': target is down ("
                                     + render(down_reason_) + ")")));
    return;
  }
  if (breaker_) {
    c.permit = breaker_->acquire(c.started);
    publish_transitions();
    if (!c.permit.granted) {
      ++stats_.rejected_open;
      answer(c, rejection());
      return;
    }
  }
  auto rid = new_request_id(caf::message_priority::normal);
  target_->enqueue(caf::make_mailbox_element(ctrl(), rid, {},
                                             x.move_content_to_message()),
                   context());
  auto key = rid.response_id();
  if (settings_.timeout.count() > 0) {
    deadlines_.emplace_back(c.started + settings_.timeout, key);
    schedule_sweep();
  }
  calls_.emplace(key, std::move(c));
}

void route_actor::record(call& c, call_outcome outcome, time_point t) {
  if (breaker_)
    breaker_->record(t, c.permit, outcome, t - c.started);
}

void route_actor::on_reply(call& c, caf::message& reply) {
  auto outcome = call_outcome::success;
  if (reply.match_elements<caf::error>()) {
    auto& err = reply.get_as<caf::error>(0);
    if (!settings_.is_failure || settings_.is_failure(err))
      outcome = call_outcome::failure;
    else
      outcome = call_outcome::ignored;
  }
  record(c, outcome, now());
  ++stats_.answered;
  answer(c, std::move(reply));
  publish_transitions();
}

void route_actor::answer(call& c, caf::message msg) {
  if (c.client)
    c.client->enqueue(caf::make_mailbox_element(ctrl(),
                                                c.client_mid.response_id(),
                                                {}, std::move(msg)),
                      context());
}

void route_actor::schedule_sweep() {
  if (sweep_pending_ || deadlines_.empty())
    return;
  sweep_pending_ = true;
  delayed_send(this, settings_.sweep_interval, route_sweep_atom::value);
}

void route_actor::sweep() {
  auto t = now();
  while (!deadlines_.empty() && deadlines_.front().first <= t) {
    auto key = deadlines_.front().second;
    deadlines_.pop_front();
    auto i = calls_.find(key);
    if (i == calls_.end())
      continue; // answered already
    auto c = std::move(i->second);
    calls_.erase(i);
    record(c, call_outcome::failure, t);
    ++stats_.timeouts;
    answer(c, caf::make_message(make_error(
                errc::timeout, "route '" + settings_.name
                                 + "': no reply within the timeout")));
  }
  publish_transitions();
  schedule_sweep();
}

void route_actor::schedule_tick() {
  if (!breaker_)
    return;
  auto due = breaker_->next_deadline();
  if (!due || (tick_due_ && *tick_due_ <= *due))
    return;
  tick_due_ = *due;
  auto t = now();
  delayed_send(this, *due > t ? *due - t : caf::timespan{0},
               route_tick_atom::value);
}

void route_actor::publish_transitions() {
  if (!breaker_ || !breaker_->has_transitions())
    return;
  for (auto& x : breaker_->take_transitions()) {
    route_event ev{settings_.name, x.from, x.to, x.reason,
                   x.at.time_since_epoch()};
    auto level = x.to == breaker_state::open ? spdlog::level::warn
                                             : spdlog::level::info;
    if (log_->should_log(level))
      log_->log(level, "route '{}': breaker {} -> {} ({})", settings_.name,
                to_string(x.from), to_string(x.to), x.reason);
    auto t = topic(ev);
    publish(this, t, caf::make_message(std::move(ev)));
  }
  schedule_tick();
}

} // namespace

caf::expected<caf::actor> spawn_route(caf::actor_system& sys,
                                      caf::actor target,
                                      route_settings settings) {
  if (!target)
    return make_error(errc::invalid_argument,
                      "route '" + settings.name + "': no target");
  if (auto err = settings.validate())
    return err;
  return sys.spawn<route_actor>(std::move(target), std::move(settings));
}

} // namespace remedy
