#pragma once

#include <vector>

#include "remedy/core/type_ids.hpp"

/// The scheduling part's messages in their own CAF type ID block.
namespace remedy {
struct task;
struct scheduler_stats;
struct worker_info;
struct scheduler_event;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_scheduling, remedy::type_id_range::scheduling)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_scheduling, (remedy::task))
  CAF_ADD_TYPE_ID(remedy_scheduling, (remedy::scheduler_stats))
  CAF_ADD_TYPE_ID(remedy_scheduling, (remedy::worker_info))
  CAF_ADD_TYPE_ID(remedy_scheduling, (std::vector<remedy::worker_info>))
  CAF_ADD_TYPE_ID(remedy_scheduling, (remedy::scheduler_event))

CAF_END_TYPE_ID_BLOCK(remedy_scheduling)

static_assert(caf::id_block::remedy_scheduling::end
                <= remedy::type_id_range::healing,
              "remedy_scheduling type ID block overflows its range");

namespace remedy {

/// Registers the scheduling part's message types with `cfg`.
void add_scheduling_types(caf::actor_system_config& cfg);

} // namespace remedy
