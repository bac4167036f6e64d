#include "demo_chaos.hpp"

#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/logging.hpp"
#include "remedy/core/time_units.hpp"

namespace remedy::node {

namespace {

using fire_atom = caf::atom_constant<caf::atom("n_fire")>;

struct chaos_state {
  std::vector<target> targets;
  std::vector<planned_crash> plan;
  chaos_report_ptr out;
  steady::time_point started;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "remedy.node.chaos";
};

/// The chaos actor's behavior (see spawn_chaos).
caf::behavior chaos(caf::stateful_actor<chaos_state>* self,
                    std::vector<target> targets,
                    std::vector<planned_crash> plan, caf::timespan window,
                    chaos_report_ptr out) {
  auto& st = self->state;
  st.targets = std::move(targets);
  st.plan = std::move(plan);
  st.out = std::move(out);
  st.log = logger("remedy.node");
  return {
    [self, window](run_atom) {
      auto& st = self->state;
      st.started = steady::now();
      for (size_t i = 0; i < st.plan.size(); ++i)
        self->delayed_send(self, st.plan[i].at, fire_atom::value, uint64_t{i});
      self->delayed_send(self, window, stop_atom::value);
    },
    [self](fire_atom, uint64_t i) {
      auto& st = self->state;
      auto& x = st.plan[i];
      auto& tg = st.targets[x.target];
      auto late = (steady::now() - (st.started + x.at)).count();
      if (late > st.out->max_lateness)
        st.out->max_lateness = late;
      st.log->debug("chaos: {} into {}", to_string(x.mode), tg.name);
      self->send(tg.endpoint, crash_atom::value, static_cast<uint64_t>(x.mode));
      ++st.out->commands;
    },
    [self](stop_atom) { self->quit(); },
  };
}

} // namespace

std::vector<planned_crash> plan_crashes(uint64_t seed, double rate,
                                        caf::timespan window, size_t targets) {
  std::vector<planned_crash> result;
  if (!(rate > 0) || !std::isfinite(rate) || targets == 0)
    return result;
  std::mt19937_64 rng{seed};
  std::exponential_distribution<double> gap{rate};
  std::uniform_int_distribution<size_t> pick{0, targets - 1};
  std::uniform_int_distribution<int> mode{0, crash_mode_count - 1};
  auto limit = seconds_of(window);
  double t = 0;
  for (;;) {
    t += gap(rng);
    if (t >= limit)
      break;
    planned_crash x;
    x.at = std::chrono::duration_cast<caf::timespan>(
      std::chrono::duration<double>(t));
    x.target = pick(rng);
    x.mode = static_cast<crash_mode>(mode(rng));
    result.push_back(x);
  }
  return result;
}

caf::actor spawn_chaos(caf::actor_system& sys, std::vector<target> targets,
                       std::vector<planned_crash> plan, caf::timespan window,
                       chaos_report_ptr out) {
  return sys.spawn<caf::detached>(chaos, std::move(targets), std::move(plan),
                                  window, std::move(out));
}

} // namespace remedy::node
