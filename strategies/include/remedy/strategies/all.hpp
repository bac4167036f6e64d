#pragma once

// Everything in Remedy's strategies part.

#include "remedy/classification/all.hpp"
#include "remedy/routing/all.hpp"
#include "remedy/strategies/atoms.hpp"
#include "remedy/strategies/heal_target.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/strategies/healing_strategy.hpp"
#include "remedy/strategies/strategy_actor.hpp"
#include "remedy/strategies/strategy_offer.hpp"
#include "remedy/strategies/type_ids.hpp"
#include "remedy/strategies/escalate_strategy.hpp"
#include "remedy/strategies/failover_strategy.hpp"
#include "remedy/strategies/healing_alert.hpp"
#include "remedy/strategies/isolate_strategy.hpp"
#include "remedy/strategies/restart_strategy.hpp"
#include "remedy/strategies/scale_out_strategy.hpp"
#include "remedy/strategies/throttle_strategy.hpp"
