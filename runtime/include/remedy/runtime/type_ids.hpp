#pragma once

#include <vector>

#include "remedy/core/type_ids.hpp"

/// The runtime part's messages in their own CAF type ID block.
namespace remedy {
struct api_request;
struct api_response;
struct health_report;
struct node_event;
struct cluster_member;
struct cluster_event;
struct vote_request;
struct vote_reply;
struct leader_beat;
struct beat_ack;
struct healing_offer;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_runtime, remedy::type_id_range::runtime)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::api_request))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::api_response))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::health_report))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::node_event))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::cluster_member))
  CAF_ADD_TYPE_ID(remedy_runtime, (std::vector<remedy::cluster_member>))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::cluster_event))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::vote_request))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::vote_reply))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::leader_beat))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::beat_ack))
  CAF_ADD_TYPE_ID(remedy_runtime, (remedy::healing_offer))

CAF_END_TYPE_ID_BLOCK(remedy_runtime)

static_assert(caf::id_block::remedy_runtime::end
                <= remedy::type_id_range::runtime
                     + remedy::type_id_range::width,
              "remedy_runtime type ID block overflows its range");

namespace remedy {

/// Registers the runtime part's message types with `cfg`.
void add_runtime_types(caf::actor_system_config& cfg);

} // namespace remedy
