#pragma once

#include <chrono>
#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/error.hpp>
#include <caf/check_typed_input.hpp>
#include <caf/response_type.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

/// What every typed client function of Remedy shares.
///
/// Each actor role (supervisor, endpoint, route, detector, classifier,
/// health view) has a typed face: a `caf::typed_actor` interface that names
/// its requests and replies, and one named function per request, in two
/// forms:
///
/// - inside an actor, `f(self, handle, args...)` returns CAF's typed
///   response handle, so the compiler checks the reply handler:
///   `which_children(self, sup).then([](std::vector<child_info>& xs) {...})`;
/// - blocking, `f(scoped, handle, args...)` with a `caf::scoped_actor` waits
///   and returns `caf::expected<reply>`.
///
/// Every request may also fail with CAF's `sec::request_timeout` (no answer
/// within the timeout, `default_timeout` unless given) and
/// `sec::request_receiver_down` (the receiver is gone); each function lists
/// the Remedy errors (`remedy::errc`) it can return besides these. Atoms are
/// the wire format behind these functions, not the API.
namespace remedy {

/// The timeout of a typed request when the caller gives none.
constexpr caf::timespan default_timeout = std::chrono::seconds{5};

/// Whether the typed interface `Interface` accepts a request made of `Ts`,
/// e.g. `accepts<supervisor_actor, which_children_atom>`.
template <class Interface, class... Ts>
constexpr bool accepts = caf::response_type_unbox<
  caf::signatures_of_t<Interface>, caf::detail::type_list<Ts...>>::valid;

namespace detail {

/// Sends a request to `dest` through the typed interface `Interface` and
/// waits for the reply, as `caf::expected<T>`.
template <class T, class Interface, class Handle, class... Ts>
caf::expected<T> ask(caf::scoped_actor& self, const Handle& dest,
                     caf::timespan timeout, Ts&&... xs) {
  caf::expected<T> result{caf::make_error(caf::sec::bad_function_call)};
  auto handle = self->request(caf::actor_cast<Interface>(dest), timeout,
                              std::forward<Ts>(xs)...);
  if constexpr (std::is_void<T>::value)
    handle.receive([&] { result = caf::unit; },
                   [&](caf::error& err) { result = std::move(err); });
  else
    handle.receive([&](T& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
  return result;
}

} // namespace detail

} // namespace remedy
