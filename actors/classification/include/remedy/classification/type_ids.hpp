#pragma once

#include <vector>

#include "remedy/core/type_ids.hpp"

/// The classification part's messages in their own CAF type ID block.
namespace remedy {
struct fault;
struct fault_event;
struct target_health;
struct fault_snapshot;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_classification,
                        remedy::type_id_range::classification)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_classification, (remedy::fault))
  CAF_ADD_TYPE_ID(remedy_classification, (remedy::fault_event))
  CAF_ADD_TYPE_ID(remedy_classification, (std::vector<remedy::fault>))
  CAF_ADD_TYPE_ID(remedy_classification, (remedy::target_health))
  CAF_ADD_TYPE_ID(remedy_classification, (std::vector<remedy::target_health>))
  CAF_ADD_TYPE_ID(remedy_classification, (remedy::fault_snapshot))

CAF_END_TYPE_ID_BLOCK(remedy_classification)

static_assert(caf::id_block::remedy_classification::end
                <= remedy::type_id_range::scheduling,
              "remedy_classification type ID block overflows its range");

namespace remedy {

/// Registers the classification part's message types with `cfg`.
void add_classification_types(caf::actor_system_config& cfg);

} // namespace remedy
