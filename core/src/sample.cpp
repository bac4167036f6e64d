#include "remedy/core/sample.hpp"

#include <caf/local_actor.hpp>
#include <caf/make_message.hpp>

#include "remedy/core/event_bus.hpp"
#include "remedy/core/type_ids.hpp"

namespace remedy {

std::string topic(const sample& x) {
  return "sample." + x.metric;
}

void publish_sample(caf::local_actor* self, sample x) {
  if (x.at.count() == 0)
    x.at = self->clock().now().time_since_epoch();
  auto t = topic(x);
  publish(self, t, caf::make_message(std::move(x)));
}

void publish_sample(caf::local_actor* self, std::string target,
                    std::string metric, double value) {
  publish_sample(self, sample{std::move(target), std::move(metric), value,
                              caf::timespan{0}});
}

} // namespace remedy
