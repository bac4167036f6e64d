#include "remedy/runtime/metrics_settings.hpp"

#include <cmath>

#include "remedy/core/error.hpp"

namespace remedy {

caf::error metrics_settings::validate() const {
  auto bad = [this](const std::string& what) {
    return make_error(errc::invalid_argument,
                      "metrics '" + name + "': " + what);
  };
  if (name.empty())
    return make_error(errc::invalid_argument, "metrics: empty name");
  if (tree_timeout <= caf::timespan{0})
    return bad("tree_timeout must be positive");
  if (max_depth == 0)
    return bad("max_depth must be at least 1");
  if (latency_buckets.empty())
    return bad("latency_buckets must not be empty");
  for (size_t i = 0; i < latency_buckets.size(); ++i)
    if (!std::isfinite(latency_buckets[i])
        || (i > 0 && !(latency_buckets[i] > latency_buckets[i - 1])))
      return bad("latency_buckets must be finite and strictly increasing");
  return caf::none;
}

} // namespace remedy
