#pragma once

// Everything in Remedy's runtime component.

#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/runtime/error.hpp"
#include "remedy/runtime/event_bus.hpp"
#include "remedy/runtime/format.hpp"
#include "remedy/runtime/logging.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "remedy/runtime/version.hpp"
