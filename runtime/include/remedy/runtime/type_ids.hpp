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
struct sample;
struct heartbeat;
struct detection;
struct detector_stats;
struct fault;
struct fault_event;
struct target_health;
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
  CAF_ADD_TYPE_ID(remedy, (remedy::sample))
  CAF_ADD_TYPE_ID(remedy, (remedy::heartbeat))
  CAF_ADD_TYPE_ID(remedy, (remedy::detection))
  CAF_ADD_TYPE_ID(remedy, (remedy::detector_stats))
  CAF_ADD_TYPE_ID(remedy, (remedy::fault))
  CAF_ADD_TYPE_ID(remedy, (remedy::fault_event))
  CAF_ADD_TYPE_ID(remedy, (std::vector<remedy::fault>))
  CAF_ADD_TYPE_ID(remedy, (remedy::target_health))
  CAF_ADD_TYPE_ID(remedy, (std::vector<remedy::target_health>))

CAF_END_TYPE_ID_BLOCK(remedy)
