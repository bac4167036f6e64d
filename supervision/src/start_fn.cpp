#include "remedy/supervision/start_fn.hpp"

#include <string>

#include <caf/make_message.hpp>

namespace remedy {

namespace {

constexpr uint8_t ignore_code = 1;

} // namespace

caf::error ignore_start() {
  return {ignore_code, ignore_category,
          caf::make_message(std::string{"start ignored"})};
}

bool is_ignore_start(const caf::error& err) {
  // CAF 0.17's error::category() dereferences null on an empty error.
  return err && err.category() == ignore_category
         && err.code() == ignore_code;
}

} // namespace remedy
