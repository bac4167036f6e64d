#pragma once

// Shared checks for settings values: every `validate()` in Remedy must
// reject a bad field with errc::invalid_argument and a message that names
// the settings, the field and the offending value.

#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <vector>

#include "remedy/core/error.hpp"

namespace remedy::test {

const double qnan = std::numeric_limits<double>::quiet_NaN();
const double pos_inf = std::numeric_limits<double>::infinity();
const double neg_inf = -std::numeric_limits<double>::infinity();

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Settings that must fail validation because of `field`, whose value the
/// error must quote as `value` (not checked if empty).
template <class Settings>
struct bad_setting {
  std::string field;
  std::string value;
  Settings settings;
};

/// Checks that each case fails validation with an error that starts with
/// `prefix` (e.g. "ewma estimator 'latency': ") and names its field and
/// value.
template <class Settings>
void check_rejected(const std::vector<bad_setting<Settings>>& cases,
                    const std::string& prefix) {
  for (size_t i = 0; i < cases.size(); ++i) {
    auto& c = cases[i];
    CAPTURE(i, c.field);
    auto err = c.settings.validate();
    REQUIRE(err);
    CHECK(is(err, errc::invalid_argument));
    auto text = context_of(err);
    CAPTURE(text);
    CHECK(contains(text, prefix));
    CHECK(contains(text, c.field));
    if (!c.value.empty())
      CHECK(contains(text, "got " + c.value));
  }
}

} // namespace remedy::test
