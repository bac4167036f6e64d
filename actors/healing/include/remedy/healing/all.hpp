#pragma once

// Everything in Remedy's healing part.

#include "remedy/strategies/all.hpp"
#include "remedy/healing/atoms.hpp"
#include "remedy/healing/healing_event.hpp"
#include "remedy/healing/healing_limits.hpp"
#include "remedy/healing/healing_policy.hpp"
#include "remedy/healing/healing_settings.hpp"
#include "remedy/healing/healing_stats.hpp"
#include "remedy/healing/orchestrator.hpp"
#include "remedy/healing/orchestrator_actor.hpp"
#include "remedy/healing/strategy_learner.hpp"
#include "remedy/healing/strategy_record.hpp"
#include "remedy/healing/type_ids.hpp"
