#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/timespan.hpp>

#include "remedy/supervision/auto_shutdown.hpp"
#include "remedy/supervision/backoff.hpp"
#include "remedy/supervision/strategy.hpp"

namespace remedy {

/// A supervisor's settings, as OTP's supervisor flags plus backoff. Defaults
/// are OTP's: one_for_one, at most 1 restart in 5 seconds, no backoff,
/// auto_shutdown never.
struct supervisor_flags {
  /// Names the supervisor in reports and events (e.g. "root/io").
  std::string name = "supervisor";
  /// Which children restart when one exits.
  remedy::strategy strategy = remedy::strategy::one_for_one;
  /// At most this many restarts...
  size_t intensity = 1;
  /// ...within this period, or the supervisor gives up and escalates.
  caf::timespan period = std::chrono::seconds(5);
  /// Delay before each restart. Default: none.
  remedy::backoff backoff;
  /// Shut down when significant children end.
  remedy::auto_shutdown auto_shutdown = remedy::auto_shutdown::never;
  /// Seeds the jitter of `backoff`; 0 picks a random seed.
  uint64_t seed = 0;

  /// Returns an error naming the supervisor and the bad field, or an empty
  /// error.
  caf::error validate() const;
};

} // namespace remedy
