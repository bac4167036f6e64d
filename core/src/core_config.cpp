#include "remedy/core/core_config.hpp"

#include "remedy/core/detail/tick_registry.hpp"
#include "remedy/core/detail/topic_registry.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/core/type_ids.hpp"

namespace remedy {

core_config::core_config()
  : topics_(std::make_shared<detail::topic_registry>()),
    ticks_(std::make_shared<detail::tick_registry>()) {
  add_core_types(*this);
}

core_config::~core_config() = default;

void add_core_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::remedy_core>();
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value category,
                            const caf::message& context) {
                           return render(caf::error{code, category, context});
                         });
}

} // namespace remedy
