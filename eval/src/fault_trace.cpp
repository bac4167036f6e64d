#include "remedy/eval/fault_trace.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include <caf/exit_reason.hpp>

#include "remedy/core/error.hpp"
#include "remedy/core/time_units.hpp"

namespace remedy {

// -- trace basics -------------------------------------------------------------

caf::timespan time_of(const trace_input& x) {
  return std::visit([](const auto& y) { return y.at; }, x);
}

void fault_trace::sort() {
  // Sorts (time, index) keys and moves each input once: sorting the
  // variants themselves moves them log n times (the bulk of the generator's
  // time in debug builds). The index as second key keeps the sort stable.
  std::vector<std::pair<caf::timespan::rep, size_t>> keys;
  keys.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    keys.emplace_back(time_of(inputs[i]).count(), i);
  if (std::is_sorted(keys.begin(), keys.end()))
    return;
  std::sort(keys.begin(), keys.end());
  std::vector<trace_input> sorted;
  sorted.reserve(inputs.size());
  for (auto& k : keys)
    sorted.push_back(std::move(inputs[k.second]));
  inputs = std::move(sorted);
}

const char* to_string(fault_scenario x) {
  switch (x) {
    case fault_scenario::crash:
      return "crash";
    case fault_scenario::crash_loop:
      return "crash_loop";
    case fault_scenario::hang_silent:
      return "hang_silent";
    case fault_scenario::hang_stuck_call:
      return "hang_stuck_call";
    case fault_scenario::hang_worker:
      return "hang_worker";
    case fault_scenario::slow:
      return "slow";
    case fault_scenario::error_spike:
      return "error_spike";
    case fault_scenario::memory_leak:
      return "memory_leak";
  }
  return "<invalid fault_scenario>";
}

std::vector<fault_scenario> all_fault_scenarios() {
  using s = fault_scenario;
  return {s::crash,       s::crash_loop, s::hang_silent, s::hang_stuck_call,
          s::hang_worker, s::slow,       s::error_spike, s::memory_leak};
}

std::vector<fault_class> label_classes(fault_scenario x) {
  using c = fault_class;
  switch (x) {
    case fault_scenario::crash:
      return {c::crash};
    case fault_scenario::crash_loop:
      return {c::crash_loop};
    case fault_scenario::hang_silent:
    case fault_scenario::hang_stuck_call:
    case fault_scenario::hang_worker:
      return {c::hang};
    case fault_scenario::slow:
      return {c::slow};
    case fault_scenario::error_spike:
      return {c::error_spike};
    case fault_scenario::memory_leak:
      return {c::resource_exhaustion_predicted, c::resource_exhaustion};
  }
  return {};
}

std::vector<fault_scenario> scenarios_of(fault_class x) {
  std::vector<fault_scenario> result;
  for (auto s : all_fault_scenarios()) {
    auto cs = label_classes(s);
    if (std::find(cs.begin(), cs.end(), x) != cs.end())
      result.push_back(s);
  }
  return result;
}

caf::error trace_settings::validate() const {
  auto fail = [](const std::string& what) {
    return make_error(errc::invalid_argument, "trace settings: " + what);
  };
  if (services + workers == 0)
    return fail("no targets");
  if (supervisor.empty())
    return fail("empty supervisor name");
  if (warm_up.count() < 0 || warm_up_jitter.count() < 0 || tail.count() < 0)
    return fail("warm_up, warm_up_jitter and tail must not be negative");
  if (heartbeat_interval.count() <= 0 || sample_interval.count() <= 0
      || memory_interval.count() <= 0)
    return fail("intervals must be positive");
  if (!(jitter_min >= 0.0) || !(jitter_max >= jitter_min) || jitter_max > 0.5)
    return fail("need 0 <= jitter_min <= jitter_max <= 0.5");
  if (!(pause_probability >= 0.0 && pause_probability <= 1.0))
    return fail("pause_probability must be in [0, 1]");
  if (max_pause.count() < 0)
    return fail("max_pause must not be negative");
  if (!(sourceless_worker_share >= 0.0 && sourceless_worker_share <= 1.0))
    return fail("sourceless_worker_share must be in [0, 1]");
  if (!(memory_limit_mb > 700.0) || !std::isfinite(memory_limit_mb))
    return fail("memory_limit_mb must be finite and above 700 (healthy "
                "memory peaks at 580 MB)");
  // Healthy noise learned from NAB.
  auto share = [](double x) { return x >= 0.0 && x <= 1.0; };
  auto ordered = [](double lo, double hi) {
    return std::isfinite(lo) && std::isfinite(hi) && lo <= hi;
  };
  if (!share(idle_route_share))
    return fail("idle_route_share must be in [0, 1]");
  if (!ordered(idle_calls_min, idle_calls_max) || !(idle_calls_min > 0.0))
    return fail("need 0 < idle_calls_min <= idle_calls_max (finite)");
  if (burst_every_min.count() <= 0 || burst_every_min > burst_every_max)
    return fail("need 0 < burst_every_min <= burst_every_max");
  if (burst_length_min.count() < 0 || burst_length_min > burst_length_max
      || burst_length_max >= burst_every_min)
    return fail("need 0 <= burst_length_min <= burst_length_max < "
                "burst_every_min");
  if (!ordered(burst_multiple_min, burst_multiple_max)
      || burst_multiple_min < 1.0)
    return fail("need 1 <= burst_multiple_min <= burst_multiple_max (finite)");
  if (!(burst_latency_rise >= 0.0 && burst_latency_rise <= 1.0))
    return fail("burst_latency_rise must be in [0, 1]");
  if (!(weekend_traffic > 0.0 && weekend_traffic <= 1.0))
    return fail("weekend_traffic must be in (0, 1]");
  if (!(level_shifts_per_day >= 0.0) || !std::isfinite(level_shifts_per_day))
    return fail("level_shifts_per_day must be finite and >= 0");
  if (!ordered(level_shift_min, level_shift_max) || level_shift_min < 0.0
      || level_shift_max > 0.3)
    return fail("need 0 <= level_shift_min <= level_shift_max <= 0.3 (a "
                "larger lasting rise is a slowdown, not noise)");
  if (!(gaps_per_day >= 0.0) || !std::isfinite(gaps_per_day))
    return fail("gaps_per_day must be finite and >= 0");
  if (gap_min.count() <= 0 || gap_median < gap_min || gap_p90 < gap_median)
    return fail("need 0 < gap_min <= gap_median <= gap_p90");
  // Fault magnitudes: finite ranges with min <= max.
  auto range = [](double lo, double hi) {
    return std::isfinite(lo) && std::isfinite(hi) && lo <= hi;
  };
  auto span = [](caf::timespan lo, caf::timespan hi) {
    return lo.count() >= 0 && lo <= hi;
  };
  if (!range(slow_factor_min, slow_factor_max) || slow_factor_min < 1.0)
    return fail("need 1 <= slow_factor_min <= slow_factor_max (finite)");
  if (!range(error_rate_min, error_rate_max) || !(error_rate_min > 0.0)
      || error_rate_max > 1.0)
    return fail("need 0 < error_rate_min <= error_rate_max <= 1");
  if (slow_ramp_max.count() < 0 || error_ramp_max.count() < 0)
    return fail("slow_ramp_max and error_ramp_max must not be negative");
  if (!span(degraded_min, degraded_max) || degraded_min.count() == 0)
    return fail("need 0 < degraded_min <= degraded_max");
  if (!span(hang_min, hang_max) || hang_min.count() == 0)
    return fail("need 0 < hang_min <= hang_max");
  if (!span(leak_duration_min, leak_duration_max)
      || leak_duration_min.count() == 0)
    return fail("need 0 < leak_duration_min <= leak_duration_max");
  if (!span(leak_hold_min, leak_hold_max))
    return fail("need 0 <= leak_hold_min <= leak_hold_max");
  if (crash_loop_crashes_min == 0
      || crash_loop_crashes_min > crash_loop_crashes_max
      || crash_loop_crashes_max > 1000)
    return fail("need 1 <= crash_loop_crashes_min <= crash_loop_crashes_max "
                "<= 1000");
  if (!span(crash_loop_uptime_min, crash_loop_uptime_max))
    return fail("need 0 <= crash_loop_uptime_min <= crash_loop_uptime_max");
  return caf::none;
}

// -- generator ----------------------------------------------------------------

namespace {

using ts = caf::timespan;
using rng_type = std::mt19937_64;

constexpr double two_pi = 6.283185307179586;
constexpr double day_s = 86400.0;



/// splitmix64: decorrelates seeds that differ in a few bits.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double uniform(rng_type& g, double lo, double hi) {
  return std::uniform_real_distribution<double>{lo, hi}(g);
}

double log_uniform(rng_type& g, double lo, double hi) {
  return std::exp(uniform(g, std::log(lo), std::log(hi)));
}

double normal(rng_type& g, double mean, double sd) {
  return std::normal_distribution<double>{mean, sd}(g);
}

bool chance(rng_type& g, double p) {
  return uniform(g, 0.0, 1.0) < p;
}

int64_t poisson(rng_type& g, double mean) {
  if (mean <= 0.0)
    return 0;
  return std::poisson_distribution<int64_t>{mean}(g);
}

int64_t binomial(rng_type& g, int64_t n, double p) {
  if (n <= 0 || p <= 0.0)
    return 0;
  return std::binomial_distribution<int64_t>{n, std::min(p, 1.0)}(g);
}

struct crash_event {
  ts exit{0};
  ts restart{0};
};

/// The fault planned for one target.
struct fault_plan {
  fault_scenario scenario = fault_scenario::crash;
  ts start{0};
  ts end{0};
  /// slow: the latency factor; error_spike: the error rate.
  double level = 1.0;
  ts ramp{0};
  std::vector<crash_event> crashes;
  /// memory_leak: MB per second, how long memory stays past the limit, and
  /// what the generator saw.
  double leak_slope = 0.0;
  ts hold{0};
  std::optional<ts> reached;
  std::optional<ts> drop;

  bool in(ts t) const {
    return t >= start && t < end;
  }

  /// 0 to 1: how far the fault is ramped up at `t` (ramps up after `start`
  /// and down before `end`).
  double ramp_share(ts t) const {
    if (!in(t))
      return 0.0;
    if (ramp.count() <= 0)
      return 1.0;
    auto r = seconds_of(ramp);
    return std::min({1.0, seconds_of(t - start) / r, seconds_of(end - t) / r});
  }
};

const caf::error& crash_reason() {
  static const caf::error x
    = caf::make_error(caf::exit_reason::unhandled_exception);
  return x;
}

struct target_model {
  std::string name;
  std::string child;
  bool route = false;
  /// Heartbeats carry the incarnation's address.
  bool sourced = true;
  uint64_t actor_base = 0;
  rng_type hb_rng;
  rng_type route_rng;
  rng_type mem_rng;
  // Heartbeats.
  double jitter = 0.07;
  ts next_beat{0};
  ts last_beat{0};
  uint64_t seq = 0;
  uint64_t incarnation = 1;
  // Route.
  double latency_ms = 20.0;
  double latency_sigma = 0.2;
  double calls_per_s = 50.0;
  double error_p0 = 0.01;
  double day_phase = 0.0;
  double load_phase = 0.0;
  double load_period_s = 3600.0;
  ts next_sample{0};
  // Healthy noise learned from NAB: each schedule has a stream of its own,
  // drawn in time order, so chunking a trace does not change it.
  rng_type shift_rng;
  rng_type gap_rng;
  bool idle = false;
  double idle_calls = 1.0;
  double burst_period_s = 600.0;
  double burst_length_s = 60.0;
  double burst_phase_s = 0.0;
  double burst_multiple = 10.0;
  double burst_rise = 0.0;
  double weekend = 1.0;
  /// Baseline latency factor from deploy shifts, kept within
  /// [1 - shift_cap, 1 + shift_cap].
  double shift = 1.0;
  double shift_cap = 0.0;
  ts next_shift = ts::max();
  ts gap_start = ts::max();
  ts gap_end = ts::max();
  // Memory.
  double mem_base = 300.0;
  double mem_amp = 50.0;
  double mem_period_s = 120.0;
  double mem_phase_s = 0.0;
  double mem_noise = 1.0;
  ts next_memory{0};
  std::optional<fault_plan> fault;

  /// The daily and load swings at `t`, each around 1.
  double day(ts t) const {
    return std::sin(two_pi * seconds_of(t) / day_s + day_phase);
  }
  double load(ts t) const {
    return std::sin(two_pi * seconds_of(t) / load_period_s + load_phase);
  }
  /// Weekly seasonality: the share of weekday traffic at `t` (days 5 and 6
  /// of every 7 since the epoch are the weekend).
  double week(ts t) const {
    auto d = static_cast<int64_t>(std::floor(seconds_of(t) / day_s)) % 7;
    return d >= 5 ? weekend : 1.0;
  }
  /// An idle route's batch job runs at `t`.
  bool in_burst(ts t) const {
    return idle
           && std::fmod(seconds_of(t) + burst_phase_s, burst_period_s)
                < burst_length_s;
  }
  double calls_rate(ts t) const {
    if (idle)
      return idle_calls * week(t) * (in_burst(t) ? burst_multiple : 1.0);
    return calls_per_s * (1.0 + 0.5 * day(t)) * (1.0 + 0.2 * load(t))
           * week(t);
  }
  double base_latency(ts t) const {
    auto rise = in_burst(t) ? 1.0 + burst_rise : 1.0;
    return latency_ms * (1.0 + 0.25 * day(t)) * (1.0 + 0.1 * load(t)) * shift
           * rise;
  }
  double base_error(ts t) const {
    return error_p0 * (1.0 + 0.5 * day(t)) * (1.0 + 0.2 * load(t));
  }

  bool hung(ts t) const {
    return fault
           && (fault->scenario == fault_scenario::hang_silent
               || fault->scenario == fault_scenario::hang_worker)
           && fault->in(t);
  }

  /// The first crash whose exit lies in (from, to].
  const crash_event* crash_in(ts from, ts to, size_t* index) const {
    if (!fault)
      return nullptr;
    auto& cs = fault->crashes;
    for (size_t i = 0; i < cs.size(); ++i) {
      if (cs[i].exit > from && cs[i].exit <= to) {
        *index = i;
        return &cs[i];
      }
    }
    return nullptr;
  }
};

class world {
public:
  world(uint64_t seed, const trace_settings& settings, ts begin)
    : settings_(settings), rng_(mix(seed)), begin_(begin) {
    // The NAB-learned noise draws from here only: the draws of `rng_` (and
    // so every other signal) do not depend on it.
    rng_type shape{mix(seed ^ 0x4e4142ULL)};
    auto add = [&](bool route, size_t n) {
      target_model m;
      m.route = route;
      m.child = (route ? "api-" : "worker-") + std::to_string(n);
      m.name = settings_.supervisor + "/" + m.child;
      m.actor_base = 1000 * (targets_.size() + 1);
      m.hb_rng.seed(mix(rng_()));
      m.route_rng.seed(mix(rng_()));
      m.mem_rng.seed(mix(rng_()));
      m.jitter = uniform(rng_, settings_.jitter_min, settings_.jitter_max);
      m.sourced = route || !chance(rng_, settings_.sourceless_worker_share);
      m.latency_ms = log_uniform(rng_, 5.0, 50.0);
      m.latency_sigma = uniform(rng_, 0.1, 0.3);
      m.calls_per_s = log_uniform(rng_, 20.0, 200.0);
      m.error_p0 = log_uniform(rng_, 0.002, 0.02);
      m.day_phase = uniform(rng_, 0.0, two_pi);
      m.load_phase = uniform(rng_, 0.0, two_pi);
      m.load_period_s = uniform(rng_, 1800.0, 7200.0);
      m.mem_base = uniform(rng_, 150.0, 500.0);
      m.mem_amp = uniform(rng_, 10.0, 80.0);
      m.mem_period_s = uniform(rng_, 60.0, 600.0);
      m.mem_phase_s = uniform(rng_, 0.0, m.mem_period_s);
      m.mem_noise = uniform(rng_, 0.5, 3.0);
      auto hb = seconds_of(settings_.heartbeat_interval);
      m.next_beat = begin + from_seconds(uniform(rng_, 0.0, hb));
      m.last_beat = begin;
      m.next_sample
        = begin
          + from_seconds(uniform(rng_, 0.0, seconds_of(settings_.sample_interval)));
      m.next_memory
        = begin
          + from_seconds(uniform(rng_, 0.0, seconds_of(settings_.memory_interval)));
      m.shift_rng.seed(mix(shape()));
      m.gap_rng.seed(mix(shape()));
      auto& st = settings_;
      m.weekend = st.weekend_traffic;
      m.idle = route && chance(shape, st.idle_route_share);
      m.idle_calls = log_uniform(shape, st.idle_calls_min, st.idle_calls_max);
      m.burst_period_s = uniform(shape, seconds_of(st.burst_every_min),
                                 seconds_of(st.burst_every_max));
      m.burst_length_s = uniform(shape, seconds_of(st.burst_length_min),
                                 seconds_of(st.burst_length_max));
      m.burst_phase_s = uniform(shape, 0.0, m.burst_period_s);
      m.burst_multiple = log_uniform(shape, st.burst_multiple_min,
                                     st.burst_multiple_max);
      m.burst_rise = st.burst_latency_rise;
      m.shift_cap = st.level_shift_max;
      if (route) {
        m.next_shift = next_event(m.shift_rng, begin, st.level_shifts_per_day);
        m.gap_start = next_event(m.gap_rng, begin, st.gaps_per_day);
        m.gap_end = gap_after(m.gap_rng, m.gap_start);
      }
      targets_.push_back(std::move(m));
    };
    for (size_t i = 1; i <= settings_.services; ++i)
      add(true, i);
    for (size_t i = 1; i <= settings_.workers; ++i)
      add(false, i);
  }

  rng_type& rng() {
    return rng_;
  }

  std::vector<target_model>& targets() {
    return targets_;
  }

  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (auto& m : targets_)
      result.push_back(m.name);
    return result;
  }

  /// The supervision events that start every target, at `begin`.
  void emit_starts(std::vector<trace_input>& out) const {
    for (auto& m : targets_) {
      supervision_event ev;
      ev.kind = supervision_event_kind::child_started;
      ev.supervisor = settings_.supervisor;
      ev.child = m.child;
      ev.actor = m.actor_base + 1;
      ev.at = begin_;
      out.emplace_back(std::move(ev));
    }
  }

  /// The supervision events and downs of `m`'s crashes.
  void emit_crashes(const target_model& m,
                    std::vector<trace_input>& out) const {
    if (!m.fault)
      return;
    auto& cs = m.fault->crashes;
    for (size_t i = 0; i < cs.size(); ++i) {
      auto& c = cs[i];
      auto incarnation = static_cast<uint64_t>(i) + 1;
      supervision_event ev;
      ev.supervisor = settings_.supervisor;
      ev.child = m.child;
      ev.kind = supervision_event_kind::child_exited;
      ev.actor = m.actor_base + incarnation;
      ev.reason = crash_reason();
      ev.restarts = i;
      ev.at = c.exit;
      out.emplace_back(ev);
      ev.kind = supervision_event_kind::child_restarting;
      ev.reason = caf::error{};
      ev.delay = c.restart - c.exit;
      ev.cause = m.child;
      out.emplace_back(ev);
      ev.kind = supervision_event_kind::child_restarted;
      ev.actor = m.actor_base + incarnation + 1;
      ev.delay = ts{0};
      ev.restarts = i + 1;
      ev.at = c.restart;
      out.emplace_back(ev);
      if (m.sourced)
        out.emplace_back(trace_down{m.name, incarnation, crash_reason(),
                                    c.exit + std::chrono::milliseconds(1)});
    }
  }

  /// Every heartbeat and sample from where the previous call stopped (the
  /// beginning at first) until `to` (exclusive).
  void emit(ts to, std::vector<trace_input>& out) {
    // Reserve what the streams will add (a little more): growing a vector
    // of variants moves every input it holds.
    auto span = seconds_of(to - emitted_until_);
    if (span > 0.0) {
      auto per_target = span / seconds_of(settings_.heartbeat_interval)
                        + span / seconds_of(settings_.memory_interval);
      auto per_route = span / seconds_of(settings_.sample_interval)
                       * (settings_.all_route_metrics ? 6.0 : 3.0);
      auto n = static_cast<double>(targets_.size()) * per_target
               + static_cast<double>(settings_.services) * per_route;
      out.reserve(out.size() + static_cast<size_t>(n * 1.05) + 64);
      emitted_until_ = to;
    }
    for (auto& m : targets_) {
      emit_heartbeats(m, to, out);
      if (m.route)
        emit_route(m, to, out);
      emit_memory(m, to, out);
    }
  }

private:
  void emit_heartbeats(target_model& m, ts to, std::vector<trace_input>& out) {
    auto interval = seconds_of(settings_.heartbeat_interval);
    while (m.next_beat < to) {
      auto t = m.next_beat;
      size_t index = 0;
      if (auto* c = m.crash_in(m.last_beat, t, &index)) {
        // The incarnation died before this beat; the next one beats as
        // soon as it starts.
        m.incarnation = index + 2;
        m.seq = 0;
        m.last_beat = c->exit;
        m.next_beat = c->restart + from_seconds(uniform(m.hb_rng, 0.0005, 0.01));
        continue;
      }
      if (m.hung(t)) {
        // The pending heartbeat tick runs as soon as the actor is free.
        m.last_beat = t;
        m.next_beat = m.fault->end + from_seconds(uniform(m.hb_rng, 0.0005, 0.05));
        continue;
      }
      out.emplace_back(
        trace_heartbeat{m.name, ++m.seq, m.sourced ? m.incarnation : 0, t});
      m.last_beat = t;
      auto gap = interval * (1.0 + normal(m.hb_rng, 0.0, m.jitter));
      if (chance(m.hb_rng, settings_.pause_probability))
        gap += uniform(m.hb_rng, 0.0, seconds_of(settings_.max_pause));
      m.next_beat = t + from_seconds(std::max(gap, 0.1 * interval));
    }
  }

  void emit_route(target_model& m, ts to, std::vector<trace_input>& out) {
    auto step = settings_.sample_interval;
    while (m.next_sample < to) {
      auto t = m.next_sample;
      m.next_sample += step;
      while (m.next_shift <= t) {
        // A deploy: the baseline moves by level_shift_min..max, up or down,
        // and stays within +-level_shift_max of where it began.
        auto size = uniform(m.shift_rng, settings_.level_shift_min,
                            settings_.level_shift_max);
        auto moved = m.shift * (chance(m.shift_rng, 0.5) ? 1.0 + size
                                                         : 1.0 - size);
        if (moved > 1.0 + m.shift_cap || moved < 1.0 - m.shift_cap)
          moved = m.shift * (m.shift * (1.0 + size) > 1.0 + m.shift_cap
                               ? 1.0 - size
                               : 1.0 + size);
        m.shift = std::clamp(moved, 1.0 - m.shift_cap, 1.0 + m.shift_cap);
        m.next_shift = next_event(m.shift_rng, m.next_shift,
                                  settings_.level_shifts_per_day);
      }
      while (m.gap_end <= t) {
        m.gap_start = next_event(m.gap_rng, m.gap_end, settings_.gaps_per_day);
        m.gap_end = gap_after(m.gap_rng, m.gap_start);
      }
      if (t >= m.gap_start && !(m.fault && m.gap_start < m.fault->end
                                && m.gap_end > m.fault->start))
        continue; // the scraper is gone: nothing is published
      route_sample(m, t, out);
    }
  }

  /// The time of the next event of a Poisson process of `per_day` after
  /// `from` (never for 0).
  static ts next_event(rng_type& g, ts from, double per_day) {
    if (per_day <= 0.0)
      return ts::max();
    auto wait = std::exponential_distribution<double>{per_day / day_s}(g);
    if (wait > 1e9) // beyond any trace (and any timespan)
      return ts::max();
    return from + from_seconds(wait);
  }

  /// The end of a gap that starts at `start`.
  ts gap_after(rng_type& g, ts start) const {
    if (start == ts::max())
      return ts::max();
    // Lognormal: median gap_median, 90th percentile gap_p90 (z 1.2816),
    // at least gap_min and at most a day.
    auto median = seconds_of(settings_.gap_median);
    auto sigma = std::log(seconds_of(settings_.gap_p90) / median) / 1.2815516;
    auto length = sigma > 0.0 ? median * std::exp(normal(g, 0.0, sigma))
                              : median;
    length = std::clamp(length, seconds_of(settings_.gap_min), day_s);
    return start + from_seconds(length);
  }

  void route_sample(target_model& m, ts t, std::vector<trace_input>& out) {
    auto& g = m.route_rng;
    auto s = seconds_of(settings_.sample_interval);
    auto from = t - settings_.sample_interval;
    auto put = [&](const char* metric, double value) {
      out.emplace_back(sample{m.name, metric, value, t});
    };
    auto all = settings_.all_route_metrics;
    // Healthy figures of the interval (from, t].
    auto rate = m.calls_rate(t);
    auto sigma = m.latency_sigma;
    auto latency = m.base_latency(t)
                   * std::exp(normal(g, -sigma * sigma / 2, sigma));
    if (chance(g, 0.002))
      latency *= uniform(g, 2.0, 5.0); // one slow downstream call
    auto calls = poisson(g, rate * s);
    auto p = m.base_error(t);
    auto in_flight = static_cast<double>(poisson(g, rate * latency / 1000.0));
    auto oldest = latency * uniform(g, 0.5, 2.0);
    auto max_latency = latency * uniform(g, 2.0, 5.0);
    double extra_failures = 0.0;
    // Calls answered late, all at once: (count, mean wait in ms).
    double late_calls = 0.0;
    double late_ms = 0.0;
    if (auto& f = m.fault) {
      using fs = fault_scenario;
      switch (f->scenario) {
        case fs::slow: {
          auto factor = 1.0 + (f->level - 1.0) * f->ramp_share(t);
          latency *= factor;
          max_latency *= factor;
          oldest *= factor;
          in_flight *= factor;
          break;
        }
        case fs::error_spike:
          p = std::max(p, f->level * f->ramp_share(t));
          break;
        case fs::hang_silent:
          if (f->in(t) && t - f->start >= settings_.sample_interval / 2) {
            // Nothing is answered: only the call gauges move.
            auto age = seconds_of(t - f->start);
            if (all) {
              put("calls", 0.0);
              put("in_flight", in_flight + std::floor(rate * age));
            }
            put("oldest_ms", std::max(oldest, age * 1000.0));
            return;
          }
          if (t >= f->end && from < f->end) {
            auto d = seconds_of(f->end - f->start);
            late_calls = std::floor(rate * d);
            late_ms = d * 500.0;
            max_latency = std::max(max_latency, d * 1000.0);
          }
          break;
        case fs::hang_stuck_call:
          if (f->in(t)) {
            oldest = std::max(oldest, seconds_of(t - f->start) * 1000.0);
            in_flight += 1.0;
          } else if (t >= f->end && from < f->end) {
            auto d = seconds_of(f->end - f->start);
            late_calls = 1.0;
            late_ms = d * 1000.0;
            max_latency = std::max(max_latency, late_ms);
          }
          break;
        case fs::crash:
        case fs::crash_loop:
          for (auto& c : f->crashes) {
            if (c.exit <= from && c.restart > t) {
              // Down for the whole interval: calls wait in the endpoint.
              auto age = seconds_of(t - c.exit);
              if (all) {
                put("calls", 0.0);
                put("in_flight", std::floor(rate * age));
              }
              put("oldest_ms", age * 1000.0);
              return;
            }
            if (c.exit > from && c.exit <= t)
              extra_failures += std::max(1.0, in_flight);
            if (c.restart > from && c.restart <= t) {
              auto d = seconds_of(c.restart - std::max(c.exit, from));
              late_calls += std::floor(rate * d);
              late_ms = d * 500.0;
              max_latency = std::max(max_latency, d * 1000.0);
            }
          }
          break;
        default:
          break;
      }
    }
    auto answered = static_cast<double>(calls) + late_calls + extra_failures;
    if (all)
      put("calls", answered);
    if (answered > 0.0) {
      auto failures = static_cast<double>(binomial(g, calls, p))
                      + extra_failures;
      auto mean = (latency * static_cast<double>(calls) + late_ms * late_calls
                   + latency * extra_failures)
                  / answered;
      put("latency_ms", mean);
      if (all)
        put("latency_max_ms", std::max(max_latency, mean));
      put("error_rate", std::min(1.0, failures / answered));
    }
    if (all)
      put("in_flight", in_flight);
    put("oldest_ms", oldest);
  }

  void emit_memory(target_model& m, ts to, std::vector<trace_input>& out) {
    auto step = settings_.memory_interval;
    auto limit = settings_.memory_limit_mb;
    while (m.next_memory < to) {
      auto t = m.next_memory;
      m.next_memory += step;
      auto phase = std::fmod(seconds_of(t) + m.mem_phase_s, m.mem_period_s);
      auto value = m.mem_base + m.mem_amp * phase / m.mem_period_s
                   + normal(m.mem_rng, 0.0, m.mem_noise);
      if (m.fault && m.fault->scenario == fault_scenario::memory_leak) {
        auto& f = *m.fault;
        if (t >= f.start && (!f.drop || t < *f.drop)) {
          value += f.leak_slope * seconds_of(t - f.start);
          if (!f.reached && value >= limit) {
            f.reached = t;
            f.drop = t + f.hold;
          }
        }
      }
      out.emplace_back(sample{m.name, "memory_mb", value, t});
    }
  }

  trace_settings settings_;
  rng_type rng_;
  ts begin_;
  ts emitted_until_{begin_};
  std::vector<target_model> targets_;
};

/// A trace starts at a random time of day 1000 h after the clock's epoch.
ts trace_begin(rng_type& g) {
  return std::chrono::hours(1000) + from_seconds(uniform(g, 0.0, day_s));
}

} // namespace

fault_trace generate_fault_trace(fault_scenario scenario, uint64_t seed,
                                 const trace_settings& settings) {
  using fs = fault_scenario;
  auto salt = (static_cast<uint64_t>(scenario) + 1) * 0x51ed270b27a1f1ULL;
  rng_type g{mix(seed ^ salt)};
  fault_trace result;
  result.name = std::string{to_string(scenario)} + "#" + std::to_string(seed);
  result.seed = seed;
  result.begin = trace_begin(g);
  world w{g(), settings, result.begin};
  auto& targets = w.targets();
  // Which target: routes for route faults, workers for silent workers.
  size_t victim = 0;
  auto services = settings.services;
  auto workers = settings.workers;
  auto pick = [&](size_t first, size_t n) {
    if (n == 0)
      return std::uniform_int_distribution<size_t>{0, targets.size() - 1}(g);
    return first + std::uniform_int_distribution<size_t>{0, n - 1}(g);
  };
  switch (scenario) {
    case fs::hang_silent:
    case fs::hang_stuck_call:
    case fs::slow:
    case fs::error_spike:
      victim = pick(0, services);
      break;
    case fs::hang_worker:
      victim = pick(services, workers);
      break;
    default:
      victim = pick(0, targets.size());
      break;
  }
  auto& m = targets[victim];
  fault_plan f;
  f.scenario = scenario;
  f.start = result.begin + settings.warm_up
            + from_seconds(uniform(g, 0.0, seconds_of(settings.warm_up_jitter)));
  std::vector<fault_label> labels;
  auto label = [&](fault_class cls, ts start, ts end) {
    fault_label l;
    l.cls = cls;
    l.target = m.name;
    l.start = start;
    l.end = end;
    l.detail = to_string(scenario);
    labels.push_back(std::move(l));
  };
  switch (scenario) {
    case fs::crash: {
      auto backoff = from_seconds(uniform(g, 0.1, 2.0));
      f.crashes.push_back({f.start, f.start + backoff});
      f.end = f.start + backoff;
      label(fault_class::crash, f.start, f.end);
      break;
    }
    case fs::crash_loop: {
      auto n = std::uniform_int_distribution<int>{
        static_cast<int>(settings.crash_loop_crashes_min),
        static_cast<int>(settings.crash_loop_crashes_max)}(g);
      auto t = f.start;
      for (int i = 0; i < n; ++i) {
        auto backoff = std::min(0.1 * std::pow(2.0, i), 2.0)
                       * uniform(g, 0.8, 1.2);
        crash_event c{t, t + from_seconds(backoff)};
        f.crashes.push_back(c);
        t = c.restart
            + from_seconds(uniform(g, seconds_of(settings.crash_loop_uptime_min),
                                seconds_of(settings.crash_loop_uptime_max)));
      }
      f.end = f.crashes.back().restart;
      label(fault_class::crash_loop, f.start, f.end);
      break;
    }
    case fs::hang_silent:
    case fs::hang_stuck_call:
    case fs::hang_worker:
      f.end = f.start
              + from_seconds(
                uniform(g, seconds_of(settings.hang_min), seconds_of(settings.hang_max)));
      label(fault_class::hang, f.start, f.end);
      break;
    case fs::slow:
      f.level = uniform(g, settings.slow_factor_min, settings.slow_factor_max);
      f.ramp = from_seconds(uniform(g, 0.0, seconds_of(settings.slow_ramp_max)));
      f.end = f.start
              + from_seconds(uniform(g, seconds_of(settings.degraded_min),
                                  seconds_of(settings.degraded_max)));
      label(fault_class::slow, f.start, f.end);
      break;
    case fs::error_spike:
      f.level = uniform(g, settings.error_rate_min, settings.error_rate_max);
      f.ramp = from_seconds(uniform(g, 0.0, seconds_of(settings.error_ramp_max)));
      f.end = f.start
              + from_seconds(uniform(g, seconds_of(settings.degraded_min),
                                  seconds_of(settings.degraded_max)));
      label(fault_class::error_spike, f.start, f.end);
      break;
    case fs::memory_leak: {
      auto normal_peak = m.mem_base + m.mem_amp / 2;
      // Drawn in minutes (5 to 20 by default) as it always was: the same
      // seed gives the same slope to the last bit.
      auto minutes = uniform(g, seconds_of(settings.leak_duration_min) / 60.0,
                             seconds_of(settings.leak_duration_max) / 60.0);
      f.leak_slope = (settings.memory_limit_mb - normal_peak)
                     / (minutes * 60.0);
      f.hold = from_seconds(
        uniform(g, seconds_of(settings.leak_hold_min), seconds_of(settings.leak_hold_max)));
      // Memory is at least base + leak (less noise of a few MB), so the
      // limit is reached by then.
      f.end = f.start
              + from_seconds((settings.memory_limit_mb - m.mem_base + 50.0)
                          / f.leak_slope)
              + f.hold;
      break;
    }
  }
  m.fault = f;
  result.end = m.fault->end + settings.tail;
  result.targets = w.names();
  w.emit_starts(result.inputs);
  w.emit_crashes(m, result.inputs);
  w.emit(result.end, result.inputs);
  if (scenario == fs::memory_leak) {
    auto& done = *m.fault;
    if (done.reached) {
      label(fault_class::resource_exhaustion_predicted, done.start,
            *done.reached);
      labels.back().reached = done.reached;
      label(fault_class::resource_exhaustion, *done.reached, *done.drop);
    }
  }
  result.labels = std::move(labels);
  result.sort();
  return result;
}

struct healthy_trace_generator::impl {
  impl(uint64_t seed, trace_settings s)
    : settings(std::move(s)), g(mix(seed ^ 0x6ea17bULL)) {
    begin = trace_begin(g);
    now = begin;
    w.emplace(g(), settings, begin);
    names = w->names();
  }

  trace_settings settings;
  rng_type g;
  ts begin{0};
  ts now{0};
  std::optional<world> w;
  std::vector<std::string> names;
  uint64_t seed = 0;
  size_t chunks = 0;
};

healthy_trace_generator::healthy_trace_generator(uint64_t seed,
                                                 trace_settings settings)
  : impl_(std::make_unique<impl>(seed, std::move(settings))) {
  impl_->seed = seed;
}

healthy_trace_generator::~healthy_trace_generator() = default;

healthy_trace_generator::healthy_trace_generator(
  healthy_trace_generator&&) noexcept = default;

healthy_trace_generator& healthy_trace_generator::operator=(
  healthy_trace_generator&&) noexcept = default;

fault_trace healthy_trace_generator::next(caf::timespan duration) {
  auto& d = *impl_;
  fault_trace result;
  result.name = "healthy#" + std::to_string(d.seed) + "."
                + std::to_string(d.chunks);
  result.seed = d.seed;
  result.begin = d.now;
  result.end = d.now + duration;
  result.targets = d.names;
  if (d.chunks == 0)
    d.w->emit_starts(result.inputs);
  d.w->emit(result.end, result.inputs);
  result.sort();
  d.now = result.end;
  ++d.chunks;
  return result;
}

caf::timespan healthy_trace_generator::now() const {
  return impl_->now;
}

const std::vector<std::string>& healthy_trace_generator::targets() const {
  return impl_->names;
}

fault_trace generate_healthy_trace(uint64_t seed, caf::timespan duration,
                                   const trace_settings& settings) {
  return healthy_trace_generator{seed, settings}.next(duration);
}

} // namespace remedy
