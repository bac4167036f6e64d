#pragma once

#include <vector>

#include "remedy/core/type_ids.hpp"

/// The supervision part's messages in their own CAF type ID block.
namespace remedy {
struct child_spec;
struct child_info;
struct child_counts;
struct endpoint_stats;
struct supervision_event;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_supervision, remedy::type_id_range::supervision)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_supervision, (remedy::child_spec))
  CAF_ADD_TYPE_ID(remedy_supervision, (remedy::child_info))
  CAF_ADD_TYPE_ID(remedy_supervision, (remedy::child_counts))
  CAF_ADD_TYPE_ID(remedy_supervision, (remedy::endpoint_stats))
  CAF_ADD_TYPE_ID(remedy_supervision, (remedy::supervision_event))
  CAF_ADD_TYPE_ID(remedy_supervision, (std::vector<remedy::child_info>))

CAF_END_TYPE_ID_BLOCK(remedy_supervision)

static_assert(caf::id_block::remedy_supervision::end
                <= remedy::type_id_range::routing,
              "remedy_supervision type ID block overflows its range");

namespace remedy {

/// Registers the supervision part's message types with `cfg`.
void add_supervision_types(caf::actor_system_config& cfg);

} // namespace remedy
