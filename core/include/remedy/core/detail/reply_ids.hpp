#pragma once

#include <cstdint>

#include <caf/message_id.hpp>

namespace remedy::detail {

/// Request ids that an actor makes itself, so that a reply finds its entry
/// from its id alone, without CAF's pending-response table (a linearly
/// searched vector) or a request timer per message: the entry's slot index
/// in the low 32 bits, a 27-bit serial above it (so that a late reply never
/// matches the slot's next occupant), and bit 59 as a tag that tells these
/// replies from replies to the actor's own CAF requests. Used by the route
/// and the scheduler, the two actors that sit on every request.
class reply_ids {
public:
  /// A new request id naming `index`.
  caf::message_id next(uint32_t index) {
    if (++serial_ == (1u << 27))
      serial_ = 1;
    return caf::message_id{(caf::message_id::normal_message_category
                            << caf::message_id::category_offset)
                           | tag | (uint64_t{serial_} << 32) | index};
  }

  /// Whether `mid` (a response id) answers a request made by `next`.
  static bool owns(caf::message_id mid) {
    return (mid.integer_value() & tag) != 0;
  }

  /// The slot index `mid` names.
  static uint32_t index_of(caf::message_id mid) {
    return static_cast<uint32_t>(mid.integer_value());
  }

private:
  static constexpr uint64_t tag = uint64_t{1} << 59;
  uint32_t serial_ = 0;
};

} // namespace remedy::detail
