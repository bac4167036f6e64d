#include "remedy/runtime/chaos_monkey.hpp"

#include <random>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

#include "remedy/core/error.hpp"
#include "remedy/core/logging.hpp"

#include <spdlog/spdlog.h>
#include "remedy/supervision/supervisor_actor.hpp"

namespace remedy {

namespace {

using chaos_tick_atom = caf::atom_constant<caf::atom("r_chaos")>;

struct chaos_state {
  chaos_config cfg;
  std::vector<chaos_target> targets;
  std::mt19937_64 rng;
  uint64_t injected = 0;
};

caf::timespan next_gap(chaos_state& st) {
  std::exponential_distribution<double> gap{st.cfg.crash_rate};
  return std::chrono::duration_cast<caf::timespan>(
    std::chrono::duration<double>(gap(st.rng)));
}

caf::behavior chaos_monkey(caf::stateful_actor<chaos_state>* self,
                           chaos_config cfg,
                           std::vector<chaos_target> targets) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.targets = std::move(targets);
  st.rng.seed(st.cfg.seed);
  if (st.cfg.crash_rate > 0)
    self->delayed_send(self, next_gap(st), chaos_tick_atom::value);
  return {
    [self](chaos_tick_atom) {
      auto& st = self->state;
      std::uniform_int_distribution<size_t> pick{0, st.targets.size() - 1};
      auto& t = st.targets[pick(st.rng)];
      auto child = t.child;
      auto path = t.path;
      which_children(self, t.supervisor)
        .then(
          [self, child, path](const std::vector<child_info>& xs) {
            for (auto& x : xs)
              if (x.id == child && x.current) {
                ++self->state.injected;
                logger("remedy.chaos")->info("chaos: crashing {}", path);
                self->send_exit(x.current,
                                caf::make_error(caf::sec::runtime_error,
                                                "chaos: injected crash"));
              }
          },
          [](const caf::error&) {
            // The supervisor is restarting or gone: no crash this time.
          });
      self->delayed_send(self, next_gap(st), chaos_tick_atom::value);
    },
  };
}

} // namespace

caf::expected<caf::actor> spawn_chaos_monkey(caf::actor_system& sys,
                                             chaos_config cfg,
                                             std::vector<chaos_target> targets) {
  if (targets.empty())
    return make_error(errc::invalid_argument, "chaos: no targets");
  if (!(cfg.crash_rate >= 0))
    return make_error(errc::invalid_argument,
                      "chaos: crash_rate must be >= 0");
  return sys.spawn(chaos_monkey, std::move(cfg), std::move(targets));
}

} // namespace remedy
