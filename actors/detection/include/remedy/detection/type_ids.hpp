#pragma once

#include "remedy/core/type_ids.hpp"

/// The detection part's messages in their own CAF type ID block.
namespace remedy {
struct detection;
struct detector_stats;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_detection, remedy::type_id_range::detection)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_detection, (remedy::detection))
  CAF_ADD_TYPE_ID(remedy_detection, (remedy::detector_stats))

CAF_END_TYPE_ID_BLOCK(remedy_detection)

static_assert(caf::id_block::remedy_detection::end
                <= remedy::type_id_range::classification,
              "remedy_detection type ID block overflows its range");

namespace remedy {

/// Registers the detection part's message types with `cfg`.
void add_detection_types(caf::actor_system_config& cfg);

} // namespace remedy
