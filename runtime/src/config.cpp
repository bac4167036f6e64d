#include "remedy/runtime/config.hpp"

#include "remedy/runtime/detail/topic_registry.hpp"
#include "remedy/runtime/error.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "remedy/actors/detection.hpp"
#include "remedy/actors/detector.hpp"
#include "remedy/actors/fault.hpp"
#include "remedy/actors/health_view.hpp"
#include "remedy/actors/route_event.hpp"
#include "remedy/actors/route_stats.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/endpoint_stats.hpp"
#include "remedy/runtime/heartbeat.hpp"
#include "remedy/runtime/sample.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy {

config::config() : topics_(std::make_unique<detail::topic_registry>()) {
  register_types(*this);
}

config::~config() = default;

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy>();
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value category,
                            const caf::message& context) {
                           return render(caf::error{code, category, context});
                         });
}

} // namespace remedy
