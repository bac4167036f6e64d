#include "remedy/routing/type_ids.hpp"

#include "remedy/routing/route_event.hpp"
#include "remedy/routing/route_stats.hpp"

#include <caf/actor_system_config.hpp>

namespace remedy {

void add_routing_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_routing>();
}

} // namespace remedy
