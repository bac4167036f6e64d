#include "remedy/detection/type_ids.hpp"

#include "remedy/detection/detection.hpp"
#include "remedy/detection/detector.hpp"

#include <caf/actor_system_config.hpp>

namespace remedy {

void add_detection_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_detection>();
}

} // namespace remedy
