#include "remedy/supervision/stash_policy.hpp"

#include "remedy/core/error.hpp"

namespace remedy {

const char* to_string(overflow_policy x) {
  return x == overflow_policy::reject_new ? "reject_new" : "drop_oldest";
}

caf::error stash_policy::validate() const {
  if (overflow != overflow_policy::reject_new
      && overflow != overflow_policy::drop_oldest)
    return make_error(errc::invalid_argument,
                      "stash.overflow: not a valid overflow policy");
  if (max_wait.count() <= 0)
    return make_error(errc::invalid_argument,
                      "stash.max_wait: must be positive");
  // A capacity of 0 is allowed: nothing is held, every message that arrives
  // during a restart is refused (reject_new) at once.
  return caf::none;
}

} // namespace remedy
