#include "remedy/classification/type_ids.hpp"

#include "remedy/classification/fault.hpp"
#include "remedy/classification/health_view.hpp"

#include <caf/actor_system_config.hpp>

namespace remedy {

void add_classification_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_classification>();
}

} // namespace remedy
