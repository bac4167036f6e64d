#pragma once

#include <string>
#include <vector>

#include <caf/message.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "remedy/core/client.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/child_spec.hpp"

/// The typed face of a supervisor: its interface and one function per
/// request (see remedy/core/client.hpp for the two call forms). `sup` may be
/// the supervisor itself or the endpoint of a subtree, which reaches the
/// subtree's current supervisor across its restarts.
///
/// | function        | reply                     | Remedy errors |
/// | --------------- | ------------------------- | ------------- |
/// | start_child     | child_info                | invalid_argument, already_started, already_present, not_supported, start_failed, shutting_down |
/// | terminate_child | (none)                    | unknown_child, not_supported (by actor, not a pool), shutting_down |
/// | restart_child   | child_info                | unknown_child, running, restarting, start_failed, shutting_down |
/// | delete_child    | (none)                    | unknown_child, running, restarting, not_supported, shutting_down |
/// | which_children  | std::vector<child_info>   | |
/// | count_children  | child_counts              | |
/// | get_endpoint    | caf::actor                | unknown_child |
/// | get_childspec   | child_spec                | unknown_child |
/// | await_started   | (none)                    | start_failed, shutting_down |
namespace remedy {

/// The requests a supervisor answers, and their replies.
using supervisor_actor = caf::typed_actor<
  caf::replies_to<start_child_atom, child_spec>::with<child_info>,
  caf::replies_to<start_child_atom, caf::message>::with<child_info>,
  caf::reacts_to<terminate_child_atom, std::string>,
  caf::reacts_to<terminate_child_atom, caf::actor>,
  caf::replies_to<restart_child_atom, std::string>::with<child_info>,
  caf::reacts_to<delete_child_atom, std::string>,
  caf::replies_to<which_children_atom>::with<std::vector<child_info>>,
  caf::replies_to<count_children_atom>::with<child_counts>,
  caf::replies_to<get_endpoint_atom, std::string>::with<caf::actor>,
  caf::replies_to<get_childspec_atom, std::string>::with<child_spec>,
  caf::reacts_to<await_started_atom>>;

namespace detail {

/// The one request of a start awaiter.
using start_awaiter_actor = caf::typed_actor<caf::reacts_to<await_started_atom>>;

/// Spawns a short-lived actor that asks `sup` for `await_started` (with
/// `timeout`) on behalf of whoever asks it, answers with that reply and
/// exits. It monitors `sup` first, so a supervisor that is gone already
/// (its initial start failed before the request arrived) is answered with
/// its exit reason, `errc::start_failed` and why, rather than CAF's
/// `request_receiver_down`.
start_awaiter_actor spawn_start_awaiter(caf::actor_system& sys,
                                        const caf::actor& sup,
                                        caf::timespan timeout);

} // namespace detail

// -- inside an actor: typed response handles ----------------------------------

/// Adds and starts a child from `spec` (not on a simple_one_for_one pool).
template <class Self>
auto start_child(Self* self, const caf::actor& sup, child_spec spec,
                 caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       start_child_atom::value, std::move(spec));
}

/// Starts a pool child (simple_one_for_one) with `args` appended to the
/// pool's start arguments.
template <class Self>
auto start_pool_child(Self* self, const caf::actor& sup, caf::message args,
                      caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       start_child_atom::value, std::move(args));
}

/// Stops the child `id` (a pool child by its generated id); its spec stays
/// unless the child is temporary.
template <class Self>
auto terminate_child(Self* self, const caf::actor& sup, std::string id,
                     caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       terminate_child_atom::value, std::move(id));
}

/// Stops the pool child whose incarnation is `child` (simple_one_for_one
/// only; a child waiting to restart is found by its last incarnation) and
/// deletes it, as OTP's terminate_child with a pid.
template <class Self>
auto terminate_child(Self* self, const caf::actor& sup, caf::actor child,
                     caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       terminate_child_atom::value, std::move(child));
}

/// Starts the terminated child `id` again from its spec.
template <class Self>
auto restart_child(Self* self, const caf::actor& sup, std::string id,
                   caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       restart_child_atom::value, std::move(id));
}

/// Removes the spec of the terminated child `id`.
template <class Self>
auto delete_child(Self* self, const caf::actor& sup, std::string id,
                  caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       delete_child_atom::value, std::move(id));
}

/// Lists every child in start order.
template <class Self>
auto which_children(Self* self, const caf::actor& sup,
                    caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       which_children_atom::value);
}

/// Counts the children as OTP's count_children does.
template <class Self>
auto count_children(Self* self, const caf::actor& sup,
                    caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       count_children_atom::value);
}

/// Returns the stable endpoint of the child `id`.
template <class Self>
auto get_endpoint(Self* self, const caf::actor& sup, std::string id,
                  caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       get_endpoint_atom::value, std::move(id));
}

/// Returns the spec of the child `id` (a pool child's is the template).
template <class Self>
auto get_childspec(Self* self, const caf::actor& sup, std::string id,
                   caf::timespan timeout = default_timeout) {
  return self->request(caf::actor_cast<supervisor_actor>(sup), timeout,
                       get_childspec_atom::value, std::move(id));
}

/// Answers once the supervisor's initial start has finished, or with
/// `errc::start_failed` and why it failed, also when the supervisor is gone
/// already (through a start awaiter, see `detail::spawn_start_awaiter`).
template <class Self>
auto await_started(Self* self, const caf::actor& sup,
                   caf::timespan timeout = default_timeout) {
  return self->request(
    detail::spawn_start_awaiter(self->home_system(), sup, timeout), timeout,
    await_started_atom::value);
}

// -- blocking: caf::expected ------------------------------------------------

inline caf::expected<child_info>
start_child(caf::scoped_actor& self, const caf::actor& sup, child_spec spec,
            caf::timespan timeout = default_timeout) {
  return detail::ask<child_info, supervisor_actor>(
    self, sup, timeout, start_child_atom::value, std::move(spec));
}

inline caf::expected<child_info>
start_pool_child(caf::scoped_actor& self, const caf::actor& sup,
                 caf::message args, caf::timespan timeout = default_timeout) {
  return detail::ask<child_info, supervisor_actor>(
    self, sup, timeout, start_child_atom::value, std::move(args));
}

inline caf::expected<void>
terminate_child(caf::scoped_actor& self, const caf::actor& sup, std::string id,
                caf::timespan timeout = default_timeout) {
  return detail::ask<void, supervisor_actor>(
    self, sup, timeout, terminate_child_atom::value, std::move(id));
}

inline caf::expected<void>
terminate_child(caf::scoped_actor& self, const caf::actor& sup,
                caf::actor child, caf::timespan timeout = default_timeout) {
  return detail::ask<void, supervisor_actor>(
    self, sup, timeout, terminate_child_atom::value, std::move(child));
}

inline caf::expected<child_info>
restart_child(caf::scoped_actor& self, const caf::actor& sup, std::string id,
              caf::timespan timeout = default_timeout) {
  return detail::ask<child_info, supervisor_actor>(
    self, sup, timeout, restart_child_atom::value, std::move(id));
}

inline caf::expected<void>
delete_child(caf::scoped_actor& self, const caf::actor& sup, std::string id,
             caf::timespan timeout = default_timeout) {
  return detail::ask<void, supervisor_actor>(
    self, sup, timeout, delete_child_atom::value, std::move(id));
}

inline caf::expected<std::vector<child_info>>
which_children(caf::scoped_actor& self, const caf::actor& sup,
               caf::timespan timeout = default_timeout) {
  return detail::ask<std::vector<child_info>, supervisor_actor>(
    self, sup, timeout, which_children_atom::value);
}

inline caf::expected<child_counts>
count_children(caf::scoped_actor& self, const caf::actor& sup,
               caf::timespan timeout = default_timeout) {
  return detail::ask<child_counts, supervisor_actor>(
    self, sup, timeout, count_children_atom::value);
}

inline caf::expected<caf::actor>
get_endpoint(caf::scoped_actor& self, const caf::actor& sup, std::string id,
             caf::timespan timeout = default_timeout) {
  return detail::ask<caf::actor, supervisor_actor>(
    self, sup, timeout, get_endpoint_atom::value, std::move(id));
}

inline caf::expected<child_spec>
get_childspec(caf::scoped_actor& self, const caf::actor& sup, std::string id,
              caf::timespan timeout = default_timeout) {
  return detail::ask<child_spec, supervisor_actor>(
    self, sup, timeout, get_childspec_atom::value, std::move(id));
}

inline caf::expected<void>
await_started(caf::scoped_actor& self, const caf::actor& sup,
              caf::timespan timeout = default_timeout) {
  return detail::ask<void, detail::start_awaiter_actor>(
    self, detail::spawn_start_awaiter(self->home_system(), sup, timeout),
    timeout, await_started_atom::value);
}

} // namespace remedy
