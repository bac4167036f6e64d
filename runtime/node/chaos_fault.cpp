#include "chaos_fault.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <random>

namespace remedy::node {

const char* to_string(fault_kind x) {
  switch (x) {
    case fault_kind::crash:
      return "crash";
    case fault_kind::crash_loop:
      return "crash_loop";
    case fault_kind::hang:
      return "hang";
    case fault_kind::slow:
      return "slow";
    case fault_kind::error_burst:
      return "error_burst";
    case fault_kind::leak:
      return "leak";
    case fault_kind::group_loss:
      return "group_loss";
  }
  return "?";
}

fault_class expected_class(fault_kind x) {
  switch (x) {
    case fault_kind::crash:
    case fault_kind::group_loss:
      return fault_class::crash;
    case fault_kind::crash_loop:
      return fault_class::crash_loop;
    case fault_kind::hang:
      return fault_class::hang;
    case fault_kind::slow:
      return fault_class::slow;
    case fault_kind::error_burst:
      return fault_class::error_spike;
    case fault_kind::leak:
      return fault_class::resource_exhaustion_predicted;
  }
  return fault_class::crash;
}

bool is_symptom(fault_kind x, fault_class c) {
  if (c == expected_class(x))
    return false;
  switch (x) {
    case fault_kind::crash:
    case fault_kind::group_loss:
      return c == fault_class::error_spike || c == fault_class::slow
             || c == fault_class::hang;
    case fault_kind::crash_loop:
      return c == fault_class::crash || c == fault_class::error_spike
             || c == fault_class::slow || c == fault_class::hang;
    case fault_kind::hang:
      return c == fault_class::error_spike || c == fault_class::slow;
    case fault_kind::leak:
      return c == fault_class::resource_exhaustion
             || c == fault_class::crash || c == fault_class::error_spike;
    case fault_kind::slow:
    case fault_kind::error_burst:
      return false;
  }
  return false;
}

run_shape shape_for(caf::timespan total, size_t workers) {
  using namespace std::chrono;
  run_shape s;
  s.workers = workers;
  s.length = total / 2;
  double len = duration<double>(s.length).count();
  // Warm-up: a fifth of the run, 3-6 s; tail: a quarter, 3.5-7 s.
  s.warmup = duration_cast<caf::timespan>(
    duration<double>(std::clamp(len / 5.0, 3.0, 6.0)));
  s.tail = duration_cast<caf::timespan>(
    duration<double>(std::clamp(len / 4.0, 3.5, 7.0)));
  if (s.warmup + s.tail >= s.length) {
    s.warmup = s.length / 4;
    s.tail = s.length / 4;
  }
  return s;
}

std::vector<planned_fault> plan_faults(uint64_t seed, const run_shape& shape) {
  using namespace std::chrono;
  std::vector<planned_fault> result;
  if (shape.workers == 0 || shape.warmup + shape.tail >= shape.length)
    return result;
  std::mt19937_64 rng{seed};
  auto window = shape.length - shape.warmup - shape.tail;
  double window_s = duration<double>(window).count();
  size_t rounds = std::max<size_t>(1, static_cast<size_t>(window_s / 8.0));
  size_t slots_total = rounds * fault_kind_count;
  double step = window_s / static_cast<double>(slots_total);
  size_t group_size = std::max<size_t>(2, 3 * shape.workers / 8);
  group_size = std::min(group_size, shape.workers);
  // When each worker was last hit (-1: never), in slot units.
  std::vector<double> last_hit(shape.workers, -1.0);
  auto pick = [&](double now) {
    // Never-hit workers first, uniformly; else the least recently hit.
    std::vector<size_t> fresh;
    for (size_t i = 0; i < shape.workers; ++i)
      if (last_hit[i] < 0)
        fresh.push_back(i);
    size_t chosen = 0;
    if (!fresh.empty()) {
      std::uniform_int_distribution<size_t> d{0, fresh.size() - 1};
      chosen = fresh[d(rng)];
    } else {
      double oldest = std::numeric_limits<double>::max();
      for (size_t i = 0; i < shape.workers; ++i)
        if (last_hit[i] < oldest) {
          oldest = last_hit[i];
          chosen = i;
        }
    }
    last_hit[chosen] = now;
    return chosen;
  };
  uint32_t next_id = 1;
  uint32_t next_group = 1;
  std::uniform_real_distribution<double> jitter{0.1, 0.6};
  for (size_t r = 0; r < rounds; ++r) {
    std::vector<fault_kind> kinds;
    for (size_t k = 0; k < fault_kind_count; ++k)
      kinds.push_back(static_cast<fault_kind>(k));
    std::shuffle(kinds.begin(), kinds.end(), rng);
    for (size_t k = 0; k < kinds.size(); ++k) {
      double at_s = duration<double>(shape.warmup).count()
                    + step * (static_cast<double>(r * fault_kind_count + k)
                              + jitter(rng));
      auto at = duration_cast<caf::timespan>(duration<double>(at_s));
      if (kinds[k] == fault_kind::group_loss) {
        auto group = next_group++;
        for (size_t g = 0; g < group_size; ++g)
          result.push_back(
            {next_id++, kinds[k], at, pick(at_s + 1e-6 * g), group});
      } else {
        result.push_back({next_id++, kinds[k], at, pick(at_s), 0});
      }
    }
  }
  return result;
}

} // namespace remedy::node
