#include "chaos_worker.hpp"

#include <stdexcept>

#include <time.h>

#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/heartbeat.hpp"
#include "remedy/core/sample.hpp"

namespace remedy::node {

namespace {

constexpr uint64_t lcg_a = 6364136223846793005ULL;
constexpr uint64_t lcg_c = 1442695040888963407ULL;

} // namespace

uint64_t lcg(uint64_t x, uint64_t n) {
  // volatile keeps the compiler from folding the loop.
  volatile uint64_t steps = n;
  for (uint64_t i = 0; i < steps; ++i)
    x = x * lcg_a + lcg_c;
  return x;
}

uint64_t lcg_jump(uint64_t x, uint64_t n) {
  // (a, c) composed with itself: x -> a x + c, twice: a^2 x + (a c + c).
  uint64_t acc_a = 1, acc_c = 0, cur_a = lcg_a, cur_c = lcg_c;
  while (n > 0) {
    if (n & 1) {
      acc_a = acc_a * cur_a;
      acc_c = acc_c * cur_a + cur_c;
    }
    cur_c = (cur_a + 1) * cur_c;
    cur_a = cur_a * cur_a;
    n >>= 1;
  }
  return acc_a * x + acc_c;
}

namespace {

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

} // namespace

uint64_t calibrate_iterations(caf::timespan target) {
  using namespace std::chrono;
  // On this thread's CPU clock, so that a busy machine (time slices taken
  // by others) does not shrink the work.
  uint64_t n = 20000;
  for (int round = 0; round < 24; ++round) {
    auto t0 = thread_cpu_s();
    // Used, or an optimiser drops the multiplications and times an empty
    // loop (it did: 8x the work per request in a release build).
    volatile uint64_t sink = lcg(static_cast<uint64_t>(round), n);
    static_cast<void>(sink);
    auto took = thread_cpu_s() - t0;
    if (took >= 0.02) {
      auto per = took / static_cast<double>(n);
      return std::max<uint64_t>(
        1000, static_cast<uint64_t>(duration<double>(target).count() / per));
    }
    n *= 2;
  }
  return n;
}

// -- ledger ---------------------------------------------------------------------

chaos_ledger::chaos_ledger(size_t slots)
  : waiting_(slots),
    crash_loops_(slots, 0),
    pending_(new std::atomic<bool>[slots]) {
  for (size_t i = 0; i < slots; ++i)
    pending_[i] = false;
}

void chaos_ledger::performed(uint32_t id, size_t slot, fault_kind kind) {
  std::lock_guard<std::mutex> guard{mtx_};
  data_.performed.push_back({id, slot, kind, steady::now()});
  waiting_[slot].push_back(id);
  pending_[slot] = true;
}

void chaos_ledger::exhausted(size_t slot) {
  std::lock_guard<std::mutex> guard{mtx_};
  data_.exhausted.emplace_back(slot, steady::now());
}

void chaos_ledger::recovered(size_t slot) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto now = steady::now();
  for (auto id : waiting_[slot])
    data_.healthy.emplace_back(id, now);
  waiting_[slot].clear();
  pending_[slot] = false;
}

bool chaos_ledger::take_crash_loop(size_t slot) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (crash_loops_[slot] == 0)
    return false;
  crash_loops_[slot] -= 1;
  return true;
}

void chaos_ledger::arm_crash_loop(size_t slot, uint32_t crashes) {
  std::lock_guard<std::mutex> guard{mtx_};
  crash_loops_[slot] = crashes;
}

chaos_ledger::snapshot_t chaos_ledger::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return data_;
}

size_t chaos_ledger::performed_count() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return data_.performed.size();
}

// -- worker ---------------------------------------------------------------------

caf::behavior chaos_worker(caf::stateful_actor<worker_state>* self,
                           worker_env_ptr env) {
  auto& cfg = env->settings;
  if (!env->remedy) {
    // CAF's default handler, without its message on stderr: the actor
    // exits with sec::runtime_error.
    self->set_exception_handler([](caf::scheduled_actor*, std::exception_ptr&) {
      return caf::error{caf::sec::runtime_error};
    });
  }
  // A crash-looping slot: this incarnation dies soon after it starts.
  if (env->ledger->take_crash_loop(env->slot))
    self->delayed_send(self, cfg.crash_loop_life, crash_now_atom::value);
  auto publish_memory = [self, env] {
    publish_sample(self, env->target, "memory_mb",
                   env->settings.base_memory_mb + self->state.leak_mb);
  };
  auto beat = [self, env, publish_memory] {
    auto& st = self->state;
    ++st.beats;
    if (st.mode == worker_state::leaking) {
      auto bytes = static_cast<size_t>(env->settings.leak_step_mb * 1048576.0);
      st.leak.emplace_back(bytes, static_cast<char>(st.beats));
      st.leak_mb += env->settings.leak_step_mb;
      if (env->settings.base_memory_mb + st.leak_mb
          >= env->settings.leak_limit_mb) {
        if (env->remedy)
          publish_memory();
        env->ledger->exhausted(env->slot);
        throw std::runtime_error("out of memory: leak reached its limit");
      }
    }
    if (!env->remedy || st.mode == worker_state::hung)
      return;
    heartbeat hb{env->target, st.beats,
                 self->clock().now().time_since_epoch(), self->address()};
    publish(self, "heartbeat", caf::make_message(std::move(hb)));
    if (st.beats % env->settings.sample_every == 0)
      publish_memory();
  };
  // Stopped (a restart by a healer, the end of the run): a slow worker
  // sends the answers it owes now; a hung one fails what it holds, instead
  // of leaving its callers to their timeouts.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (!msg.reason)
      return;
    auto& st = self->state;
    for (auto& [rp, y] : st.delayed)
      rp.deliver(y);
    st.delayed.clear();
    auto err = make_error(errc::shutting_down, "chaos worker stopped");
    for (auto& rp : st.held)
      rp.deliver(err);
    st.held.clear();
    self->quit(msg.reason);
  });
  beat();
  self->delayed_send(self, cfg.beat, tick_atom::value);
  return {
    [self, env](work_atom, uint64_t x) -> caf::result<uint64_t> {
      auto& st = self->state;
      if (st.mode == worker_state::hung) {
        if (st.held.size() >= env->settings.max_held)
          st.held.erase(st.held.begin());
        st.held.push_back(self->make_response_promise());
        return st.held.back();
      }
      if (st.errors_until != steady::time_point{}) {
        if (steady::now() < st.errors_until)
          return make_error(errc::unexpected_message,
                            "chaos: error burst in " + env->target);
        st.errors_until = steady::time_point{};
      }
      auto y = lcg(x, env->settings.iterations);
      if (st.mode == worker_state::slow) {
        st.delayed.emplace_back(self->make_response_promise(), y);
        self->delayed_send(self, env->settings.slow_delay,
                           release_atom::value);
        return st.delayed.back().first;
      }
      if (st.mode == worker_state::healthy)
        env->ledger->good_answer(env->slot);
      return y;
    },
    [self](release_atom) {
      auto& st = self->state;
      if (st.delayed.empty())
        return;
      st.delayed.front().first.deliver(st.delayed.front().second);
      st.delayed.pop_front();
    },
    [self, env, beat](tick_atom) {
      beat();
      self->delayed_send(self, env->settings.beat, tick_atom::value);
    },
    [](crash_now_atom) { throw std::runtime_error("chaos: crash loop"); },
    [self, env](inject_atom, uint8_t kind, uint32_t id) {
      auto k = static_cast<fault_kind>(kind);
      auto& st = self->state;
      env->ledger->performed(id, env->slot, k);
      switch (k) {
        case fault_kind::crash:
        case fault_kind::group_loss:
          throw std::runtime_error("chaos: crash");
        case fault_kind::crash_loop:
          // This crash and the next crashes - 1 incarnations.
          env->ledger->arm_crash_loop(env->slot,
                                      env->settings.crash_loop_crashes - 1);
          throw std::runtime_error("chaos: crash loop");
        case fault_kind::hang:
          st.mode = worker_state::hung;
          break;
        case fault_kind::slow:
          st.mode = worker_state::slow;
          break;
        case fault_kind::error_burst:
          st.errors_until = steady::now() + env->settings.error_burst;
          break;
        case fault_kind::leak:
          st.mode = worker_state::leaking;
          break;
      }
    },
  };
}

} // namespace remedy::node
