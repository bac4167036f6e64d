#pragma once

#include <functional>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

namespace remedy {

/// How a supervisor starts (and restarts) a child: spawns it and returns its
/// handle, or an error that the supervisor reports as a failed start.
/// `extra` holds the arguments of a dynamic `start_child` call for a
/// `simple_one_for_one` pool and is empty otherwise.
///
/// Build one with `remedy::start(fun, args...)` or
/// `remedy::pool_start<Extra...>(fun, args...)` (see start.hpp), which also
/// install Remedy's exception handler in the child.
using start_fn = std::function<caf::expected<caf::actor>(
  caf::actor_system& sys, const caf::message& extra)>;

} // namespace remedy
