#pragma once

// Everything in Remedy's supervision component: child specs, strategies,
// restart intensity, backoff, the supervisor, endpoints and the builder.

#include "remedy/core/all.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/auto_shutdown.hpp"
#include "remedy/supervision/backoff.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/child_type.hpp"
#include "remedy/supervision/endpoint.hpp"
#include "remedy/supervision/endpoint_actor.hpp"
#include "remedy/supervision/endpoint_stats.hpp"
#include "remedy/supervision/restart_intensity.hpp"
#include "remedy/supervision/restart_type.hpp"
#include "remedy/supervision/shutdown_spec.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/start_fn.hpp"
#include "remedy/supervision/stash_policy.hpp"
#include "remedy/supervision/strategy.hpp"
#include "remedy/supervision/supervision_event.hpp"
#include "remedy/supervision/supervision_tree.hpp"
#include "remedy/supervision/supervisor.hpp"
#include "remedy/supervision/supervisor_actor.hpp"
#include "remedy/supervision/supervisor_builder.hpp"
#include "remedy/supervision/supervisor_flags.hpp"
#include "remedy/supervision/type_ids.hpp"
