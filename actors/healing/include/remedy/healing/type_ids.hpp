#pragma once

#include <vector>

#include "remedy/core/type_ids.hpp"

/// The healing part's messages in their own CAF type ID block.
namespace remedy {
struct healing_event;
struct healing_stats;
struct strategy_record;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_healing, remedy::type_id_range::healing)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_healing, (remedy::healing_event))
  CAF_ADD_TYPE_ID(remedy_healing, (remedy::healing_stats))
  CAF_ADD_TYPE_ID(remedy_healing, (remedy::strategy_record))
  CAF_ADD_TYPE_ID(remedy_healing, (std::vector<remedy::strategy_record>))

CAF_END_TYPE_ID_BLOCK(remedy_healing)

static_assert(caf::id_block::remedy_healing::end
                <= remedy::type_id_range::strategies,
              "remedy_healing type ID block overflows its range");

namespace remedy {

/// Registers the healing part's message types with `cfg`.
void add_healing_types(caf::actor_system_config& cfg);

} // namespace remedy
