#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/scheduled_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace remedy {

/// Installs Remedy's exception handler in `self`: an exception thrown by a
/// handler ends the actor with `errc::unhandled_exception` (its `what()` as
/// context) instead of CAF's default print to stderr, so the supervisor sees
/// a meaningful reason, restarts the child, and a pending request gets that
/// error.
void install_exception_handler(caf::scheduled_actor* self);

namespace detail {

template <class F>
using self_pointer_t = caf::detail::tl_head_t<
  typename caf::detail::get_callable_trait<F>::arg_types>;

/// Spawns the function-based actor `fun` with `xs`, installing Remedy's
/// exception handler first when `fun` runs in a scheduled actor.
template <class F, class... Ts>
caf::actor spawn_managed(caf::actor_system& sys, const F& fun,
                         const Ts&... xs) {
  using self_ptr = self_pointer_t<F>;
  if constexpr (std::is_pointer<self_ptr>::value
                && std::is_base_of<caf::scheduled_actor,
                                   std::remove_pointer_t<self_ptr>>::value) {
    auto init = [fun, xs...](self_ptr self) {
      install_exception_handler(self);
      return fun(self, xs...);
    };
    return caf::actor_cast<caf::actor>(sys.spawn(init));
  } else {
    return caf::actor_cast<caf::actor>(sys.spawn(fun, xs...));
  }
}

template <class... Extra, class F, size_t... Is, class... Ts>
caf::actor spawn_with_extra(caf::actor_system& sys, const F& fun,
                            std::index_sequence<Is...>,
                            const caf::message& extra, const Ts&... xs) {
  return spawn_managed(sys, fun, xs..., extra.get_as<Extra>(Is)...);
}

} // namespace detail

/// Returns a start function that spawns the function-based actor `fun` with
/// the fixed arguments `xs`, as `sys.spawn(fun, xs...)` would, with Remedy's
/// exception handler installed.
///
///     child_spec::worker("db", start(db_actor, "localhost", 5432))
template <class F, class... Ts>
start_fn start(F fun, Ts... xs) {
  return [fun, xs...](caf::actor_system& sys,
                      const caf::message&) -> caf::expected<caf::actor> {
    return detail::spawn_managed(sys, fun, xs...);
  };
}

/// Returns a start function for a `simple_one_for_one` pool: each
/// `start_child` call's arguments (of types `Extra...`) are appended to the
/// fixed arguments `xs`. A call with other arguments fails with
/// `errc::invalid_argument` and starts nothing.
///
///     pool_start<std::string>(connection, timeout)  // connection(self, timeout, peer)
template <class... Extra, class F, class... Ts>
start_fn pool_start(F fun, Ts... xs) {
  return [fun, xs...](caf::actor_system& sys,
                      const caf::message& extra) -> caf::expected<caf::actor> {
    if (!extra.match_elements<Extra...>())
      return make_error(errc::invalid_argument,
                        "pool start: start_child arguments "
                          + caf::to_string(extra)
                          + " do not match the pool's argument types");
    return detail::spawn_with_extra<Extra...>(
      sys, fun, std::index_sequence_for<Extra...>{}, extra, xs...);
  };
}

/// Returns a start function that calls `spawn(sys, x)` on each start: for
/// actors made by a spawn function that validates its argument and may fail,
/// such as Remedy's classifier, health view and detectors.
///
///     child_spec::worker("health", start_spawn(spawn_health_view, settings))
template <class Spawn, class T>
start_fn start_spawn(Spawn spawn, T x) {
  return [spawn, x](caf::actor_system& sys,
                    const caf::message&) -> caf::expected<caf::actor> {
    return spawn(sys, x);
  };
}

} // namespace remedy
