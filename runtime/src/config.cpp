#include "remedy/runtime/config.hpp"

#include "remedy/classification/type_ids.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/healing/type_ids.hpp"
#include "remedy/routing/type_ids.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "remedy/scheduling/type_ids.hpp"
#include "remedy/strategies/type_ids.hpp"
#include "remedy/supervision/type_ids.hpp"

namespace remedy {

namespace {

void add_part_types(caf::actor_system_config& cfg) {
  add_supervision_types(cfg);
  add_routing_types(cfg);
  add_detection_types(cfg);
  add_classification_types(cfg);
  add_scheduling_types(cfg);
  add_strategies_types(cfg);
  add_healing_types(cfg);
  add_runtime_types(cfg);
}

} // namespace

config::config() {
  add_part_types(*this);
}

void register_types(caf::actor_system_config& cfg) {
  add_core_types(cfg);
  add_part_types(cfg);
}

} // namespace remedy
