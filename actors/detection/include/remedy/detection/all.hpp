#pragma once

// Everything in Remedy's detection part.

#include "remedy/supervision/all.hpp"
#include "remedy/detection/anomaly_detector.hpp"
#include "remedy/detection/atoms.hpp"
#include "remedy/detection/crash_loop_detector.hpp"
#include "remedy/detection/crash_loop_window.hpp"
#include "remedy/detection/detection.hpp"
#include "remedy/detection/detector.hpp"
#include "remedy/detection/detector_actor.hpp"
#include "remedy/detection/detector_handle.hpp"
#include "remedy/detection/detector_set.hpp"
#include "remedy/detection/ewma_estimator.hpp"
#include "remedy/detection/heartbeat_detector.hpp"
#include "remedy/detection/holt_forecast.hpp"
#include "remedy/detection/linear_trend.hpp"
#include "remedy/detection/phi_accrual.hpp"
#include "remedy/detection/robust_estimator.hpp"
#include "remedy/detection/threshold_detector.hpp"
#include "remedy/detection/threshold_rule.hpp"
#include "remedy/detection/trend_detector.hpp"
#include "remedy/detection/type_ids.hpp"
