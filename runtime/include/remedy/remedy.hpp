#pragma once

// Remedy's whole public API: every part, and the config that registers them.

#include "remedy/core/all.hpp"
#include "remedy/supervision/all.hpp"
#include "remedy/routing/all.hpp"
#include "remedy/detection/all.hpp"
#include "remedy/classification/all.hpp"
#include "remedy/scheduling/all.hpp"
#include "remedy/strategies/all.hpp"
#include "remedy/healing/all.hpp"
#include "remedy/runtime/api_request.hpp"
#include "remedy/runtime/api_response.hpp"
#include "remedy/runtime/atoms.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/http_error_status.hpp"
#include "remedy/runtime/http_gateway.hpp"
#include "remedy/runtime/http_gateway_settings.hpp"
#include "remedy/runtime/http_request_check.hpp"
#include "remedy/runtime/http_route.hpp"
#include "remedy/runtime/json_reader.hpp"
#include "remedy/runtime/strict_json.hpp"
