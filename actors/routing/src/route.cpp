#include "remedy/routing/route.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/uniform_type_info_map.hpp>

#include <spdlog/spdlog.h>

#include "remedy/routing/bulkhead.hpp"
#include "remedy/routing/circuit_breaker.hpp"
#include "remedy/routing/route_event.hpp"
#include "remedy/routing/route_stats.hpp"
#include "remedy/routing/atoms.hpp"
#include "remedy/core/tick.hpp"
#include "remedy/core/detail/reply_ids.hpp"
#include "remedy/core/detail/slot_map.hpp"
#include "remedy/core/detail/topic_registry.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/core/time_units.hpp"
#include "remedy/core/type_ids.hpp"
#include "remedy/routing/type_ids.hpp"

namespace remedy {

const char* to_string(route_event_kind x) {
  switch (x) {
    case route_event_kind::breaker_transition:
      return "breaker_transition";
    case route_event_kind::breaker_rejected:
      return "breaker_rejected";
    case route_event_kind::bulkhead_rejected:
      return "bulkhead_rejected";
    case route_event_kind::bulkhead_timeout:
      return "bulkhead_timeout";
    case route_event_kind::timeout:
      return "timeout";
    case route_event_kind::call_succeeded:
      return "call_succeeded";
    case route_event_kind::call_failed:
      return "call_failed";
    case route_event_kind::call_ignored:
      return "call_ignored";
    case route_event_kind::failure_rate_exceeded:
      return "failure_rate_exceeded";
    case route_event_kind::slow_call_rate_exceeded:
      return "slow_call_rate_exceeded";
  }
  return "<invalid route_event_kind>";
}

std::string topic(const route_event& x) {
  if (x.kind == route_event_kind::breaker_transition)
    return std::string{"route.breaker."} + to_string(x.to);
  return std::string{"route."} + to_string(x.kind);
}

caf::error route_settings::validate() const {
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument, "route '" + name + "': " + what);
  };
  if (name.empty())
    return make_error(errc::invalid_argument, "route: empty name");
  if (timeout.count() < 0)
    return fail("timeout must not be negative");
  if (sweep_interval.count() <= 0)
    return fail("sweep_interval must be positive");
  if (metrics_interval.count() < 0)
    return fail("metrics_interval must not be negative");
  if (is_failure && classify_error)
    return fail("set either is_failure (failure_if) or classify_error, not "
                "both");
  if (call_events && !breaker)
    return fail("call_events need a breaker (the events report what it "
                "records)");
  if (breaker)
    if (auto err = breaker->validate())
      return fail(context_of(err));
  if (bulkhead)
    if (auto err = bulkhead->validate())
      return fail(context_of(err));
  if (!pools.empty() && !bulkhead)
    return fail("pools need a bulkhead (the default pool)");
  std::vector<std::string> names;
  if (bulkhead)
    names.push_back(bulkhead->name);
  for (auto& p : pools) {
    if (auto err = p.validate())
      return fail(context_of(err));
    if (std::find(names.begin(), names.end(), p.name) != names.end())
      return fail("two pools named '" + p.name + "'");
    names.push_back(p.name);
  }
  if (!isolation.rules.empty()) {
    if (!bulkhead)
      return fail("isolation rules need a bulkhead");
    if (auto err = isolation.validate(names))
      return fail("isolation: " + context_of(err));
  }
  if (retry)
    if (auto err = retry->validate())
      return fail(context_of(err));
  return caf::none;
}

namespace {

using time_point = caf::actor_clock::time_point;
using call_id = uint64_t;

/// Whether `x` is a supervision endpoint (a stable address that outlives the
/// incarnations of its child). A route learns it once, at spawn, from the
/// actor's name; a remote endpoint (a proxy) counts as a plain actor.
bool is_endpoint(const caf::actor& x) {
  auto* ptr = dynamic_cast<caf::monitorable_actor*>(
    caf::actor_cast<caf::abstract_actor*>(x));
  return ptr != nullptr && std::strcmp(ptr->name(), "remedy.endpoint") == 0;
}

/// The route actor. A class, not a function, because it overrides
/// `consume`: replies to the route's own requests are matched against its
/// own table before CAF's (whose pending-response table is a linearly
/// searched vector and whose request timers cost 3-4x throughput).
class route_impl : public caf::event_based_actor {
public:
  route_impl(caf::actor_config& cfg, caf::actor target, route_settings st)
    : caf::event_based_actor(cfg),
      target_(std::move(target)),
      target_is_endpoint_(is_endpoint(target_)),
      settings_(std::move(st)),
      rng_(settings_.seed),
      log_(logger("remedy.route")) {
    if (settings_.breaker) {
      breaker_.emplace(*settings_.breaker, settings_.seed);
      breaker_->record_events(settings_.call_events);
    }
    reset_pools();
  }

  const char* name() const override {
    return "remedy.route";
  }

  caf::behavior make_behavior() override;

  caf::invoke_message_result consume(caf::mailbox_element& x) override;

  resume_result resume(caf::execution_unit* ctx, size_t max) override {
    clock_reads_left_ = 0; // a new batch: the next now() reads the clock
    return caf::event_based_actor::resume(ctx, max);
  }

private:
  /// Where a request is.
  enum class phase : uint8_t { at_target, in_queue, backing_off };

  /// One client request, across its attempts.
  struct call {
    caf::strong_actor_ptr client;
    caf::message_id client_mid;
    /// Kept for retries (a message is copy-on-write: no copy unless resent).
    caf::message content;
    time_point started;
    time_point attempt_started;
    uint32_t attempt = 1;
    breaker_permit permit;
    phase where = phase::at_target;
    /// The response id of the attempt at the target.
    caf::message_id rid;
    /// The bulkhead pool (when the route has one).
    size_t pool = 0;
  };

  void on_request(caf::message_view& x);
  void attempt(call_id id, time_point t);
  void send(call_id id, call& c, time_point t);
  void on_reply(call_id id, call& c, caf::message& reply, time_point t);
  void failed(call_id id, caf::message reply, const caf::error& err,
              time_point t);
  void finish(call_id id, caf::message msg);
  /// Gives back the bulkhead permit of call `id` in `pool` (a no-op without
  /// a bulkhead, or when the call holds none).
  void release_permit(size_t pool, call_id id, time_point t);
  void apply_changes(const remedy::bulkhead_changes& changes, time_point t);
  bool bulkhead_waiters() const {
    for (auto& p : pools_)
      if (p.queue_length() > 0)
        return true;
    return false;
  }
  /// (Re)creates every pool with all its permits.
  void reset_pools() {
    pools_.clear();
    if (!settings_.bulkhead)
      return;
    pools_.emplace_back(*settings_.bulkhead);
    for (auto& p : settings_.pools)
      pools_.emplace_back(p);
  }
  /// The index of the pool named `name`, if any.
  std::optional<size_t> pool_index(const std::string& name) const {
    if (settings_.bulkhead && settings_.bulkhead->name == name)
      return size_t{0};
    for (size_t i = 0; i < settings_.pools.size(); ++i)
      if (settings_.pools[i].name == name)
        return i + 1;
    return std::nullopt;
  }
  /// The pool for a request: by the isolation rules, else the default pool.
  size_t pick_pool(const caf::strong_actor_ptr& client,
                   const caf::message& content);
  caf::result<void> resize(size_t pool, uint32_t max_concurrent,
                           uint32_t max_queue);
  caf::result<void> set_max_wait(size_t pool, caf::timespan wait);
  /// The pool named `name`, or an `invalid_argument` error.
  caf::expected<size_t> named_pool(const std::string& name) const;
  /// Starts a retry of call `id` if `d` says so and it ends before the
  /// request's deadline; returns whether it did.
  bool try_retry(call_id id, call& c, const retry_decision& d, time_point t);
  void publish_call_events();
  void reject_waiters(const std::vector<bulkhead_ticket>& xs, time_point t);
  void record(call& c, call_outcome outcome, time_point t);
  /// Counts an attempt's outcome at the target for the route's samples.
  void observe(const call& c, bool failed, time_point t) {
    if (settings_.metrics_interval.count() == 0)
      return;
    auto latency = t - c.attempt_started;
    ++interval_.calls;
    if (failed)
      ++interval_.failures;
    interval_.latency_sum += latency;
    interval_.latency_max = std::max(interval_.latency_max, latency);
  }
  void schedule_flush() {
    if (flush_pending_ || settings_.metrics_interval.count() == 0)
      return;
    flush_pending_ = true;
    // At the same instants as the sweep when the intervals are equal, so
    // both share one clock timer (send_on_tick).
    send_on_tick(this, settings_.metrics_interval, route_flush_atom::value);
  }
  void flush_metrics();
  void answer(call& c, caf::message msg);
  void sweep();
  void schedule_sweep();
  void schedule_tick();
  void publish_transitions();
  /// Publishes and logs (at debug) a rejection, if anyone listens.
  void report(route_event_kind kind, const caf::error& err, time_point t);
  caf::error breaker_missing() const;
  /// The `breaker_open` answer for the current state, built once per state.
  const caf::message& rejection();
  caf::result<void> command(void (circuit_breaker::*f)(time_point));
  caf::message error_msg(errc code, const std::string& what) const {
    return caf::make_message(
      make_error(code, "route '" + settings_.name + "': " + what));
  }

  /// CAF's clock, read at most once per `clock_reuse` calls within one
  /// scheduling batch. Reading the clock costs about as much as the rest
  /// of a request's bookkeeping; messages in one batch are handled
  /// back to back in a few hundred nanoseconds each, so a time reused for
  /// the next few of them is off by microseconds at most. A new batch
  /// always reads afresh (under CAF's test coordinator every message is
  /// its own batch, so virtual time is exact).
  time_point now() {
    if (clock_reads_left_ == 0) {
      now_ = clock().now();
      clock_reads_left_ = clock_reuse;
    }
    --clock_reads_left_;
    return now_;
  }

  static constexpr uint32_t clock_reuse = 8;

  time_point now_;
  uint32_t clock_reads_left_ = 0;
  caf::actor target_;
  /// In front of an endpoint the route outlives its target's exit and
  /// answers `target_down`; in front of a plain actor it exits with it.
  bool target_is_endpoint_;
  bool target_down_ = false;
  caf::error down_reason_;
  route_settings settings_;
  std::optional<circuit_breaker> breaker_;
  /// The default pool first, then `settings_.pools`.
  std::vector<bulkhead> pools_;
  std::mt19937_64 rng_;
  /// Requests taken and not yet answered. A call's id is its key here; the
  /// request id of its attempt at the target names its slot too (see
  /// `send`), so a reply finds its call without a hash lookup.
  detail::slot_map<call> calls_;
  /// Numbers the attempts, so that a reply to an earlier attempt in the
  /// same slot never matches the current one.
  detail::reply_ids reply_ids_;
  /// Deadlines in arrival order (one timeout for all: already sorted).
  std::deque<std::pair<time_point, call_id>> deadlines_;
  bool sweep_pending_ = false;
  std::optional<time_point> tick_due_;
  caf::message rejection_;
  breaker_state rejection_state_ = breaker_state::closed;
  route_stats stats_;
  /// What the route's next samples report.
  struct {
    uint64_t calls = 0;
    uint64_t failures = 0;
    caf::timespan latency_sum{0};
    caf::timespan latency_max{0};
  } interval_;
  bool flush_pending_ = false;
  std::shared_ptr<spdlog::logger> log_;
  const detail::topic_registry* topics_ = detail::topics_of(home_system());
};

caf::behavior route_impl::make_behavior() {
  monitor(target_);
  set_down_handler([this](caf::down_msg& msg) {
    if (msg.source != target_.address())
      return;
    target_down_ = true;
    down_reason_ = msg.reason;
    // Every request taken fails now; CAF bounces what was queued at the
    // target back to us (we are the sender), and those replies find no
    // entry.
    auto t = now();
    auto err = error_msg(errc::target_down,
                         "target exited (" + render(msg.reason) + ")");
    calls_.for_each([&](call_id, call& c) {
      if (c.where == phase::at_target) {
        record(c, call_outcome::failure, t);
        observe(c, true, t);
      }
      ++stats_.target_down;
      answer(c, err);
    });
    calls_.clear();
    deadlines_.clear();
    reset_pools(); // every permit back
    publish_transitions();
    // A plain actor does not come back: exit, so that whoever supervises
    // the route can rebuild it (with a new target). An endpoint's exit
    // means its tree stopped: keep answering target_down as before.
    if (!target_is_endpoint_)
      quit(make_error(errc::target_down,
                      "route '" + settings_.name + "': target exited ("
                        + render(msg.reason) + ")"));
  });
  set_default_handler([](caf::scheduled_actor* ptr,
                         caf::message_view& x) -> caf::result<caf::message> {
    static_cast<route_impl*>(ptr)->on_request(x);
    return caf::delegated<caf::message>{};
  });
  return {
    [this](route_stats_atom) {
      auto result = stats_;
      result.in_flight = calls_.size();
      for (auto& p : pools_) {
        result.bulkhead_in_flight += p.in_flight();
        result.bulkhead_waiting += p.queue_length();
        result.bulkhead_ignored_releases += p.metrics().ignored_releases;
      }
      if (!pools_.empty()) {
        result.bulkhead_max_concurrent = pools_[0].settings().max_concurrent;
        result.bulkhead_max_queue = pools_[0].settings().max_queue;
      }
      if (breaker_) {
        auto m = breaker_->metrics(now());
        result.state = m.state;
        result.would_open = m.would_open;
        result.window_calls = m.window.calls;
        result.window_failures = m.window.failures;
        result.window_slow = m.window.slow;
        result.failure_rate = m.window.failure_rate();
        result.slow_rate = m.window.slow_rate();
      }
      return result;
    },
    [this](route_flush_atom) {
      flush_pending_ = false;
      flush_metrics();
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
    [this](route_retry_atom, call_id id) {
      auto* c = calls_.find(id);
      if (c != nullptr && c->where == phase::backing_off) {
        ++c->attempt;
        ++stats_.retries;
        attempt(id, now());
      }
    },
    [this](bulkhead_resize_atom, uint32_t max_concurrent, uint32_t max_queue) {
      return resize(0, max_concurrent, max_queue);
    },
    [this](bulkhead_resize_atom, const std::string& pool,
           uint32_t max_concurrent, uint32_t max_queue) -> caf::result<void> {
      auto i = named_pool(pool);
      if (!i)
        return i.error();
      return resize(*i, max_concurrent, max_queue);
    },
    [this](bulkhead_max_wait_atom, caf::timespan wait) {
      return set_max_wait(0, wait);
    },
    [this](bulkhead_max_wait_atom, const std::string& pool,
           caf::timespan wait) -> caf::result<void> {
      auto i = named_pool(pool);
      if (!i)
        return i.error();
      return set_max_wait(*i, wait);
    },
    [this](breaker_force_open_atom) {
      return command(&circuit_breaker::force_open);
    },
    [this](breaker_disable_atom) { return command(&circuit_breaker::disable); },
    [this](breaker_metrics_only_atom) {
      return command(&circuit_breaker::metrics_only);
    },
    [this](breaker_reset_atom) { return command(&circuit_breaker::reset); },
    [this](breaker_open_atom) {
      return command(&circuit_breaker::transition_to_open);
    },
    [this](breaker_half_open_atom) {
      return command(&circuit_breaker::transition_to_half_open);
    },
    [this](breaker_close_atom) {
      return command(&circuit_breaker::transition_to_closed);
    },
  };
}

caf::result<void> route_impl::resize(size_t pool, uint32_t max_concurrent,
                                      uint32_t max_queue) {
  if (pool >= pools_.size())
    return make_error(errc::not_supported,
                      "route '" + settings_.name + "' has no bulkhead");
  auto t = now();
  auto changes = pools_[pool].resize(t, max_concurrent, max_queue);
  if (!changes)
    return changes.error();
  apply_changes(*changes, t);
  return caf::unit;
}

caf::expected<size_t> route_impl::named_pool(const std::string& name) const {
  if (auto i = pool_index(name))
    return *i;
  return make_error(errc::invalid_argument,
                    "route '" + settings_.name + "': no pool '" + name + "'");
}

caf::result<void> route_impl::set_max_wait(size_t pool, caf::timespan wait) {
  if (pool >= pools_.size())
    return make_error(errc::not_supported,
                      "route '" + settings_.name + "' has no bulkhead");
  auto t = now();
  auto expired = pools_[pool].set_max_wait(t, wait);
  if (!expired)
    return expired.error();
  reject_waiters(*expired, t);
  return caf::unit;
}

size_t route_impl::pick_pool(const caf::strong_actor_ptr& client,
                              const caf::message& content) {
  if (settings_.isolation.rules.empty())
    return 0;
  std::string who;
  if (settings_.client_name)
    who = settings_.client_name(client);
  else if (client)
    who = std::to_string(client->id());
  std::string type;
  if (!content.empty()) {
    if (content.match_element<caf::atom_value>(0))
      type = caf::to_string(content.get_as<caf::atom_value>(0));
    else
      type = home_system().types().portable_name(content.type(0));
  }
  auto i = pool_index(settings_.isolation.pool_for(who, type));
  return i ? *i : 0;
}

const caf::message& route_impl::rejection() {
  auto state = breaker_->state();
  if (rejection_.empty() || rejection_state_ != state) {
    rejection_state_ = state;
    rejection_
      = error_msg(errc::breaker_open,
                  std::string{"circuit breaker is "} + to_string(state));
  }
  return rejection_;
}

caf::error route_impl::breaker_missing() const {
  return make_error(errc::not_supported,
                    "route '" + settings_.name + "' has no circuit breaker");
}

caf::result<void> route_impl::command(void (circuit_breaker::*f)(time_point)) {
  if (!breaker_)
    return breaker_missing();
  ((*breaker_).*f)(now());
  publish_transitions();
  return caf::unit;
}

/// Whether `x` is one of the route's own control or timer messages.
bool is_reserved(const caf::type_erased_tuple& x) {
  if (x.empty() || !x.match_element<caf::atom_value>(0))
    return false;
  switch (static_cast<uint64_t>(x.get_as<caf::atom_value>(0))) {
    case static_cast<uint64_t>(route_stats_atom::uint_value()):
    case static_cast<uint64_t>(route_sweep_atom::uint_value()):
    case static_cast<uint64_t>(route_flush_atom::uint_value()):
    case static_cast<uint64_t>(route_tick_atom::uint_value()):
    case static_cast<uint64_t>(route_retry_atom::uint_value()):
    case static_cast<uint64_t>(bulkhead_resize_atom::uint_value()):
    case static_cast<uint64_t>(breaker_force_open_atom::uint_value()):
    case static_cast<uint64_t>(breaker_disable_atom::uint_value()):
    case static_cast<uint64_t>(breaker_metrics_only_atom::uint_value()):
    case static_cast<uint64_t>(breaker_reset_atom::uint_value()):
    case static_cast<uint64_t>(breaker_open_atom::uint_value()):
    case static_cast<uint64_t>(breaker_half_open_atom::uint_value()):
    case static_cast<uint64_t>(breaker_close_atom::uint_value()):
    case static_cast<uint64_t>(bulkhead_max_wait_atom::uint_value()):
    case static_cast<uint64_t>(caf::atom("sys")):
      return true;
    default:
      return false;
  }
}

caf::invoke_message_result route_impl::consume(caf::mailbox_element& x) {
  // Fast path: a client's request goes straight to the stages, without
  // trying the control handlers first (system messages are never
  // requests; CAF's own "sys" requests and our control atoms are excluded).
  if (x.mid.is_request() && !is_reserved(x.content())) {
    current_mailbox_element(&x);
    on_request(x);
    return caf::invoke_message_result::consumed;
  }
  if (x.mid.is_response()) {
    auto index = detail::reply_ids::index_of(x.mid);
    auto* c = calls_.at_index(index);
    if (c != nullptr && c->where == phase::at_target && c->rid == x.mid) {
      c->rid = caf::message_id{};
      auto reply = x.move_content_to_message();
      on_reply(calls_.key_at(index), *c, reply, now());
      return caf::invoke_message_result::consumed;
    }
    if (!x.content().empty()) {
      // A reply to an attempt we already gave up on (timeout, target down).
      ++stats_.late_replies;
      return caf::invoke_message_result::consumed;
    }
  }
  return caf::event_based_actor::consume(x);
}

void route_impl::on_request(caf::message_view& x) {
  auto* elem = current_mailbox_element();
  if (!elem->mid.is_request()) {
    // Plain messages pass through as they are (and are lost, like any
    // message to a dead actor, once the target is down).
    if (target_down_) {
      ++stats_.dropped_async;
      return;
    }
    ++stats_.forwarded_async;
    target_->enqueue(caf::make_mailbox_element(
                       std::move(elem->sender), elem->mid,
                       std::move(elem->stages), x.move_content_to_message()),
                     context());
    return;
  }
  ++stats_.requests;
  auto t = now();
  call c;
  c.client = std::move(elem->sender);
  c.client_mid = elem->mid;
  c.content = x.move_content_to_message();
  c.started = t;
  c.attempt_started = t;
  if (!pools_.empty())
    c.pool = pick_pool(c.client, c.content);
  if (target_down_) {
    ++stats_.target_down;
    answer(c, error_msg(errc::target_down,
                        "target is down (" + render(down_reason_) + ")"));
    return;
  }
  schedule_flush();
  auto id = calls_.insert(std::move(c));
  if (settings_.timeout.count() > 0) {
    deadlines_.emplace_back(t + settings_.timeout, id);
    schedule_sweep();
  }
  attempt(id, t);
}

/// One attempt: breaker, then bulkhead, then the target.
void route_impl::attempt(call_id id, time_point t) {
  auto& c = *calls_.find(id);
  c.attempt_started = t;
  if (breaker_) {
    c.permit = breaker_->acquire(t);
    publish_transitions();
    if (!c.permit.granted) {
      auto msg = rejection();
      failed(id, msg, msg.get_as<caf::error>(0), t);
      return;
    }
  }
  if (!pools_.empty()) {
    auto pool = c.pool;
    auto entry = pools_[pool].try_enter(t, id);
    if (!entry) { // cannot happen: a call holds at most one ticket
      log_->error("route '{}': {}", settings_.name, render(entry.error()));
      return;
    }
    // Answering expired waiters erases other calls only: `c` stays valid
    // (slot_map elements do not move).
    reject_waiters(entry->expired, t);
    switch (entry->decision) {
      case bulkhead_decision::admitted:
        break;
      case bulkhead_decision::queued:
        c.where = phase::in_queue;
        schedule_sweep(); // the sweep also expires waiters
        return;
      case bulkhead_decision::rejected_full: {
        // Not the target's fault: the breaker does not count it.
        record(c, call_outcome::ignored, t);
        auto& name = pool == 0 ? settings_.bulkhead->name
                               : settings_.pools[pool - 1].name;
        auto msg = error_msg(errc::bulkhead_full,
                             "bulkhead '" + name + "' is full");
        failed(id, msg, msg.get_as<caf::error>(0), t);
        return;
      }
    }
  }
  send(id, c, t);
}

void route_impl::send(call_id id, call& c, time_point t) {
  c.where = phase::at_target;
  c.attempt_started = t;
  // The request id names the call's slot: `consume` finds the call from
  // the reply's id alone.
  auto rid = reply_ids_.next(detail::slot_map<call>::index_of(id));
  c.rid = rid.response_id();
  target_->enqueue(caf::make_mailbox_element(ctrl(), rid, {}, c.content),
                   context());
}

void route_impl::on_reply(call_id id, call& c, caf::message& reply,
                           time_point t) {
  auto outcome = call_outcome::success;
  caf::error err;
  if (reply.match_elements<caf::error>()) {
    err = reply.get_as<caf::error>(0);
    outcome = classify_error_reply(settings_.classify_error,
                                   settings_.is_failure, err);
  } else if (settings_.failure_on_result
             && settings_.failure_on_result(reply)) {
    outcome = call_outcome::failure;
  }
  record(c, outcome, t);
  observe(c, outcome == call_outcome::failure, t);
  // The permit comes back on every outcome; admitting or expiring waiters
  // touches other calls only.
  release_permit(c.pool, id, t);
  if (err) {
    failed(id, std::move(reply), err, t);
    return;
  }
  if (outcome == call_outcome::failure && settings_.retry) {
    // A value marked as a failure: retried as a failed attempt, and when no
    // retry is left the client gets this reply.
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    auto d = settings_.retry->decide_result(c.attempt, uniform(rng_));
    if (try_retry(id, c, d, t))
      return;
  }
  ++stats_.answered;
  finish(id, std::move(reply));
}

/// An attempt failed with `err` (the reply `reply`): retry or answer.
void route_impl::failed(call_id id, caf::message reply, const caf::error& err,
                         time_point t) {
  auto* cp = calls_.find(id);
  if (cp == nullptr)
    return;
  auto& c = *cp;
  if (settings_.retry) {
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    auto decision = settings_.retry->decide(c.attempt, err, uniform(rng_));
    if (decision && try_retry(id, c, *decision, t))
      return;
  }
  if (is(err, errc::breaker_open)) {
    ++stats_.rejected_open;
    report(route_event_kind::breaker_rejected, err, t);
  } else if (is(err, errc::bulkhead_full)) {
    ++stats_.rejected_full;
    report(route_event_kind::bulkhead_rejected, err, t);
  } else if (is(err, errc::bulkhead_timeout)) {
    ++stats_.rejected_wait;
    report(route_event_kind::bulkhead_timeout, err, t);
  } else {
    ++stats_.answered;
  }
  finish(id, std::move(reply));
}

bool route_impl::try_retry(call_id id, call& c, const retry_decision& d,
                           time_point t) {
  if (!d.retry())
    return false;
  if (settings_.timeout.count() > 0
      && t + d.delay >= c.started + settings_.timeout)
    return false;
  c.where = phase::backing_off;
  if (d.delay.count() == 0) {
    ++c.attempt;
    ++stats_.retries;
    attempt(id, t);
  } else {
    delayed_send(this, d.delay, route_retry_atom::value, id);
  }
  return true;
}

void route_impl::finish(call_id id, caf::message msg) {
  auto* c = calls_.find(id);
  if (c == nullptr)
    return;
  answer(*c, std::move(msg));
  calls_.erase(id);
}

void route_impl::release_permit(size_t pool, call_id id, time_point t) {
  if (!pools_.empty())
    apply_changes(pools_[pool].release(t, id), t);
}

void route_impl::apply_changes(const remedy::bulkhead_changes& changes,
                                time_point t) {
  reject_waiters(changes.expired, t);
  for (auto id : changes.admitted) {
    if (auto* c = calls_.find(id))
      send(id, *c, t);
  }
}

void route_impl::reject_waiters(const std::vector<bulkhead_ticket>& xs,
                                 time_point t) {
  for (auto id : xs) {
    auto* c = calls_.find(id);
    if (c == nullptr)
      continue;
    record(*c, call_outcome::ignored, t);
    auto msg = error_msg(errc::bulkhead_timeout,
                         "waited longer than the bulkhead's max wait");
    failed(id, msg, msg.get_as<caf::error>(0), t);
  }
}

void route_impl::record(call& c, call_outcome outcome, time_point t) {
  if (!breaker_)
    return;
  breaker_->record(t, c.permit, outcome, t - c.attempt_started);
  if (breaker_->has_events())
    publish_call_events();
  publish_transitions();
}

void route_impl::publish_call_events() {
  auto xs = breaker_->take_events();
  if (topics_ != nullptr && topics_->empty())
    return;
  auto state = breaker_->state();
  for (auto& x : xs) {
    // The per-call route events follow the breaker's event kinds in order.
    auto kind = static_cast<route_event_kind>(
      static_cast<uint8_t>(route_event_kind::call_succeeded)
      + static_cast<uint8_t>(x.kind));
    std::string reason;
    if (x.kind == breaker_event_kind::failure_rate_exceeded)
      reason = "failure rate " + format_number(x.rate);
    else if (x.kind == breaker_event_kind::slow_call_rate_exceeded)
      reason = "slow-call rate " + format_number(x.rate);
    else
      reason = "call took " + format_ms(x.duration);
    route_event ev{kind,  settings_.name,    state,
                   state, std::move(reason), x.at.time_since_epoch()};
    auto tp = topic(ev);
    publish(this, tp, caf::make_message(std::move(ev)));
  }
}

static_assert(static_cast<uint8_t>(route_event_kind::slow_call_rate_exceeded)
                  - static_cast<uint8_t>(route_event_kind::call_succeeded)
                == static_cast<uint8_t>(
                  breaker_event_kind::slow_call_rate_exceeded));

void route_impl::answer(call& c, caf::message msg) {
  if (c.client)
    c.client->enqueue(caf::make_mailbox_element(
                        ctrl(), c.client_mid.response_id(), {}, std::move(msg)),
                      context());
}

void route_impl::schedule_sweep() {
  if (sweep_pending_ || (deadlines_.empty() && !bulkhead_waiters()))
    return;
  sweep_pending_ = true;
  // Shared with the node's other routes and checks at that interval.
  send_on_tick(this, settings_.sweep_interval, route_sweep_atom::value);
}

void route_impl::sweep() {
  auto t = now();
  for (auto& p : pools_)
    reject_waiters(p.expire(t), t);
  while (!deadlines_.empty() && deadlines_.front().first <= t) {
    auto id = deadlines_.front().second;
    deadlines_.pop_front();
    auto* cp = calls_.find(id);
    if (cp == nullptr)
      continue; // answered already
    auto& c = *cp;
    auto held_permit = c.where == phase::at_target;
    switch (c.where) {
      case phase::at_target:
        c.rid = caf::message_id{}; // a late reply is dropped, not counted
        record(c, call_outcome::failure, t);
        observe(c, true, t);
        break;
      case phase::in_queue:
        pools_[c.pool].cancel(id);
        break;
      case phase::backing_off:
        break; // the retry timer finds no call
    }
    ++stats_.timeouts;
    auto msg = error_msg(errc::timeout, "no reply within the timeout");
    report(route_event_kind::timeout, msg.get_as<caf::error>(0), t);
    answer(c, msg);
    auto pool = c.pool;
    calls_.erase(id);
    // After the erase: the permit admits the next. Only an attempt at the
    // target holds one; a waiter was cancelled, a backing-off call has none.
    if (held_permit)
      release_permit(pool, id, t);
  }
  publish_transitions();
  schedule_sweep();
}

void route_impl::flush_metrics() {
  auto had_traffic = interval_.calls > 0 || !calls_.empty();
  if (topics_ == nullptr || !topics_->empty()) {
    auto t = now();
    auto at = t.time_since_epoch();
    auto& target = settings_.metrics_target.empty() ? settings_.name
                                                    : settings_.metrics_target;
    auto put = [&](const char* metric, double value) {
      publish_sample(this, sample{target, metric, value, at});
    };
    auto n = static_cast<double>(interval_.calls);
    put("calls", n);
    if (interval_.calls > 0) {
      put("latency_ms", ms_of(interval_.latency_sum) / n);
      put("latency_max_ms", ms_of(interval_.latency_max));
      put("error_rate", static_cast<double>(interval_.failures) / n);
    }
    put("in_flight", static_cast<double>(calls_.size()));
    caf::timespan oldest{0};
    calls_.for_each([&](call_id, call& c) {
      oldest = std::max(oldest, t - c.started);
    });
    put("oldest_ms", ms_of(oldest));
  }
  interval_ = {};
  // One more interval after the traffic stopped reports the zeros, then the
  // route stays quiet until its next request.
  if (had_traffic)
    schedule_flush();
}

void route_impl::schedule_tick() {
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

void route_impl::report(route_event_kind kind, const caf::error& err,
                         time_point t) {
  auto to_log = log_->should_log(spdlog::level::debug);
  auto to_bus = topics_ == nullptr || !topics_->empty();
  if (!to_log && !to_bus)
    return;
  auto state = breaker_ ? breaker_->state() : breaker_state::closed;
  route_event ev{kind,  settings_.name,  state,
                 state, context_of(err), t.time_since_epoch()};
  if (to_log)
    log_->debug("route '{}': {} ({})", settings_.name, to_string(kind),
                ev.reason);
  if (to_bus) {
    auto tp = topic(ev);
    publish(this, tp, caf::make_message(std::move(ev)));
  }
}

void route_impl::publish_transitions() {
  if (!breaker_ || !breaker_->has_transitions())
    return;
  for (auto& x : breaker_->take_transitions()) {
    route_event ev{route_event_kind::breaker_transition,
                   settings_.name,
                   x.from,
                   x.to,
                   x.reason,
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

caf::expected<caf::actor> spawn_route(caf::actor_system& sys, caf::actor target,
                                      route_settings settings) {
  if (!target)
    return make_error(errc::invalid_argument,
                      "route '" + settings.name + "': no target");
  if (auto err = settings.validate())
    return err;
  return sys.spawn<route_impl>(std::move(target), std::move(settings));
}

} // namespace remedy
