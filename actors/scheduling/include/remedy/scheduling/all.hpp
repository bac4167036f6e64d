#pragma once

// Everything in Remedy's scheduling part: the fault-aware scheduler.

#include "remedy/classification/all.hpp"
#include "remedy/scheduling/scheduler.hpp"
#include "remedy/scheduling/scheduler_event.hpp"
#include "remedy/scheduling/scheduler_settings.hpp"
#include "remedy/scheduling/scheduler_stats.hpp"
#include "remedy/scheduling/task.hpp"
#include "remedy/scheduling/type_ids.hpp"
