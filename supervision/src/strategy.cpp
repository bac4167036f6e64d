#include "remedy/supervision/strategy.hpp"

namespace remedy {

const char* to_string(strategy x) {
  switch (x) {
    case strategy::one_for_one:
      return "one_for_one";
    case strategy::one_for_all:
      return "one_for_all";
    case strategy::rest_for_one:
      return "rest_for_one";
    case strategy::simple_one_for_one:
      return "simple_one_for_one";
  }
  return "<invalid strategy>";
}

std::vector<size_t> restart_set(strategy s, size_t failed, size_t count) {
  std::vector<size_t> result;
  if (failed >= count)
    return result;
  size_t first = failed;
  size_t last = failed + 1;
  if (s == strategy::one_for_all) {
    first = 0;
    last = count;
  } else if (s == strategy::rest_for_one) {
    last = count;
  }
  result.reserve(last - first);
  for (auto i = first; i < last; ++i)
    result.push_back(i);
  return result;
}

} // namespace remedy
