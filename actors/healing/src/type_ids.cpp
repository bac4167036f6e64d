#include "remedy/healing/type_ids.hpp"

#include <caf/actor_system_config.hpp>

#include "remedy/healing/healing_event.hpp"
#include "remedy/healing/healing_stats.hpp"
#include "remedy/healing/strategy_record.hpp"

namespace remedy {

void add_healing_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_healing>();
}

} // namespace remedy
