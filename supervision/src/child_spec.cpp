#include "remedy/supervision/child_spec.hpp"

#include <exception>

#include <caf/actor_system.hpp>

#include "remedy/core/error.hpp"

namespace remedy {

child_spec child_spec::worker(std::string id, start_fn fun) {
  child_spec result;
  result.id = std::move(id);
  result.start = std::move(fun);
  return result;
}

child_spec child_spec::supervisor(std::string id, start_fn fun) {
  auto result = worker(std::move(id), std::move(fun));
  result.type = child_type::supervisor;
  return result;
}

child_spec child_spec::named(std::string id, std::string type,
                             caf::message args) {
  child_spec result;
  result.id = std::move(id);
  result.actor_type = std::move(type);
  result.args = std::move(args);
  return result;
}

caf::error child_spec::validate() const {
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument,
                      "child spec '" + id + "': " + what);
  };
  if (id.empty())
    return make_error(errc::invalid_argument, "child spec: id is empty");
  if (id.find('/') != std::string::npos)
    return fail("id must not contain '/'");
  if (!start && actor_type.empty())
    return fail("no start: set a start function or an actor type name");
  if (static_cast<uint8_t>(restart)
      > static_cast<uint8_t>(restart_type::temporary))
    return fail("restart: not a valid restart type");
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(child_type::supervisor))
    return fail("type: not a valid child type");
  if (static_cast<uint8_t>(shutdown.mode)
      > static_cast<uint8_t>(shutdown_spec::kind::infinity))
    return fail("shutdown: not a valid shutdown mode");
  if (shutdown.mode == shutdown_spec::kind::timeout
      && shutdown.grace.count() <= 0)
    return fail("shutdown: timeout must be positive (use brutal_kill for 0)");
  if (significant && restart == restart_type::permanent)
    return fail("significant: a permanent child cannot be significant");
  if (auto err = stash.validate())
    return fail(context_of(err));
  return caf::none;
}

caf::expected<caf::actor> child_spec::launch(caf::actor_system& sys,
                                             const caf::message& extra) const {
  try {
    if (start) {
      auto result = start(sys, extra);
      if (!result) {
        // Remedy's own codes pass (pool_start's invalid_argument, a start
        // that already says start_failed), and so does ignore_start(); any
        // other error is start_failed.
        if (result.error().category() == error_category
            || is_ignore_start(result.error()))
          return result;
        return make_error(errc::start_failed,
                          "child '" + id + "': " + render(result.error()));
      }
      if (!*result)
        return make_error(errc::start_failed,
                          "child '" + id + "': start returned no actor");
      return result;
    }
    if (actor_type.empty())
      return make_error(errc::start_failed,
                        "child '" + id
                          + "': no start function (local start functions "
                            "do not cross nodes; use an actor type name)");
    auto all_args = extra.empty() ? args : args + extra;
    auto result = sys.spawn<caf::actor>(actor_type, std::move(all_args));
    if (!result)
      return make_error(errc::start_failed,
                        "child '" + id + "': cannot spawn actor type '"
                          + actor_type + "': " + sys.render(result.error()));
    return result;
  } catch (std::exception& e) {
    return make_error(errc::start_failed,
                      "child '" + id + "': start threw: " + e.what());
  } catch (...) {
    return make_error(errc::start_failed,
                      "child '" + id + "': start threw a non-exception");
  }
}

} // namespace remedy
