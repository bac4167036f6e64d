#include "remedy/runtime/etcd_lease.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"

namespace remedy {

namespace {

long long ms_of(caf::timespan x) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(x).count();
}

} // namespace

etcd_lease::etcd_lease(std::string name, lease_settings settings)
  : name_(std::move(name)),
    cfg_(std::move(settings)),
    client_(cfg_.endpoints, cfg_.call_timeout()),
    log_(logger("remedy.cluster")) {
}

void etcd_lease::arm() {
  auto timeout = cfg_.call_timeout();
  if (status_.held) {
    auto left = confirmed_until_ - clock::now();
    if (left <= caf::timespan{0})
      step_down("its etcd lease was not confirmed for "
                + std::to_string(ms_of(granted_ttl_)) + " ms (the TTL)");
    else
      timeout = std::min<caf::timespan>(timeout, left);
  }
  client_.timeout(timeout);
}

void etcd_lease::note(const caf::error& err) {
  if (!err) {
    if (last_error_)
      log_->info("{}: etcd reachable again ({})", name_,
                 to_string(client_.endpoint()));
    last_error_ = caf::error{};
    return;
  }
  if (!last_error_ || context_of(last_error_) != context_of(err))
    log_->warn("{}: etcd lease: {}", name_, context_of(err));
  last_error_ = err;
}

void etcd_lease::step_down(const std::string& why) {
  if (status_.held)
    log_->warn("{}: steps down as leader of term {}: {}", name_, status_.term,
               why);
  status_.held = false;
  if (status_.holder == name_)
    status_.holder.clear();
}

void etcd_lease::keep_alive() {
  if (lease_ != 0) {
    auto sent = clock::now();
    arm();
    auto ttl = client_.keep_alive(lease_);
    note(ttl ? caf::error{} : ttl.error());
    if (ttl && *ttl > caf::timespan{0}) {
      confirmed_until_ = sent + *ttl;
    } else if (ttl) {
      log_->warn("{}: etcd lease {:x} expired", name_, lease_);
      lease_ = 0;
      step_down("its etcd lease expired");
    }
  }
  if (lease_ == 0) {
    auto sent = clock::now();
    arm();
    auto g = client_.grant(cfg_.ttl);
    note(g ? caf::error{} : g.error());
    if (g) {
      lease_ = g->id;
      granted_ttl_ = g->ttl;
      confirmed_until_ = sent + g->ttl;
    }
  }
}

void etcd_lease::campaign() {
  arm();
  caf::expected<etcd_create_result> r{etcd_create_result{}};
  if (lease_ != 0) {
    r = client_.create_if_absent(cfg_.key, name_, lease_);
  } else {
    auto kv = client_.get(cfg_.key);
    if (kv)
      r = etcd_create_result{false, std::move(*kv)};
    else
      r = std::move(kv.error());
  }
  note(r ? caf::error{} : r.error());
  if (!r)
    return; // the holder as last read stands; held until the TTL ends
  auto was = status_;
  if (!r->kv) {
    step_down("the key " + cfg_.key + " is gone");
    status_.holder.clear();
  } else {
    auto& kv = *r->kv;
    status_.term = static_cast<uint64_t>(kv.create_revision);
    status_.held = lease_ != 0 && kv.lease == lease_ && kv.value == name_
                   && clock::now() < confirmed_until_;
    if (status_.held)
      status_.holder = name_;
    else if (kv.value == name_)
      status_.holder.clear(); // an old lease of ours: not leading
    else
      status_.holder = kv.value;
    if (was.held && !status_.held)
      log_->warn("{}: steps down as leader of term {}: the key names "
                 "another lease",
                 name_, was.term);
  }
  if (status_.held && !was.held)
    log_->info("{}: holds the etcd lease on {} (term {}, lease {:x}, TTL "
               "{} ms)",
               name_, cfg_.key, status_.term, lease_, ms_of(granted_ttl_));
}

const lease_status& etcd_lease::step() {
  last_step_ = clock::now();
  if (released_)
    return status_;
  arm(); // a holder whose TTL ran out while it was not stepped steps down
  keep_alive();
  campaign();
  arm();
  return status_;
}

caf::error etcd_lease::release() {
  released_ = true;
  caf::error result;
  client_.timeout(cfg_.call_timeout());
  if (lease_ != 0)
    result = client_.revoke(lease_);
  if (status_.held)
    log_->info("{}: gives up the etcd lease of term {}", name_, status_.term);
  lease_ = 0;
  status_.held = false;
  if (status_.holder == name_)
    status_.holder.clear();
  return result;
}

etcd_lease::clock::time_point etcd_lease::next_step() const {
  auto next = last_step_ + cfg_.period();
  if (status_.held && confirmed_until_ < next)
    next = confirmed_until_;
  return next;
}

// -- the actor ---------------------------------------------------------------

namespace {

using step_atom = caf::atom_constant<caf::atom("r_lsstep")>;

struct lease_actor_state {
  std::unique_ptr<etcd_lease> lease;
  caf::actor listener;
  lease_status reported;
  bool first = true;
  static inline const char* name = "remedy.etcd_lease";
};

using lease_actor = caf::stateful_actor<lease_actor_state>;

void report(lease_actor* self) {
  auto& st = self->state;
  auto& now = st.lease->status();
  if (!st.first && now == st.reported)
    return;
  st.first = false;
  st.reported = now;
  self->send(st.listener, lease_status_atom::value, now.term, now.holder,
             now.held);
}

void schedule(lease_actor* self) {
  auto wait = self->state.lease->next_step() - etcd_lease::clock::now();
  if (wait < caf::timespan{0})
    wait = caf::timespan{0};
  self->delayed_send(self, wait, step_atom::value);
}

caf::behavior etcd_lease_actor(lease_actor* self, std::string name,
                               lease_settings cfg, caf::actor listener) {
  auto& st = self->state;
  st.lease = std::make_unique<etcd_lease>(std::move(name), std::move(cfg));
  st.listener = listener;
  self->monitor(listener);
  self->set_down_handler([self](caf::down_msg&) {
    self->state.lease->release();
    self->quit();
  });
  self->send(self, step_atom::value);
  return {
    [self](step_atom) {
      self->state.lease->step();
      report(self);
      schedule(self);
    },
    [self](lease_release_atom) {
      self->state.lease->release();
      report(self);
      return caf::unit;
    },
  };
}

} // namespace

caf::actor spawn_etcd_lease(caf::actor_system& sys, std::string name,
                            lease_settings settings, caf::actor listener) {
  return sys.spawn<caf::detached>(etcd_lease_actor, std::move(name),
                                  std::move(settings), std::move(listener));
}

} // namespace remedy
