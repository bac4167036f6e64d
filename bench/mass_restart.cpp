// mass_restart: a one_for_all supervisor with N children; one child crashes;
// time until all N new incarnations run again.
//
// Every child, from its init, tells a collector that it started; the clock
// starts just before the crash message is sent and stops at the N-th start
// report after it. With --ping the collector also pings every started child
// (plain send, no request table) and the clock stops at the N-th pong, i.e.
// when all N new incarnations have answered. With --crash-all every child is
// crashed (a crash storm) instead of one.
//
// Sides, all in one actor system, repetitions interleaved (rotated order):
//   remedy      spawn_supervisor(one_for_all, N static child_specs), default
//               shutdown (timeout 5 s: exit on the high-priority path; one
//               kill timer per stop job), children stopped one at a time in
//               reverse order as OTP does
//   remedy_bk   the same with shutdown_spec::brutal_kill() (no timer)
//   caf         a hand-written one_for_all supervisor: on a child's down_msg
//               it sends exit (high priority) to all others, 256 per handler
//               run, counts their down_msgs, then respawns all, 256 per
//               handler run, continuing each batch through the actor clock
//               so the worker runs what was queued (see `more`) (the
//               baseline)
//   caf_seq     the same, but stopping one child at a time in reverse order
//               and waiting for each down_msg (OTP's order, by hand)
// Reported: t(N) per side, t(N_max)/t(N_min) (goal <= 60 for 1k -> 50k, i.e.
// linear), and remedy/caf ratios.
#include <algorithm>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "common.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/shutdown_spec.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"

namespace {

using started_atom = caf::atom_constant<caf::atom("b_started")>;
using bench::ping_atom;
using pong_atom = caf::atom_constant<caf::atom("b_pong")>;
using crash_atom = caf::atom_constant<caf::atom("b_crash")>;
using arm_atom = caf::atom_constant<caf::atom("b_arm")>;
using done_atom = caf::atom_constant<caf::atom("b_done")>;
using target_atom = caf::atom_constant<caf::atom("b_target")>;
using crash_all_atom = caf::atom_constant<caf::atom("b_crashall")>;
using crash_more_atom = caf::atom_constant<caf::atom("b_crashm")>;
using stop_more_atom = caf::atom_constant<caf::atom("b_stopm")>;
using start_more_atom = caf::atom_constant<caf::atom("b_startm")>;

constexpr size_t batch = 256;

caf::behavior child(caf::event_based_actor* self, caf::actor collector) {
  // Sent from init: the collector sees it only once the new incarnation runs.
  self->send(collector, started_atom::value);
  return {
    [self](ping_atom) {
      self->send(caf::actor_cast<caf::actor>(self->current_sender()),
                 pong_atom::value);
    },
    [self](crash_atom) {
      self->quit(caf::make_error(caf::sec::runtime_error, "crash"));
    },
  };
}

// -- collector ----------------------------------------------------------------

struct collector_state {
  /// Ping every started child and count pongs (true), or count the start
  /// reports themselves (false).
  bool ping = false;
  uint64_t expected = 0;
  uint64_t count = 0;
  caf::actor waiter;
  caf::actor last; // the most recently started child
  /// Every child started since the last crash_all (for --crash-all).
  bool keep_all = false;
  std::vector<caf::actor> all;
  std::vector<caf::actor> victims;
};

constexpr size_t crash_batch = 256;

/// Crashes the next batch of victims; continues through the actor clock so
/// that the crashed children run (and die) between batches.
void crash_some(caf::stateful_actor<collector_state>* self) {
  auto& st = self->state;
  for (size_t k = 0; k < crash_batch && !st.victims.empty(); ++k) {
    self->send(st.victims.back(), crash_atom::value);
    st.victims.pop_back();
  }
  if (!st.victims.empty())
    self->delayed_send(self, std::chrono::nanoseconds(1),
                       crash_more_atom::value);
}

void count_one(caf::stateful_actor<collector_state>* self) {
  auto& st = self->state;
  if (++st.count == st.expected && st.waiter) {
    self->send(st.waiter, done_atom::value, bench::now_ns());
    st.waiter = nullptr;
  }
}

caf::behavior collector(caf::stateful_actor<collector_state>* self,
                        bool ping, bool keep_all) {
  self->state.ping = ping;
  self->state.keep_all = keep_all;
  return {
    [self](started_atom) {
      auto who = caf::actor_cast<caf::actor>(self->current_sender());
      self->state.last = who;
      if (self->state.keep_all)
        self->state.all.push_back(who);
      if (self->state.ping)
        self->send(who, ping_atom::value);
      else
        count_one(self);
    },
    [self](pong_atom) { count_one(self); },
    [self](arm_atom, uint64_t n, caf::actor& waiter) {
      auto& st = self->state;
      st.count = 0;
      st.expected = n;
      st.waiter = std::move(waiter);
    },
    [self](target_atom) { return self->state.last; },
    [self](crash_all_atom) {
      auto& st = self->state;
      st.victims.swap(st.all);
      st.all.clear();
      crash_some(self);
    },
    [self](crash_more_atom) { crash_some(self); },
  };
}

// -- raw CAF one_for_all ------------------------------------------------------

enum class phase { starting, running, stopping, shutting_down };

struct raw_state {
  size_t n = 0;
  bool sequential = false;
  bool self_spawn = false;
  bool self_send = false;
  caf::actor collector;
  std::vector<caf::actor> children;
  phase ph = phase::starting;
  size_t cursor = 0;
  size_t downs_left = 0;
  caf::actor_addr failed;
  caf::error quit_reason;
};

using raw_actor = caf::stateful_actor<raw_state>;

/// Schedules the next batch. A message to self is handled in the same
/// resume (CAF 0.17's max-throughput is unbounded), so the worker would never
/// run the children queued so far and its queue grows to N; the other worker
/// then steals from it with double_ended_queue::take_tail, which walks the
/// whole queue: quadratic. Sending the continuation through the actor clock
/// lets the actor's mailbox run empty, so the worker runs the queued children
/// first (unless --raw-self-send).
template <class Atom>
void more(raw_actor* self, Atom x) {
  if (self->state.self_send)
    self->send(self, x);
  else
    self->delayed_send(self, std::chrono::nanoseconds(1), x);
}

void raw_start_batch(raw_actor* self) {
  auto& st = self->state;
  size_t k = 0;
  while (st.cursor < st.n && k < batch) {
    auto& c = st.children[st.cursor++];
    // Spawned through the system, as Remedy's start() does: CAF schedules
    // the new actor round-robin over the workers. (self->spawn would put
    // every child on this worker's queue; see docs/benchmarks.md.)
    c = st.self_spawn ? self->spawn(child, st.collector)
                      : self->home_system().spawn(child, st.collector);
    self->monitor(c);
    ++k;
  }
  if (st.cursor < st.n)
    more(self, start_more_atom::value);
  else
    st.ph = phase::running;
}

void raw_begin_start(raw_actor* self) {
  auto& st = self->state;
  st.ph = phase::starting;
  st.cursor = 0;
  raw_start_batch(self);
}

void raw_stop_one(raw_actor* self, caf::actor& c) {
  self->send<caf::message_priority::high>(
    c, caf::exit_msg{self->address(), caf::exit_reason::user_shutdown});
}

/// Parallel: up to `batch` exits per handler run. Sequential: one exit, the
/// next after its down_msg. `cursor` walks in reverse start order.
void raw_stop_batch(raw_actor* self) {
  auto& st = self->state;
  size_t k = 0;
  size_t limit = st.sequential ? 1 : batch;
  while (st.cursor > 0 && k < limit) {
    auto& c = st.children[--st.cursor];
    if (c.address() == st.failed)
      continue;
    raw_stop_one(self, c);
    ++k;
  }
  if (!st.sequential && st.cursor > 0)
    more(self, stop_more_atom::value);
}

void raw_begin_stop(raw_actor* self, phase next, caf::actor_addr failed) {
  auto& st = self->state;
  st.ph = next;
  st.failed = std::move(failed);
  st.cursor = st.n;
  st.downs_left = st.failed ? st.n - 1 : st.n;
  if (st.downs_left == 0) {
    if (next == phase::shutting_down)
      self->quit(st.quit_reason);
    else
      raw_begin_start(self);
    return;
  }
  raw_stop_batch(self);
}

caf::behavior raw_one_for_all(raw_actor* self, size_t n, bool sequential,
                              bool self_spawn, bool self_send,
                              caf::actor collector) {
  auto& st = self->state;
  st.self_spawn = self_spawn;
  st.self_send = self_send;
  st.n = n;
  st.sequential = sequential;
  st.collector = std::move(collector);
  st.children.resize(n);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    switch (st.ph) {
      case phase::running:
        raw_begin_stop(self, phase::stopping, msg.source);
        return;
      case phase::stopping:
      case phase::shutting_down:
        if (msg.source == st.failed)
          return;
        if (--st.downs_left == 0) {
          if (st.ph == phase::shutting_down)
            self->quit(st.quit_reason);
          else
            raw_begin_start(self);
        } else if (st.sequential) {
          raw_stop_batch(self);
        }
        return;
      case phase::starting:
        bench::fail("raw one_for_all: child died while starting");
    }
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.ph != phase::running)
      bench::fail("raw one_for_all: shutdown while busy");
    st.quit_reason = msg.reason;
    raw_begin_stop(self, phase::shutting_down, caf::actor_addr{});
  });
  raw_begin_start(self);
  return {
    [self](start_more_atom) {
      if (self->state.ph == phase::starting)
        raw_start_batch(self);
    },
    [self](stop_more_atom) {
      auto ph = self->state.ph;
      if (ph == phase::stopping || ph == phase::shutting_down)
        raw_stop_batch(self);
    },
  };
}

// -- driver -------------------------------------------------------------------

struct side {
  std::string name;
  caf::actor sup;
  caf::actor collector;
  std::vector<double> ms; // one sample per repetition
};

/// Waits for the collector's done message; returns its timestamp.
int64_t wait_done(caf::scoped_actor& self, std::chrono::seconds limit,
                  const std::string& what) {
  int64_t result = 0;
  self->receive([&](done_atom, int64_t t) { result = t; },
                caf::after(limit) >> [&] {
                  bench::fail(what + ": no complete restart within "
                              + std::to_string(limit.count()) + " s");
                });
  return result;
}

void arm(caf::scoped_actor& self, side& s, size_t n) {
  self->request(s.collector, std::chrono::seconds(10), arm_atom::value,
                static_cast<uint64_t>(n), caf::actor{self})
    .receive([] {},
             [&](caf::error& err) {
               bench::fail("arm: " + remedy::render(err));
             });
}

caf::actor target_of(caf::scoped_actor& self, side& s) {
  caf::actor result;
  self->request(s.collector, std::chrono::seconds(10), target_atom::value)
    .receive([&](caf::actor& h) { result = h; },
             [&](caf::error& err) {
               bench::fail("target: " + remedy::render(err));
             });
  return result;
}

void stop_and_wait(caf::scoped_actor& self, caf::actor& sup,
                   std::chrono::seconds limit) {
  self->monitor(sup);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  bool down = false;
  while (!down)
    self->receive([&](caf::down_msg& msg) { down = msg.source == sup; },
                  caf::after(limit) >> [&] {
                    bench::fail("supervisor did not stop within "
                                + std::to_string(limit.count()) + " s");
                  });
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--sizes=1000,10000,50000] [--reps=N] [--sides=LIST] [--ping]\n"
    "  --sizes=LIST  children per supervisor (quick: 1000,5000)\n"
    "  --reps=N      repetitions per size and side (default 7, quick 3)\n"
    "  --sides=LIST  any of remedy,remedy_bk,caf,caf_seq (default all)\n"
    "  --ping        the collector pings every started child and counts\n"
    "                pongs (default: count the start reports sent from\n"
    "                each child's init)\n"
    "  --crash-all   crash every child (256 per batch through the clock)\n"
    "                instead of one: a crash storm\n"
    "  --raw-self-spawn  raw sides spawn with self->spawn instead of\n"
    "                system().spawn\n"
    "  --raw-self-send   raw sides continue batches with a message to\n"
    "                self (what Remedy did before it moved to the clock)\n"
    "  --max-throughput=N  scheduler.max-throughput (default: CAF's,\n"
    "                unbounded)\n");
  std::vector<size_t> sizes;
  {
    auto text = opts.get("sizes", opts.quick ? "1000,5000" : "1000,10000,50000");
    size_t pos = 0;
    while (pos < text.size()) {
      auto comma = text.find(',', pos);
      sizes.push_back(std::stoul(text.substr(pos, comma - pos)));
      pos = comma == std::string::npos ? text.size() : comma + 1;
    }
  }
  size_t reps = opts.get_size("reps", opts.quick ? 3 : 7);
  auto wanted = opts.get("sides", "remedy,remedy_bk,caf,caf_seq");
  auto want = [&](const std::string& s) {
    return ("," + wanted + ",").find("," + s + ",") != std::string::npos;
  };
  bool ping = opts.has("ping");
  bool self_spawn = opts.has("raw-self-spawn");
  bool self_send = opts.has("raw-self-send");
  bool crash_all = opts.has("crash-all");
  remedy::config cfg;
  bench::configure(cfg, opts);
  if (opts.has("max-throughput"))
    cfg.set("scheduler.max-throughput",
            static_cast<int64_t>(opts.get_size("max-throughput", 0)));
  caf::actor_system sys{cfg};
  bench::print_header("mass_restart", opts, sys);
  std::printf("   %zu repetitions per size and side; one_for_all; time = "
              "%s -> all N new incarnations %s; max-throughput=%s\n\n",
              reps, crash_all ? "crash all N" : "crash one",
              ping ? "answered a ping" : "reported from init",
              opts.get("max-throughput", "default").c_str());
  caf::scoped_actor self{sys};
  auto limit = std::chrono::seconds(opts.quick ? 30 : 300);

  // ms[size index][side name]
  std::vector<std::unordered_map<std::string, double>> medians(sizes.size());
  std::printf("%8s %-10s %10s %10s %10s %10s\n", "N", "side", "median",
              "min", "max", "per child");
  for (size_t si = 0; si < sizes.size(); ++si) {
    auto n = sizes[si];
    std::vector<side> sides;
    auto add_remedy = [&](const std::string& name, remedy::shutdown_spec sd) {
      side s;
      s.name = name;
      s.collector = sys.spawn(collector, ping, crash_all);
      arm(self, s, n);
      remedy::supervisor_flags flags;
      flags.name = name;
      flags.strategy = remedy::strategy::one_for_all;
      flags.intensity = 1000000;
      flags.period = std::chrono::hours(1);
      std::vector<remedy::child_spec> specs;
      specs.reserve(n);
      for (size_t i = 0; i < n; ++i)
        specs.push_back(
          remedy::child_spec::worker("c" + std::to_string(i),
                                     remedy::start(child, s.collector))
            .with_shutdown(sd));
      auto sup = remedy::spawn_supervisor(sys, flags, std::move(specs));
      if (!sup)
        bench::fail("spawn_supervisor: " + remedy::render(sup.error()));
      s.sup = *sup;
      wait_done(self, limit, name + " initial start");
      sides.push_back(std::move(s));
    };
    auto add_raw = [&](const std::string& name, bool sequential) {
      side s;
      s.name = name;
      s.collector = sys.spawn(collector, ping, crash_all);
      arm(self, s, n);
      s.sup = sys.spawn(raw_one_for_all, n, sequential, self_spawn,
                        self_send, s.collector);
      wait_done(self, limit, name + " initial start");
      sides.push_back(std::move(s));
    };
    if (want("remedy"))
      add_remedy("remedy", remedy::shutdown_spec::automatic());
    if (want("remedy_bk"))
      add_remedy("remedy_bk", remedy::shutdown_spec::brutal_kill());
    if (want("caf"))
      add_raw("caf", false);
    if (want("caf_seq"))
      add_raw("caf_seq", true);
    for (size_t r = 0; r < reps; ++r) {
      for (size_t j = 0; j < sides.size(); ++j) {
        auto& s = sides[(j + r) % sides.size()];
        auto victim = target_of(self, s);
        arm(self, s, n);
        auto t0 = bench::now_ns();
        if (crash_all)
          self->send(s.collector, crash_all_atom::value);
        else
          self->send(victim, crash_atom::value);
        auto t1 = wait_done(self, limit, s.name + " N=" + std::to_string(n));
        s.ms.push_back(static_cast<double>(t1 - t0) / 1e6);
      }
    }
    for (auto& s : sides) {
      auto med = bench::median(s.ms);
      medians[si][s.name] = med;
      std::printf("%8zu %-10s %8.1fms %8.1fms %8.1fms %8.2fus\n", n,
                  s.name.c_str(), med, bench::percentile(s.ms, 0),
                  bench::percentile(s.ms, 100),
                  med * 1000.0 / static_cast<double>(n));
    }
    std::fflush(stdout);
    for (auto& s : sides) {
      stop_and_wait(self, s.sup, limit);
      self->send_exit(s.collector, caf::exit_reason::user_shutdown);
    }
  }
  std::printf("\n");
  auto has = [&](size_t si, const char* name) {
    return medians[si].count(name) > 0;
  };
  for (size_t si = 0; si < sizes.size(); ++si) {
    auto n = "N" + std::to_string(sizes[si]);
    if (has(si, "remedy") && has(si, "caf"))
      bench::result("mass_restart", n + ".remedy_vs_caf",
                    medians[si]["remedy"], medians[si]["caf"], "ms");
    if (has(si, "remedy_bk") && has(si, "caf"))
      bench::result("mass_restart", n + ".remedy_bk_vs_caf",
                    medians[si]["remedy_bk"], medians[si]["caf"], "ms");
    if (has(si, "remedy") && has(si, "caf_seq"))
      bench::result("mass_restart", n + ".remedy_vs_caf_seq",
                    medians[si]["remedy"], medians[si]["caf_seq"], "ms");
  }
  if (sizes.size() > 1) {
    auto lo = sizes.front();
    auto hi = sizes.back();
    auto grow = static_cast<double>(hi) / static_cast<double>(lo);
    for (auto name : {"remedy", "remedy_bk", "caf", "caf_seq"}) {
      if (!has(0, name) || !has(sizes.size() - 1, name))
        continue;
      auto a = medians.back()[name];
      auto b = medians.front()[name];
      bench::value_result(
        "mass_restart",
        std::string("scaling.") + name + ".N" + std::to_string(hi) + "_over_N"
          + std::to_string(lo),
        a / b, "x", grow * 1.2,
        "t_lo_ms=" + std::to_string(b) + " t_hi_ms=" + std::to_string(a)
          + " linear=" + std::to_string(static_cast<int>(grow)));
    }
  }
  return 0;
}
