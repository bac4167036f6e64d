#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

#include "remedy/core/error.hpp"

namespace remedy {

/// The receiving side of fencing tokens: a leader's commands carry its term
/// (the election's term, or the etcd lease's revision), and whoever carries
/// them out admits a command only if its term is not older than the newest
/// it has admitted. A deposed leader that still believes it leads (paused,
/// partitioned) is thus refused once its successor has been heard.
class term_fence {
public:
  /// Admits `term` (and remembers it if newer), or returns `stale_term`
  /// naming `what` and both terms.
  caf::error admit(uint64_t term, const std::string& what) {
    if (term < highest_)
      return make_error(errc::stale_term,
                        what + ": term " + std::to_string(term)
                          + " is older than term " + std::to_string(highest_)
                          + " already admitted");
    highest_ = term;
    return caf::error{};
  }

  /// The newest term admitted so far (0: none).
  uint64_t highest() const {
    return highest_;
  }

private:
  uint64_t highest_ = 0;
};

} // namespace remedy
