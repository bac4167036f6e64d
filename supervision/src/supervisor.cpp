// The supervisor's entry point (validate, spawn_supervisor), its behavior
// (the dynamic API and timers), the down handler that dispatches a child's
// exit, and the job dispatch: work that arrives while a job (stopping or
// starting children) runs waits until it is done.

#include "remedy/supervision/supervisor.hpp"

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "remedy/core/detail/topic_registry.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/endpoint.hpp"
#include "remedy/supervision/restart_intensity.hpp"
#include "remedy/supervision/type_ids.hpp"

#include "supervisor_state.hpp"

namespace remedy::detail {

// -- jobs --------------------------------------------------------------------

void finish_job(supervisor_impl* self) {
  auto& st = self->state;
  st.busy = false;
  compact(st);
  run_deferred(self);
}

void run_deferred(supervisor_impl* self) {
  auto& st = self->state;
  while (!st.busy && !st.deferred.empty()) {
    auto f = std::move(st.deferred.front());
    st.deferred.pop_front();
    f();
  }
}

namespace {

/// Runs `f` now, or after the job in progress.
void when_idle(supervisor_impl* self, std::function<void()> f) {
  auto& st = self->state;
  if (st.busy)
    st.deferred.push_back(std::move(f));
  else
    f();
}

// -- message handlers ------------------------------------------------------

void on_down(supervisor_impl* self, caf::down_msg& msg) {
  auto& st = self->state;
  auto i = st.by_addr.find(msg.source);
  if (i == st.by_addr.end())
    return; // an incarnation we already forgot
  auto pos = i->second;
  auto& rec = st.children[pos];
  if (rec.stop_sent) {
    on_stopped(self, rec, msg.reason);
    return;
  }
  if (pos == st.awaiting && !st.shutting_down) {
    // A child supervisor died before reporting its start.
    st.awaiting = npos;
    on_start_failure(self, pos,
                     make_error(errc::start_failed,
                                "child '" + rec.id
                                  + "' exited during its start: "
                                  + render(msg.reason)));
    return;
  }
  if (st.shutting_down) {
    // Exited by itself while the supervisor stops: report, do not restart.
    emit(self, kind::child_exited, &rec, msg.reason);
    forget_incarnation(st, rec);
    return;
  }
  if (!st.busy) {
    handle_exit(self, pos, std::move(msg.reason));
    return;
  }
  // Busy: a child that was queued to be stopped is simply gone; any other
  // exit is handled after the job, unless the job replaced the incarnation.
  bool queued = rec.stop_queued;
  auto addr = msg.source;
  if (queued) {
    // Exited by itself just before its turn to be stopped.
    emit(self, kind::child_exited, &rec, msg.reason);
    forget_incarnation(st, rec);
    return;
  }
  // Look the child up again when running: positions move on compaction.
  st.deferred.push_back([self, addr, reason = std::move(msg.reason)] {
    auto& st = self->state;
    auto i = st.by_addr.find(addr);
    if (st.shutting_down || i == st.by_addr.end())
      return;
    handle_exit(self, i->second, reason);
  });
}

caf::error reject_if_shutting_down(supervisor_state& st) {
  if (st.shutting_down)
    return make_error(errc::shutting_down,
                      "supervisor '" + st.flags.name + "' is shutting down");
  return caf::none;
}

caf::error unknown(supervisor_state& st, const std::string& id) {
  return make_error(errc::unknown_child, "supervisor '" + st.flags.name
                                           + "': no child '" + id + "'");
}

caf::error in_state(supervisor_state& st, errc code, const std::string& id) {
  return make_error(code, "supervisor '" + st.flags.name + "': child '" + id
                            + "' is " + to_string(code));
}

/// Finds the stopped (terminated) child `id` for `op` (restart_child or
/// delete_child), or answers `rp` with the reason it cannot and returns null.
child_record* stopped_child(supervisor_impl* self, caf::response_promise& rp,
                            const std::string& id, const char* op) {
  auto& st = self->state;
  caf::error err;
  child_record* rec = nullptr;
  if ((err = reject_if_shutting_down(st))) {
    // answered below
  } else if (st.pool_template) {
    err = make_error(errc::not_supported, "supervisor '" + st.flags.name
                                            + "': " + op
                                            + " is not supported by "
                                              "simple_one_for_one");
  } else if ((rec = find(st, id)) == nullptr) {
    err = unknown(st, id);
  } else if (rec->status == child_status::running) {
    err = in_state(st, errc::running, id);
  } else if (rec->status == child_status::restarting) {
    err = in_state(st, errc::restarting, id);
  }
  if (err) {
    rp.deliver(std::move(err));
    return nullptr;
  }
  return rec;
}

caf::actor endpoint_for(supervisor_impl* self, child_record& rec) {
  if (!rec.endpoint) {
    rec.endpoint = spawn_endpoint(self->home_system(), rec.id,
                                  rec.spec->stash);
    self->send(rec.endpoint, endpoint_owner_atom::value,
               caf::actor_cast<caf::actor>(self));
    if (rec.current)
      self->send(rec.endpoint, endpoint_update_atom::value, rec.current);
    else if (rec.status == child_status::terminated)
      self->send(rec.endpoint, endpoint_down_atom::value,
                 caf::error{caf::exit_reason::user_shutdown});
  }
  return rec.endpoint;
}

/// Stops `rec` if it runs, then leaves it stopped (`settle_stopped`) and
/// answers `rp`. A child waiting to restart is taken out of its restart; if
/// its own failure caused that restart, the restart is cancelled, and the
/// siblings waiting in it stay without a process too, as in OTP.
void terminate(supervisor_impl* self, caf::response_promise rp,
               child_record& rec) {
  auto& st = self->state;
  auto pos = position(st, rec);
  auto done = [self, rp, pos]() mutable {
    auto& st = self->state;
    auto& rec = st.children[pos];
    caf::error reason = caf::exit_reason::user_shutdown;
    if (rec.status == child_status::restarting && rec.cause == rec.id)
      for (auto& other : st.children)
        if (&other != &rec && !other.deleted
            && other.status == child_status::restarting
            && other.group == rec.group)
          settle_stopped(self, other, reason);
    settle_stopped(self, rec, reason);
    rp.deliver(caf::unit);
  };
  if (rec.current)
    stop_children(self, {pos}, "api", std::move(done));
  else
    done();
}

/// Finds a pool child by its current incarnation, or by its last one while
/// it waits to restart.
child_record* find_by_actor(supervisor_state& st, const caf::actor& who) {
  if (!who)
    return nullptr;
  auto addr = who.address();
  if (auto i = st.by_addr.find(addr); i != st.by_addr.end())
    return &st.children[i->second];
  for (auto& rec : st.children)
    if (!rec.deleted && !rec.current && rec.last == addr)
      return &rec;
  return nullptr;
}

caf::behavior supervisor_fun(supervisor_impl* self, supervisor_flags flags,
                             std::vector<child_spec> specs) {
  auto& st = self->state;
  st.flags = std::move(flags);
  st.intensity = restart_intensity{st.flags.intensity, st.flags.period};
  st.log = logger("remedy.supervisor");
  st.topics = detail::topics_of(self->home_system());
  st.rng.seed(st.flags.seed != 0 ? st.flags.seed : std::random_device{}());
  if (st.flags.strategy == strategy::simple_one_for_one) {
    st.pool_template = std::make_shared<const child_spec>(std::move(specs[0]));
    st.started = true;
  } else {
    st.children.reserve(specs.size());
    auto group = st.next_group++;
    for (auto& spec : specs) {
      auto id = spec.id;
      auto& rec = append(st,
                         std::make_shared<const child_spec>(std::move(spec)),
                         std::move(id), caf::message{});
      rec.status = child_status::restarting;
      rec.group = group;
    }
    start_group(self, group, true);
  }
  self->set_down_handler(
    [self](caf::scheduled_actor*, caf::down_msg& msg) { on_down(self, msg); });
  self->set_exit_handler([self](caf::scheduled_actor*, caf::exit_msg& msg) {
    // No links to children: every exit message is a stop request.
    if (msg.reason == caf::exit_reason::normal || self->state.shutting_down)
      return;
    begin_shutdown(self, std::move(msg.reason));
  });
  self->set_default_handler(
    [](caf::scheduled_actor* ptr,
       caf::message_view& x) -> caf::result<caf::message> {
      auto self = static_cast<supervisor_impl*>(ptr);
      auto msg = x.copy_content_to_message();
      auto text = caf::to_string(msg);
      self->state.log->warn("supervisor '{}': unexpected message {}",
                            self->state.flags.name, text);
      return make_error(errc::unexpected_message,
                        "supervisor '" + self->state.flags.name
                          + "' does not understand " + text);
    });
  return {
    [self](continue_atom, uint64_t group) {
      auto& st = self->state;
      if (st.busy && st.start_group == group && !st.shutting_down)
        start_next(self);
    },
    [self](restart_timer_atom, uint64_t group) {
      when_idle(self, [self, group] {
        auto& st = self->state;
        if (!st.shutting_down)
          start_group(self, group, false);
      });
    },
    [self](stop_timer_atom) { on_stop_timer(self); },
    [self](start_child_atom, child_spec& spec) -> caf::result<child_info> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, spec = std::move(spec)]() mutable {
        auto& st = self->state;
        if (auto err = reject_if_shutting_down(st))
          return rp.deliver(err);
        if (st.flags.strategy == strategy::simple_one_for_one)
          return rp.deliver(make_error(
            errc::not_supported, "supervisor '" + st.flags.name
                                   + "' is a simple_one_for_one pool: "
                                     "start_child takes the arguments"));
        if (auto err = spec.validate())
          return rp.deliver(err);
        if (spec.significant && st.flags.auto_shutdown == auto_shutdown::never)
          return rp.deliver(make_error(
            errc::invalid_argument,
            "child spec '" + spec.id
              + "': significant needs auto_shutdown other than never"));
        if (auto rec = find(st, spec.id))
          return rp.deliver(in_state(st,
                                     rec->status == child_status::running
                                       ? errc::already_started
                                       : errc::already_present,
                                     spec.id));
        auto id = spec.id;
        start_new(self, rp,
                  std::make_shared<const child_spec>(std::move(spec)),
                  std::move(id), caf::message{});
      });
      return rp;
    },
    [self](start_child_atom, caf::message& args) -> caf::result<child_info> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, args = std::move(args)]() mutable {
        auto& st = self->state;
        if (auto err = reject_if_shutting_down(st))
          return rp.deliver(err);
        if (!st.pool_template)
          return rp.deliver(make_error(
            errc::not_supported,
            "supervisor '" + st.flags.name
              + "' is not a simple_one_for_one pool: start_child takes a "
                "child_spec"));
        auto id = st.pool_template->id + "#"
                  + std::to_string(++st.pool_counter);
        start_new(self, rp, st.pool_template, std::move(id), std::move(args));
      });
      return rp;
    },
    [self](terminate_child_atom, std::string& id) -> caf::result<void> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, id = std::move(id)]() mutable {
        auto& st = self->state;
        if (auto err = reject_if_shutting_down(st))
          return rp.deliver(err);
        auto rec = find(st, id);
        if (rec == nullptr)
          return rp.deliver(unknown(st, id));
        terminate(self, rp, *rec);
      });
      return rp;
    },
    [self](terminate_child_atom, caf::actor& who) -> caf::result<void> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, who = std::move(who)]() mutable {
        auto& st = self->state;
        if (auto err = reject_if_shutting_down(st))
          return rp.deliver(err);
        if (!st.pool_template)
          return rp.deliver(make_error(
            errc::not_supported,
            "supervisor '" + st.flags.name
              + "' is not a simple_one_for_one pool: terminate_child takes "
                "the child's id"));
        auto rec = find_by_actor(st, who);
        if (rec == nullptr)
          return rp.deliver(make_error(
            errc::unknown_child, "supervisor '" + st.flags.name
                                   + "': no child with actor "
                                   + std::to_string(who ? who.id() : 0)));
        terminate(self, rp, *rec);
      });
      return rp;
    },
    [self](restart_child_atom, std::string& id) -> caf::result<child_info> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, id = std::move(id)]() mutable {
        auto rec = stopped_child(self, rp, id, "restart_child");
        if (rec == nullptr)
          return;
        if (auto err = launch(self, *rec)) {
          if (is_ignore_start(err)) {
            on_start_ignored(self, *rec);
            return rp.deliver(info_of(*rec));
          }
          rec->status = child_status::terminated;
          emit(self, kind::child_start_failed, rec, err);
          return rp.deliver(err);
        }
        emit(self, kind::child_started, rec);
        rp.deliver(info_of(*rec));
      });
      return rp;
    },
    [self](delete_child_atom, std::string& id) -> caf::result<void> {
      auto rp = self->make_response_promise();
      when_idle(self, [self, rp, id = std::move(id)]() mutable {
        auto rec = stopped_child(self, rp, id, "delete_child");
        if (rec == nullptr)
          return;
        remove_child(self, *rec, make_error(errc::target_down, "deleted"));
        compact(self->state);
        rp.deliver(caf::unit);
      });
      return rp;
    },
    [self](await_started_atom) -> caf::result<void> {
      auto& st = self->state;
      if (st.started)
        return caf::unit;
      if (st.start_error)
        return st.start_error;
      if (st.shutting_down)
        return make_error(errc::shutting_down,
                          "supervisor '" + st.flags.name + "' is stopping");
      auto rp = self->make_response_promise();
      st.start_waiters.push_back(rp);
      return rp;
    },
    [self](which_children_atom) {
      std::vector<child_info> result;
      for (auto& rec : self->state.children)
        if (!rec.deleted)
          result.push_back(info_of(rec));
      return result;
    },
    [self](count_children_atom) {
      auto& st = self->state;
      child_counts result;
      for (auto& rec : st.children) {
        if (rec.deleted)
          continue;
        ++result.specs;
        if (rec.current)
          ++result.active;
        if (rec.spec->type == child_type::supervisor)
          ++result.supervisors;
        else
          ++result.workers;
      }
      if (st.pool_template)
        result.specs = 1; // the template, once, as OTP counts a pool
      return result;
    },
    [self](get_endpoint_atom,
           const std::string& id) -> caf::result<caf::actor> {
      auto& st = self->state;
      auto rec = find(st, id);
      if (rec == nullptr)
        return unknown(st, id);
      return endpoint_for(self, *rec);
    },
    [self](get_childspec_atom,
           const std::string& id) -> caf::result<child_spec> {
      auto& st = self->state;
      auto rec = find(st, id);
      if (rec == nullptr)
        return unknown(st, id);
      return *rec->spec;
    },
  };
}

} // namespace

} // namespace remedy::detail

namespace remedy {

caf::error validate(const supervisor_flags& flags,
                    const std::vector<child_spec>& children) {
  if (auto err = flags.validate())
    return err;
  auto where = "supervisor '" + flags.name + "': ";
  if (flags.strategy == strategy::simple_one_for_one && children.size() != 1)
    return make_error(errc::invalid_argument,
                      where
                        + "simple_one_for_one needs exactly one child spec "
                          "(the template), got "
                        + std::to_string(children.size()));
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < children.size(); ++i) {
    auto& spec = children[i];
    if (auto err = spec.validate())
      return make_error(errc::invalid_argument,
                        where + "child #" + std::to_string(i + 1) + ": "
                          + context_of(err));
    auto [it, added] = seen.emplace(spec.id, i);
    if (!added)
      return make_error(errc::invalid_argument,
                        where + "duplicate child id '" + spec.id
                          + "' (children #" + std::to_string(it->second + 1)
                          + " and #" + std::to_string(i + 1) + ")");
    if (spec.significant && flags.auto_shutdown == auto_shutdown::never)
      return make_error(errc::invalid_argument,
                        where + "child '" + spec.id
                          + "' is significant, which needs auto_shutdown "
                            "any_significant or all_significant");
  }
  return caf::none;
}

caf::expected<caf::actor> spawn_supervisor(caf::actor_system& sys,
                                           supervisor_flags flags,
                                           std::vector<child_spec> children) {
  if (auto err = validate(flags, children))
    return err;
  return sys.spawn(detail::supervisor_fun, std::move(flags),
                   std::move(children));
}

} // namespace remedy
