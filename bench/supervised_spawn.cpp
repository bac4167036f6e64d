// supervised_spawn: time and memory per child for a simple_one_for_one pool
// (start_child N times) against raw CAF spawning the same actor N times.
//
// Sides, interleaved per repetition (rotated order), all in one system:
//   remedy     a simple_one_for_one supervisor; a client actor keeps 64
//              start_child requests in flight (infinite timeout) until N
//              children run
//   caf_spawn  sys.spawn of the same actor N times from the main thread, in
//              batches of 1024, keeping the handles (the goals' baseline)
//   caf_pool   a hand-written pool actor doing what a pool must do by hand:
//              on request it spawns the child, monitors it, keeps its handle
//              and replies it; driven like the Remedy pool (64 in flight)
// Time: from the first spawn (or request) until all N children have run
// their init (an atomic counter in the child) and, for the pools, the last
// reply has arrived.
// Memory: heap bytes in use (mallinfo2, all arenas) with the N children
// alive minus before, per child; RSS delta (/proc/self/statm) per child too,
// though RSS only grows on the first round and is shown for reference.
// Between rounds every child is stopped and the bench waits until CAF's
// running-actor count is back to where it was.
#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "common.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/type_ids.hpp"
#include "remedy/supervision/type_ids.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/child_spec.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervisor.hpp"

namespace {

using spawn_atom = caf::atom_constant<caf::atom("b_spawn")>;
using bench::ping_atom;

constexpr size_t window = 64;

/// How many workers have run their init (all sides count here).
std::atomic<size_t> g_inits{0};

/// The pooled actor: counts its start, then idles until asked.
caf::behavior worker(caf::event_based_actor*) {
  g_inits.fetch_add(1, std::memory_order_relaxed);
  return {
    [](ping_atom, int x) { return x; },
  };
}

// -- raw pool -------------------------------------------------------------

struct raw_pool_state {
  std::vector<caf::actor> children;
  std::unordered_map<caf::actor_addr, size_t> by_addr;
  size_t live = 0;
  caf::error reason;
};

using raw_pool_actor = caf::stateful_actor<raw_pool_state>;

caf::behavior raw_pool(raw_pool_actor* self) {
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto i = st.by_addr.find(msg.source);
    if (i == st.by_addr.end())
      return;
    st.children[i->second] = nullptr;
    st.by_addr.erase(i);
    if (--st.live == 0 && st.reason)
      self->quit(st.reason);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    st.reason = msg.reason;
    if (st.live == 0) {
      self->quit(msg.reason);
      return;
    }
    for (auto& c : st.children)
      if (c)
        self->send<caf::message_priority::high>(
          c, caf::exit_msg{self->address(), caf::exit_reason::kill});
  });
  return {
    [self](spawn_atom) {
      auto& st = self->state;
      auto c = self->home_system().spawn(worker);
      self->monitor(c);
      st.by_addr.emplace(c.address(), st.children.size());
      st.children.push_back(c);
      ++st.live;
      return c;
    },
  };
}

// -- driver ---------------------------------------------------------------

struct sample {
  double us_per_child;
  double heap_per_child;
  double rss_per_child;
};

void await_running(caf::actor_system& sys, size_t expected,
                   std::chrono::seconds limit, const char* what) {
  auto deadline = bench::clock_type::now() + limit;
  while (sys.registry().running() != expected) {
    if (bench::clock_type::now() > deadline)
      bench::fail(std::string(what) + ": running actors "
                  + std::to_string(sys.registry().running()) + ", expected "
                  + std::to_string(expected) + " after "
                  + std::to_string(limit.count()) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

/// Spins (yielding) until `n` children have run their init.
void await_inits(size_t n, std::chrono::seconds limit) {
  auto deadline = bench::clock_type::now() + limit;
  while (g_inits.load(std::memory_order_relaxed) < n) {
    if (bench::clock_type::now() > deadline)
      bench::fail("only " + std::to_string(g_inits.load()) + " of "
                  + std::to_string(n) + " children started");
    std::this_thread::yield();
  }
}

void stop_and_wait(caf::scoped_actor& self, const caf::actor& a,
                   std::chrono::seconds limit) {
  self->monitor(a);
  self->send_exit(a, caf::exit_reason::user_shutdown);
  bool down = false;
  while (!down)
    self->receive([&](caf::down_msg& msg) { down = msg.source == a; },
                  caf::after(limit) >> [&] {
                    bench::fail("pool did not stop within "
                                + std::to_string(limit.count()) + " s");
                  });
}

/// Drives a pool (Remedy's or the raw one) to `n` children; returns the
/// elapsed microseconds.
double drive(caf::actor_system& sys, caf::scoped_actor& self,
             const caf::actor& pool, bool is_remedy, size_t n,
             std::chrono::seconds limit) {
  auto cl = is_remedy ? bench::spawn_request_driver<remedy::child_info>(
                         sys, "start request",
                         remedy::start_child_atom::value, caf::message{})
                     : bench::spawn_request_driver<caf::actor>(
                         sys, "start request", spawn_atom::value);
  auto t0 = bench::clock_type::now();
  self->request(cl, limit, bench::go_atom::value, pool,
                static_cast<uint64_t>(n), static_cast<uint64_t>(window), false)
    .receive([] {},
             [&](caf::error& err) {
               bench::fail("client: " + sys.render(err));
             });
  await_inits(n, limit);
  auto t1 = bench::clock_type::now();
  self->send_exit(cl, caf::exit_reason::user_shutdown);
  return bench::since_us(t0, t1);
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(
    argc, argv,
    "[--sizes=10000,50000] [--reps=N] [--sides=LIST]\n"
    "  --sizes=LIST  children per round (quick: 2000,10000)\n"
    "  --reps=N      repetitions per size and side (default 5, quick 2)\n"
    "  --sides=LIST  any of remedy,caf_spawn,caf_pool (default all)\n");
  auto wanted = "," + opts.get("sides", "remedy,caf_spawn,caf_pool") + ",";
  std::vector<size_t> sizes;
  {
    auto text = opts.get("sizes", opts.quick ? "2000,10000" : "10000,50000");
    size_t pos = 0;
    while (pos < text.size()) {
      auto comma = text.find(',', pos);
      sizes.push_back(std::stoul(text.substr(pos, comma - pos)));
      pos = comma == std::string::npos ? text.size() : comma + 1;
    }
  }
  size_t reps = opts.get_size("reps", opts.quick ? 2 : 5);
  remedy::config cfg;
  bench::configure(cfg, opts);
  caf::actor_system sys{cfg};
  bench::print_header("supervised_spawn", opts, sys);
  std::printf("   %zu repetitions per size and side; remedy and caf_pool "
              "keep %zu requests in flight\n\n",
              reps, window);
  caf::scoped_actor self{sys};
  auto limit = std::chrono::seconds(opts.quick ? 30 : 300);
  const char* names[] = {"remedy", "caf_spawn", "caf_pool"};

  std::printf("%8s %-10s %12s %12s %12s %14s\n", "N", "side", "us/child",
              "spawns/s", "heap B/child", "RSS B/child(*)");
  struct summary {
    double us[3];
    double heap[3];
  };
  std::vector<summary> sums;
  for (auto n : sizes) {
    std::vector<sample> samples[3];
    for (size_t r = 0; r < reps; ++r) {
      for (size_t j = 0; j < 3; ++j) {
        auto which = (j + r) % 3;
        if (wanted.find(std::string(",") + names[which] + ",")
            == std::string::npos)
          continue;
        auto base_running = sys.registry().running();
        caf::actor pool;
        if (which == 0) {
          remedy::supervisor_flags flags;
          flags.name = "pool";
          flags.strategy = remedy::strategy::simple_one_for_one;
          auto sup = remedy::spawn_supervisor(
            sys, flags,
            {remedy::child_spec::worker("w", remedy::pool_start<>(worker))
               // Stopping 50k children between rounds: no kill timers.
               .with_shutdown(remedy::shutdown_spec::brutal_kill())});
          if (!sup)
            bench::fail("spawn_supervisor: " + remedy::render(sup.error()));
          pool = *sup;
        } else if (which == 2) {
          pool = sys.spawn(raw_pool);
        }
        // Let the pool actor settle before the baseline.
        await_running(sys, base_running + (pool ? 1 : 0), limit, "setup");
        g_inits = 0;
        auto heap0 = bench::heap_in_use();
        auto rss0 = bench::rss_bytes();
        double us = 0;
        std::vector<caf::actor> handles;
        if (which == 1) {
          handles.reserve(n);
          auto t0 = bench::clock_type::now();
          for (size_t i = 0; i < n; i += 1024) {
            auto k = std::min<size_t>(1024, n - i);
            for (size_t j2 = 0; j2 < k; ++j2)
              handles.push_back(sys.spawn(worker));
          }
          await_inits(n, limit);
          us = bench::since_us(t0, bench::clock_type::now());
        } else {
          us = drive(sys, self, pool, which == 0, n, limit);
        }
        await_running(sys, base_running + n + (pool ? 1 : 0), limit,
                      names[which]);
        auto heap1 = bench::heap_in_use();
        auto rss1 = bench::rss_bytes();
        auto dn = static_cast<double>(n);
        samples[which].push_back(
          {us / dn,
           (static_cast<double>(heap1) - static_cast<double>(heap0)) / dn,
           (static_cast<double>(rss1) - static_cast<double>(rss0)) / dn});
        // Tear down and wait until every child is gone.
        if (which == 1) {
          for (auto& h : handles)
            caf::anon_send_exit(h, caf::exit_reason::kill);
          handles.clear();
        } else {
          stop_and_wait(self, pool, limit);
          pool = nullptr;
        }
        await_running(sys, base_running, limit, "teardown");
      }
    }
    summary sum{};
    for (size_t w = 0; w < 3; ++w) {
      if (samples[w].empty()) {
        sum.us[w] = sum.heap[w] = NAN;
        continue;
      }
      std::vector<double> us, heap, rss;
      for (auto& s : samples[w]) {
        us.push_back(s.us_per_child);
        heap.push_back(s.heap_per_child);
        rss.push_back(s.rss_per_child);
      }
      sum.us[w] = bench::median(us);
      sum.heap[w] = bench::median(heap);
      std::printf("%8zu %-10s %12.2f %12.0f %12.0f %14.0f\n", n, names[w],
                  sum.us[w], 1e6 / sum.us[w], sum.heap[w],
                  bench::percentile(rss, 100));
    }
    sums.push_back(sum);
    std::fflush(stdout);
  }
  std::printf("\n(*) RSS: the largest per-child growth over the rounds; it "
              "grows only when the heap must grow, so later rounds show ~0.\n\n");
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto n = "N" + std::to_string(sizes[i]);
    auto& s = sums[i];
    bench::result("supervised_spawn", n + ".time_per_child.vs_spawn", s.us[0],
                  s.us[1], "us", 1.3);
    bench::result("supervised_spawn", n + ".heap_per_child.vs_spawn",
                  s.heap[0], s.heap[1], "B", 1.5);
    bench::result("supervised_spawn", n + ".time_per_child.vs_pool", s.us[0],
                  s.us[2], "us");
    bench::result("supervised_spawn", n + ".heap_per_child.vs_pool",
                  s.heap[0], s.heap[2], "B");
  }
  return 0;
}
