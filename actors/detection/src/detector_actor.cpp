#include "remedy/detection/detector_actor.hpp"

#include <optional>
#include <set>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>

#include <spdlog/spdlog.h>

#include "remedy/detection/detection.hpp"
#include "remedy/detection/atoms.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/core/sample.hpp"
#include "remedy/core/type_ids.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/detection/type_ids.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervision_event.hpp"

namespace remedy {

namespace {

using time_point = caf::actor_clock::time_point;

/// Ignored inputs are logged at most this often per detector.
constexpr auto ignored_log_interval = std::chrono::seconds(10);

class detector_impl : public caf::event_based_actor {
public:
  detector_impl(caf::actor_config& cfg, std::unique_ptr<detector> core)
    : caf::event_based_actor(cfg),
      core_(std::move(core)),
      log_(logger("remedy.detector")) {
    // Nothing else: subscriptions and timers start in make_behavior.
  }

  const char* name() const override {
    return "remedy.detector";
  }

  caf::behavior make_behavior() override {
    install_exception_handler(this);
    auto in = core_->inputs();
    if (in & detector::samples)
      subscribe(this, "sample.");
    if (in & detector::heartbeats)
      subscribe(this, "heartbeat");
    if (in & detector::supervision)
      subscribe(this, "supervision.");
    set_down_handler([this](caf::down_msg& msg) {
      if (watched_.erase(msg.source) == 0)
        return;
      core_->feed_down(msg.source, msg.reason, clock().now(), out_);
      flush();
    });
    schedule_tick();
    return {
      [this](const sample& x) {
        core_->feed(x, out_);
        flush();
      },
      [this](const heartbeat& x) {
        if (x.source && watched_.insert(x.source).second)
          monitor(x.source);
        core_->feed(x, clock().now(), out_);
        flush();
      },
      [this](const supervision_event& x) {
        core_->feed(x, out_);
        flush();
      },
      [this](detector_tick_atom) {
        core_->tick(clock().now(), out_);
        flush();
        schedule_tick();
      },
      [this](detector_stats_atom) { return core_->stats(); },
    };
  }

private:
  void schedule_tick() {
    auto interval = core_->tick_interval();
    if (interval.count() > 0)
      delayed_send(this, interval, detector_tick_atom::value);
  }

  /// Publishes what the core found and reports ignored inputs.
  void flush() {
    for (auto& x : out_) {
      if (log_->should_log(spdlog::level::info))
        log_->info("detector '{}': {} {} of '{}'{}{} ({})", core_->name(),
                   x.active ? "raised" : "cleared", to_string(x.kind),
                   x.target, x.metric.empty() ? "" : " ", x.metric, x.detail);
      auto t = topic(x);
      publish(this, t, caf::make_message(std::move(x)));
    }
    out_.clear();
    auto ignored = core_->stats().ignored();
    if (ignored == logged_ignored_)
      return;
    auto now = clock().now();
    if (last_ignored_log_ && now - *last_ignored_log_ < ignored_log_interval)
      return;
    auto& s = core_->stats();
    log_->warn("detector '{}': {} inputs ignored so far ({} NaN or infinite, "
               "{} with time going backwards, {} for unknown targets)",
               core_->name(), ignored, s.ignored_invalid, s.ignored_backwards,
               s.ignored_unknown);
    logged_ignored_ = ignored;
    last_ignored_log_ = now;
  }

  std::unique_ptr<detector> core_;
  detections out_;
  std::set<caf::actor_addr> watched_;
  uint64_t logged_ignored_ = 0;
  std::optional<time_point> last_ignored_log_;
  std::shared_ptr<spdlog::logger> log_;
};

} // namespace

caf::actor spawn_detector(caf::actor_system& sys,
                          std::unique_ptr<detector> core) {
  return sys.spawn<detector_impl>(std::move(core));
}

caf::expected<caf::actor>
spawn_detector(caf::actor_system& sys,
               caf::expected<std::unique_ptr<detector>> core) {
  if (!core)
    return core.error();
  return spawn_detector(sys, std::move(*core));
}

caf::expected<caf::actor> spawn_detector(caf::actor_system& sys,
                                         const detector_factory& factory) {
  auto core = factory();
  if (!core)
    return core.error();
  return spawn_detector(sys, std::move(*core));
}

start_fn detector_start(detector_factory factory) {
  auto spawn = [](caf::actor_system& sys, const detector_factory& f) {
    return spawn_detector(sys, f);
  };
  return start_spawn(spawn, std::move(factory));
}

} // namespace remedy
