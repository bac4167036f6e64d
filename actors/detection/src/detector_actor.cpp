#include "remedy/detection/detector_actor.hpp"

#include <optional>
#include <set>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>

#include <spdlog/spdlog.h>

#include "remedy/detection/detection.hpp"
#include "remedy/detection/atoms.hpp"
#include "remedy/core/tick.hpp"
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
    if (in & detector::samples) {
      auto metrics = core_->sample_metrics();
      if (metrics.empty())
        subscribe(this, "sample.");
      for (auto& m : metrics)
        subscribe(this, "sample." + m);
    }
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
        // Its own score samples come back through the bus: not an input.
        if (current_sender() == ctrl())
          return;
        core_->feed(x, out_);
        if (auto score = core_->take_score())
          publish_sample(this, std::move(*score));
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
      [this](detector_log_atom) {
        log_pending_ = false;
        log_bad_input();
      },
      [this](detector_stats_atom) {
        auto result = core_->stats();
        result.bad_input_warnings = warnings_;
        return result;
      },
    };
  }

private:
  void schedule_tick() {
    auto interval = core_->tick_interval();
    if (interval.count() > 0)
      send_on_tick(this, interval, detector_tick_atom::value);
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
    log_bad_input();
  }

  /// Ignored and suspect inputs the core counted so far.
  uint64_t bad_input() const {
    auto& s = core_->stats();
    return s.ignored() + s.duplicate_timestamps;
  }

  /// Warns about bad input that arrived since the last warning, at most once
  /// per `bad_input_log_interval`; within it, schedules one check for its
  /// end (so a burst that stops is still reported).
  void log_bad_input() {
    auto bad = bad_input();
    if (bad == logged_bad_)
      return;
    auto now = clock().now();
    if (last_bad_log_ && now - *last_bad_log_ < bad_input_log_interval) {
      if (!log_pending_) {
        log_pending_ = true;
        delayed_send(this, bad_input_log_interval - (now - *last_bad_log_),
                     detector_log_atom::value);
      }
      return;
    }
    auto& s = core_->stats();
    log_->warn("detector '{}': {} bad inputs since the last warning ({} "
               "ignored so far: {} NaN or infinite, {} with time going "
               "backwards, {} for unknown targets; {} duplicate timestamps)",
               core_->name(), bad - logged_bad_, s.ignored(),
               s.ignored_invalid, s.ignored_backwards, s.ignored_unknown,
               s.duplicate_timestamps);
    ++warnings_;
    logged_bad_ = bad;
    last_bad_log_ = now;
  }

  std::unique_ptr<detector> core_;
  detections out_;
  std::set<caf::actor_addr> watched_;
  uint64_t logged_bad_ = 0;
  uint64_t warnings_ = 0;
  bool log_pending_ = false;
  std::optional<time_point> last_bad_log_;
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
