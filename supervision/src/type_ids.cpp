#include "remedy/supervision/type_ids.hpp"

#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/endpoint_stats.hpp"
#include "remedy/supervision/supervision_event.hpp"

#include <caf/actor_system_config.hpp>

namespace remedy {

void add_supervision_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_supervision>();
}

} // namespace remedy
