#pragma once

// Everything in Remedy's core: errors, the core config, the event bus,
// logging, time and formatting helpers, shared clock ticks, fencing tokens,
// and the signals (samples, heartbeats).

#include "remedy/core/atoms.hpp"
#include "remedy/core/client.hpp"
#include "remedy/core/core_config.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/heartbeats.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/core/term_fence.hpp"
#include "remedy/core/tick.hpp"
#include "remedy/core/time_units.hpp"
#include "remedy/core/type_ids.hpp"
#include "remedy/core/version.hpp"
