#include "remedy/scheduling/type_ids.hpp"

#include "remedy/scheduling/scheduler_event.hpp"
#include "remedy/scheduling/scheduler_stats.hpp"
#include "remedy/scheduling/task.hpp"

#include <caf/actor_system_config.hpp>

namespace remedy {

void add_scheduling_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_scheduling>();
}

} // namespace remedy
