#pragma once

#include "remedy/core/type_ids.hpp"

/// The strategies part's messages (the strategy protocol) in their own CAF
/// type ID block.
namespace remedy {
struct heal_target;
struct healing_order;
struct strategy_offer;
struct healing_action;
struct healing_alert;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_strategies, remedy::type_id_range::strategies)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_strategies, (remedy::heal_target))
  CAF_ADD_TYPE_ID(remedy_strategies, (remedy::healing_order))
  CAF_ADD_TYPE_ID(remedy_strategies, (remedy::strategy_offer))
  CAF_ADD_TYPE_ID(remedy_strategies, (remedy::healing_action))
  CAF_ADD_TYPE_ID(remedy_strategies, (remedy::healing_alert))

CAF_END_TYPE_ID_BLOCK(remedy_strategies)

static_assert(caf::id_block::remedy_strategies::end
                <= remedy::type_id_range::runtime,
              "remedy_strategies type ID block overflows its range");

namespace remedy {

/// Registers the strategies part's message types with `cfg`.
void add_strategies_types(caf::actor_system_config& cfg);

} // namespace remedy
