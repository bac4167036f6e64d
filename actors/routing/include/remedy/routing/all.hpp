#pragma once

// Everything in Remedy's routing part.

#include "remedy/supervision/all.hpp"
#include "remedy/routing/atoms.hpp"
#include "remedy/routing/breaker_state.hpp"
#include "remedy/routing/bulkhead.hpp"
#include "remedy/routing/bulkhead_settings.hpp"
#include "remedy/routing/circuit_breaker.hpp"
#include "remedy/routing/circuit_breaker_settings.hpp"
#include "remedy/routing/guard.hpp"
#include "remedy/routing/isolation_rules.hpp"
#include "remedy/routing/retry_policy.hpp"
#include "remedy/routing/route.hpp"
#include "remedy/routing/route_actor.hpp"
#include "remedy/routing/route_builder.hpp"
#include "remedy/routing/route_event.hpp"
#include "remedy/routing/route_settings.hpp"
#include "remedy/routing/route_stats.hpp"
#include "remedy/routing/sliding_window.hpp"
#include "remedy/routing/type_ids.hpp"
