#pragma once

#include <caf/type_id.hpp>

/// The type ID machinery every part of Remedy shares, and the core's own block.
///
/// Each part of Remedy owns its messages: it declares them in its own CAF type
/// ID block (in `remedy/<part>/type_ids.hpp`) inside a fixed range of IDs, so
/// that a lower part never names a higher part's type and adding a type to one
/// part never renumbers another. `remedy::config` (remedy/runtime/config.hpp)
/// registers every block; a program that uses only some parts calls their
/// `add_<part>_types` functions on its own config.
namespace remedy {

/// The first type ID of each part's range. A part's block must end before
/// the next range begins (checked by a static_assert in each block header).
namespace type_id_range {
constexpr caf::type_id_t width = 32;
constexpr caf::type_id_t core = caf::first_custom_type_id;
constexpr caf::type_id_t supervision = core + width;
constexpr caf::type_id_t routing = supervision + width;
constexpr caf::type_id_t detection = routing + width;
constexpr caf::type_id_t classification = detection + width;
constexpr caf::type_id_t scheduling = classification + width;
constexpr caf::type_id_t healing = scheduling + width;
constexpr caf::type_id_t strategies = healing + width;
constexpr caf::type_id_t runtime = strategies + width;
} // namespace type_id_range

struct sample;
struct heartbeat;

} // namespace remedy

CAF_BEGIN_TYPE_ID_BLOCK(remedy_core, remedy::type_id_range::core)

  // Append only: IDs are part of the wire format.
  CAF_ADD_TYPE_ID(remedy_core, (remedy::sample))
  CAF_ADD_TYPE_ID(remedy_core, (remedy::heartbeat))

CAF_END_TYPE_ID_BLOCK(remedy_core)

static_assert(caf::id_block::remedy_core::end
                <= remedy::type_id_range::supervision,
              "remedy_core type ID block overflows its range");

namespace caf {
class actor_system_config;
} // namespace caf

namespace remedy {

/// Registers the core's message types (signals) and Remedy's error category
/// with `cfg`. `remedy::config` does this (and more) for you.
void add_core_types(caf::actor_system_config& cfg);

} // namespace remedy
