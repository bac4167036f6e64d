#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace remedy {

/// OTP's restart strategies: which children restart when one exits.
enum class strategy : uint8_t {
  /// Only the child that exited.
  one_for_one,
  /// Every child: the others are stopped (in reverse start order) and all
  /// are started again (in start order).
  one_for_all,
  /// The child that exited and every child started after it.
  rest_for_one,
  /// A dynamic pool of children from one template; like one_for_one.
  simple_one_for_one,
};

/// Returns the strategy's OTP name, e.g. "rest_for_one".
const char* to_string(strategy x);

/// Returns the positions (in start order) of the children that restart when
/// the child at position `failed` of `count` children exits under `s`, in
/// start order. Pure; the supervisor stops them in reverse of this order and
/// starts them in this order.
std::vector<size_t> restart_set(strategy s, size_t failed, size_t count);

} // namespace remedy
