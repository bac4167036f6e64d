#include "remedy/routing/guard.hpp"

#include <stdexcept>

#include <caf/atom.hpp>
#include <caf/sec.hpp>

#include "remedy/core/error.hpp"

namespace remedy {

// -- guard_settings -----------------------------------------------------------

caf::error guard_settings::validate() const {
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument, "guard '" + name + "': " + what);
  };
  if (name.empty())
    return make_error(errc::invalid_argument, "guard: empty name");
  if (is_failure && classify_error)
    return fail("set either is_failure or classify_error, not both");
  if (on_call_event && !breaker)
    return fail("on_call_event needs a breaker (the events report what it "
                "records)");
  if (breaker)
    if (auto err = breaker->validate())
      return fail(context_of(err));
  if (bulkhead) {
    if (auto err = bulkhead->validate())
      return fail(context_of(err));
    if (bulkhead->max_queue != 0)
      return fail("bulkhead.max_queue must be 0: a guard rejects at once "
                  "when all permits are taken (a route can queue)");
  }
  if (retry)
    if (auto err = retry->validate())
      return fail(context_of(err));
  return caf::none;
}

namespace detail {

// -- guard_core ---------------------------------------------------------------

guard_core::guard_core(guard_settings settings)
  : settings_(std::move(settings)), rng_(settings_.seed) {
  auto prefix = "guard '" + settings_.name + "': ";
  if (settings_.breaker) {
    breaker_.emplace(*settings_.breaker, settings_.seed);
    breaker_->record_events(static_cast<bool>(settings_.on_call_event));
  }
  if (settings_.bulkhead)
    bulkhead_.emplace(*settings_.bulkhead);
  open_error_ = make_error(errc::breaker_open,
                           prefix + "circuit breaker is open");
  full_error_ = make_error(errc::bulkhead_full,
                           prefix + "bulkhead '"
                             + (settings_.bulkhead ? settings_.bulkhead->name
                                                   : std::string{"-"})
                             + "' is full");
  timeout_error_ = make_error(errc::timeout,
                              prefix + "no reply within the timeout");
}

guard_token guard_core::enter(const guard_time_source& src, bool timed,
                              bool retry) {
  guard_token tok;
  tok.timed = timed;
  if (retry)
    ++stats_.retries;
  // Only the breaker needs time (open duration, slow calls, time-based
  // windows); a bulkhead without a queue never looks at it.
  if (breaker_) {
    // The clock is read only when the breaker can use the time: while a
    // timer of its can fire, or for slow-call durations. A closed breaker
    // with a count window and no slow-call rule takes any time.
    tok.start = breaker_->acquire_needs_time() || breaker_->times_calls()
                  ? now(src)
                  : time_;
    tok.permit = breaker_->acquire(tok.start);
    if (breaker_->has_transitions())
      drain_transitions();
    if (!tok.permit.granted) {
      tok.verdict = guard_verdict::breaker_open;
      ++stats_.rejected_open;
      return tok;
    }
  }
  if (bulkhead_) {
    auto ticket = ++next_ticket_;
    auto entry = bulkhead_->try_enter(tok.start, ticket);
    if (!entry || entry->decision != bulkhead_decision::admitted) {
      // A guard has nowhere to park a request: a waiter (after a `resize`
      // that added a queue) is withdrawn at once.
      if (entry && entry->decision == bulkhead_decision::queued)
        bulkhead_->cancel(ticket);
      // Anything but admitted is a rejection. The breaker's permit is given
      // back as ignored: a full pool says nothing about the target (and
      // frees a half-open probe slot).
      if (breaker_) {
        breaker_->record(tok.start, tok.permit, call_outcome::ignored,
                         caf::timespan{0});
        if (breaker_->has_events())
          drain_events();
      }
      tok.verdict = guard_verdict::bulkhead_full;
      ++stats_.rejected_full;
      return tok;
    }
    tok.ticket = ticket;
  }
  ++stats_.attempts;
  ++stats_.in_flight;
  return tok;
}

void guard_core::finish(const guard_time_source& src, const guard_token& tok,
                        call_outcome outcome) {
  --stats_.in_flight;
  caf::actor_clock::time_point t{};
  if (breaker_) {
    t = breaker_->record_needs_time(outcome) ? now(src) : time_;
    breaker_->record(t, tok.permit, outcome, t - tok.start);
    if (breaker_->has_events())
      drain_events();
    if (breaker_->has_transitions())
      drain_transitions();
  }
  if (bulkhead_)
    bulkhead_->release(t, tok.ticket);
}

void guard_core::succeeded(const guard_time_source& src,
                           const guard_token& tok) {
  finish(src, tok, call_outcome::success);
}

void guard_core::failed(const guard_time_source& src, const guard_token& tok,
                        caf::error& err) {
  auto outcome = call_outcome::failure;
  // Compared by category and code: `err == sec::request_timeout` would
  // build an error to compare with.
  if (tok.timed && err.category() == caf::atom("system")
      && err.code() == static_cast<uint8_t>(caf::sec::request_timeout)) {
    ++stats_.timeouts;
    err = timeout_error_;
  } else {
    outcome = classify_error_reply(settings_.classify_error,
                                   settings_.is_failure, err);
  }
  finish(src, tok, outcome);
}

bool guard_core::result_failed(const guard_time_source& src,
                               const guard_token& tok,
                               const caf::message& msg) {
  auto failed = settings_.failure_on_result(msg);
  finish(src, tok, failed ? call_outcome::failure : call_outcome::success);
  return failed;
}

retry_decision guard_core::decide_result(uint32_t attempt) {
  return settings_.retry->decide_result(attempt, jitter_sample());
}

caf::error guard_core::rejection(const guard_token& tok) const {
  return tok.verdict == guard_verdict::breaker_open ? open_error_ : full_error_;
}

double guard_core::jitter_sample() {
  if (settings_.retry->jitter() <= 0.0)
    return 0.0;
  return std::uniform_real_distribution<double>{0.0, 1.0}(rng_);
}

retry_decision guard_core::decide(uint32_t attempt, const caf::error& err) {
  auto d = settings_.retry->decide(attempt, err, jitter_sample());
  return d ? *d : retry_decision{};
}

void guard_core::drain_events() {
  for (auto& x : breaker_->take_events())
    settings_.on_call_event(x);
}

void guard_core::drain_transitions() {
  auto xs = breaker_->take_transitions();
  if (settings_.on_transition)
    for (auto& x : xs)
      settings_.on_transition(x);
}

} // namespace detail

// -- guard --------------------------------------------------------------------

guard::guard() : guard(guard_settings{}) {
}

guard::guard(guard_settings settings) {
  if (auto err = settings.validate())
    throw std::invalid_argument(render(err));
  core_ = std::make_unique<detail::guard_core>(std::move(settings));
}

guard::guard(std::unique_ptr<detail::guard_core> core)
  : core_(std::move(core)) {
}

guard::~guard() = default;

caf::expected<guard> guard::make(guard_settings settings) {
  if (auto err = settings.validate())
    return err;
  return guard{std::make_unique<detail::guard_core>(std::move(settings))};
}

breaker_state guard::state() const {
  auto* b = breaker();
  return b ? b->state() : breaker_state::closed;
}

guard_stats guard::stats() const {
  return core_->stats();
}

circuit_breaker* guard::breaker() {
  auto& x = core_->breaker();
  return x ? &*x : nullptr;
}

const circuit_breaker* guard::breaker() const {
  return const_cast<guard*>(this)->breaker();
}

bulkhead* guard::pool() {
  auto& x = core_->pool();
  return x ? &*x : nullptr;
}

const bulkhead* guard::pool() const {
  return const_cast<guard*>(this)->pool();
}

const guard_settings& guard::settings() const {
  return core_->settings();
}

} // namespace remedy
