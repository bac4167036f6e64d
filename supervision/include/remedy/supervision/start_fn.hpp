#pragma once

#include <functional>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

namespace remedy {

/// How a supervisor starts (and restarts) a child: spawns it and returns its
/// handle, or an error that the supervisor reports as a failed start, or
/// `ignore_start()` to start nothing without failing (OTP's `ignore`).
/// `extra` holds the arguments of a dynamic `start_child` call for a
/// `simple_one_for_one` pool and is empty otherwise. Returning an invalid
/// handle is a failed start, not an ignore.
///
/// Build one with `remedy::start(fun, args...)` or
/// `remedy::pool_start<Extra...>(fun, args...)` (see start.hpp), which also
/// install Remedy's exception handler in the child.
using start_fn = std::function<caf::expected<caf::actor>(
  caf::actor_system& sys, const caf::message& extra)>;

/// The error category of `ignore_start()` (not a failure category: the
/// supervisor consumes it and never passes it on as an error).
constexpr caf::atom_value ignore_category = caf::atom("ignore");

/// What a start function returns to say "start nothing now", as OTP's
/// `ignore`: the supervisor carries on with no process for the child. It
/// keeps the spec (status `terminated`, its endpoint down, `restart_child`
/// tries again) unless the child is temporary or a pool child, which is
/// dropped. A start ignored at the supervisor's start, in `start_child`,
/// `restart_child` or an automatic restart is not a failure and does not
/// count in the restart intensity beyond the restart that called it.
///
///     [](caf::actor_system& sys, const caf::message&)
///       -> caf::expected<caf::actor> {
///       if (!feature_enabled())
///         return ignore_start();
///       return sys.spawn(feature);
///     }
caf::error ignore_start();

/// Whether `err` is the value of `ignore_start()`.
bool is_ignore_start(const caf::error& err);

} // namespace remedy
