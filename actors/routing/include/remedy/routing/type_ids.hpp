#pragma once

#include "remedy/core/type_ids.hpp"

/// The routing part's messages in their own CAF type ID block.
namespace remedy {
struct route_stats;
struct route_event;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_routing, remedy::type_id_range::routing)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_routing, (remedy::route_stats))
  CAF_ADD_TYPE_ID(remedy_routing, (remedy::route_event))

CAF_END_TYPE_ID_BLOCK(remedy_routing)

static_assert(caf::id_block::remedy_routing::end
                <= remedy::type_id_range::detection,
              "remedy_routing type ID block overflows its range");

namespace remedy {

/// Registers the routing part's message types with `cfg`.
void add_routing_types(caf::actor_system_config& cfg);

} // namespace remedy
