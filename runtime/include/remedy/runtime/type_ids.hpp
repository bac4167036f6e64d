#pragma once

#include <vector>

#include <caf/type_id.hpp>

/// Every type that crosses actors in Remedy, in one CAF type ID block. Types
/// are forward declared here and defined (with their `inspect` overloads) in
/// their own headers; `remedy::config` registers the whole block, so every
/// node that uses Remedy understands every message.
namespace remedy {
struct child_spec;
struct child_info;
struct child_counts;
struct endpoint_stats;
struct supervision_event;
struct route_stats;
struct route_event;
} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(remedy, (remedy::child_spec))
  CAF_ADD_TYPE_ID(remedy, (remedy::child_info))
  CAF_ADD_TYPE_ID(remedy, (remedy::child_counts))
  CAF_ADD_TYPE_ID(remedy, (remedy::endpoint_stats))
  CAF_ADD_TYPE_ID(remedy, (remedy::supervision_event))
  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy, (std::vector<remedy::child_info>))
  CAF_ADD_TYPE_ID(remedy, (remedy::route_stats))
  CAF_ADD_TYPE_ID(remedy, (remedy::route_event))

CAF_END_TYPE_ID_BLOCK(remedy)
