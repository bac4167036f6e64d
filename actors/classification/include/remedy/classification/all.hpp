#pragma once

// Everything in Remedy's classification part.

#include "remedy/supervision/all.hpp"
#include "remedy/detection/all.hpp"
#include "remedy/classification/atoms.hpp"
#include "remedy/classification/classifier.hpp"
#include "remedy/classification/classifier_actor.hpp"
#include "remedy/classification/detection_tree.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/classification/health_view.hpp"
#include "remedy/classification/health_view_actor.hpp"
#include "remedy/classification/type_ids.hpp"
