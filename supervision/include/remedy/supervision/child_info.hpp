#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include "remedy/supervision/child_type.hpp"
#include "remedy/supervision/restart_type.hpp"

namespace remedy {

/// Where a child is in its life, as the supervisor sees it.
enum class child_status : uint8_t {
  /// Started and not known to have exited.
  running,
  /// Exited; a restart is scheduled (backoff) or under way.
  restarting,
  /// Not running; the spec is kept (after terminate_child, or a transient
  /// child's normal exit) until restart_child or delete_child.
  terminated,
};

/// Returns "running", "restarting" or "terminated".
const char* to_string(child_status x);

/// One row of `which_children`, and the reply to `start_child` and
/// `restart_child`.
struct child_info {
  std::string id;
  /// The current incarnation, invalid unless running.
  caf::actor current;
  /// The stable endpoint (invalid if none was made yet).
  caf::actor endpoint;
  child_type type = child_type::worker;
  restart_type restart = restart_type::permanent;
  child_status status = child_status::terminated;
  /// How often the supervisor restarted this child.
  uint64_t restarts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_info& x) {
  return f(caf::meta::type_name("remedy.child_info"), x.id, x.current,
           x.endpoint, x.type, x.restart, x.status, x.restarts);
}

/// The reply to `count_children`, as OTP's count_children.
struct child_counts {
  /// Child specs held (running or not); a simple_one_for_one pool holds one,
  /// its template, as OTP counts it.
  uint64_t specs = 0;
  /// Children running now.
  uint64_t active = 0;
  /// Children of type supervisor (running or not).
  uint64_t supervisors = 0;
  /// Children of type worker (running or not).
  uint64_t workers = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_counts& x) {
  return f(caf::meta::type_name("remedy.child_counts"), x.specs, x.active,
           x.supervisors, x.workers);
}

} // namespace remedy
