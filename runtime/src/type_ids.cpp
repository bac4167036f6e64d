#include "remedy/runtime/type_ids.hpp"

#include "remedy/runtime/api_request.hpp"
#include "remedy/runtime/cluster_event.hpp"
#include "remedy/runtime/cluster_member.hpp"
#include "remedy/runtime/election.hpp"
#include "remedy/runtime/api_response.hpp"
#include "remedy/runtime/health_report.hpp"
#include "remedy/runtime/healing_offer.hpp"
#include "remedy/runtime/node_event.hpp"

#include <caf/actor_system_config.hpp>

namespace remedy {

void add_runtime_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_runtime>();
}

} // namespace remedy
