#include "remedy/strategies/type_ids.hpp"

#include <caf/actor_system_config.hpp>

#include "remedy/strategies/heal_target.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_alert.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/strategies/strategy_offer.hpp"

namespace remedy {

void add_strategies_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_strategies>();
}

} // namespace remedy
