#include "remedy/healing/healing_settings.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"

namespace remedy {

const std::vector<std::string>& healing_settings::ladder(fault_class cls) const {
  auto i = ladders.find(cls);
  return i != ladders.end() ? i->second : default_ladder;
}

caf::error healing_settings::validate(const std::vector<std::string>& known) const {
  auto fail = [this](const std::string& what) {
    return make_error(errc::invalid_argument,
                      "healing '" + name + "': " + what);
  };
  if (name.empty())
    return make_error(errc::invalid_argument, "healing: empty name");
  auto positive = [](caf::timespan x) { return x.count() > 0; };
  if (!positive(verify_window))
    return fail("verify_window must be positive");
  if (relapse_window.count() < 0)
    return fail("relapse_window must not be negative");
  if (cooldown.count() < 0)
    return fail("cooldown must not be negative");
  if (!positive(strategy_timeout))
    return fail("strategy_timeout must be positive");
  if (!positive(check_interval) || check_interval > std::chrono::seconds(1))
    return fail("check_interval must be in (0, 1s]");
  if (max_concurrent == 0)
    return fail("max_concurrent must be positive");
  if (!(max_disruption > 0.0 && max_disruption <= 1.0))
    return fail("max_disruption must be in (0, 1], got "
                + format_number(max_disruption));
  if (!(prior_weight >= 0.0) || std::isinf(prior_weight))
    return fail("prior_weight must be finite and >= 0, got "
                + format_number(prior_weight));
  if (policy != healing_policy::learned
      && policy != healing_policy::first_applicable)
    return fail("policy: not a valid policy");
  std::set<std::string> names(known.begin(), known.end());
  auto check = [&](const std::string& where,
                   const std::vector<std::string>& xs) -> caf::error {
    std::set<std::string> seen;
    for (auto& x : xs) {
      if (names.count(x) == 0)
        return fail(where + ": unknown strategy '" + x + "'");
      if (!seen.insert(x).second)
        return fail(where + ": strategy '" + x + "' appears twice");
    }
    return caf::none;
  };
  if (auto err = check("default_ladder", default_ladder))
    return err;
  for (auto& [cls, xs] : ladders) {
    auto where = std::string{"ladder of "} + to_string(cls);
    if (xs.empty())
      return fail(where + ": empty (leave the class out to use the default)");
    if (auto err = check(where, xs))
      return err;
  }
  return caf::none;
}

} // namespace remedy
