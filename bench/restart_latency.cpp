// restart_latency: from a child's crash to its new incarnation answering a
// request, Remedy vs raw CAF, in the same run.
//
// Remedy: a supervisor_builder tree with one permanent worker "w"; the client
// holds only tree.endpoint("w"). It sends the crash message and then a ping
// through the endpoint; the ping is bounced by the dying child and retried
// through the same endpoint until the new incarnation answers.
//
// Raw CAF: a hand-written supervisor that monitors its child and respawns it
// on down_msg; the client sends the crash and a ping to the handle it holds,
// and on an error asks the supervisor for the current handle and pings that
// (monitor + spawn + re-resolve + request by hand).
//
// Crash kinds: `quit` (the child calls quit(error)) and `throw` (a handler
// throws; both sides install an exception handler that maps the exception to
// an exit reason, as Remedy's start() does). The clock starts in the child's
// crash handler and stops when the client gets the answer. Iterations
// alternate Remedy/raw and both crash kinds; the first 5% are warm-up.
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "common.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/supervision_event.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

namespace {

using bench::ping_atom;
using quit_atom = caf::atom_constant<caf::atom("b_quit")>;
using throw_atom = caf::atom_constant<caf::atom("b_throw")>;
using get_atom = caf::atom_constant<caf::atom("b_get")>;
using go_atom = caf::atom_constant<caf::atom("b_go")>;

/// When the last crash happened (set by the crashing child).
std::atomic<int64_t> g_crash_ns{0};

caf::behavior worker(caf::event_based_actor* self) {
  return {
    [](ping_atom, int x) { return x; },
    [self](quit_atom) {
      g_crash_ns.store(bench::now_ns(), std::memory_order_relaxed);
      self->quit(caf::make_error(caf::sec::runtime_error, "crash"));
    },
    [](throw_atom) {
      g_crash_ns.store(bench::now_ns(), std::memory_order_relaxed);
      throw std::runtime_error("crash");
    },
  };
}

/// The raw worker: the same behaviour, with the exception handler a careful
/// CAF user would install (the same mapping Remedy's start() installs).
caf::behavior raw_worker(caf::event_based_actor* self) {
  self->set_exception_handler(
    [](caf::scheduled_actor*, std::exception_ptr& ptr) -> caf::error {
      try {
        std::rethrow_exception(ptr);
      } catch (std::exception& e) {
        return caf::make_error(caf::sec::runtime_error, e.what());
      } catch (...) {
        return caf::make_error(caf::sec::runtime_error, "unknown");
      }
    });
  return worker(self);
}

/// Raw supervisor spawns through the system (as Remedy's start() does:
/// round-robin over the workers) instead of self->spawn (the current
/// worker's queue). Set by --raw-sys-spawn.
bool g_raw_sys_spawn = false;

struct raw_sup_state {
  caf::actor child;
};

/// Monitors its child and respawns it on down_msg; answers get_atom with the
/// current handle.
caf::behavior raw_supervisor(caf::stateful_actor<raw_sup_state>* self) {
  auto respawn = [self] {
    self->state.child = g_raw_sys_spawn
                          ? self->home_system().spawn(raw_worker)
                          : self->spawn(raw_worker);
    self->monitor(self->state.child);
  };
  respawn();
  self->set_down_handler([self, respawn](caf::down_msg& msg) {
    if (msg.source == self->state.child.address())
      respawn();
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->send_exit(self->state.child, caf::exit_reason::kill);
    self->quit(msg.reason);
  });
  return {
    [self](get_atom) { return self->state.child; },
  };
}

/// An event-bus subscriber that drops what it gets (--subscribe): measures
/// what observability costs on the restart path.
caf::behavior event_sink(caf::event_based_actor* self, std::string prefix) {
  remedy::subscribe(self, prefix);
  return {
    [](const remedy::supervision_event&) {},
  };
}

enum side_t { remedy_side = 0, raw_side = 1 };
enum kind_t { quit_kind = 0, throw_kind = 1 };

struct task {
  side_t side;
  kind_t kind;
  bool record;
};

struct results {
  std::vector<double> lat[2][2]; // [side][kind], microseconds
  uint64_t retries[2][2] = {{0, 0}, {0, 0}};
};

struct client_state {
  std::vector<task> tasks;
  size_t idx = 0;
  caf::actor ep;       // Remedy endpoint
  caf::actor raw_sup;  // raw supervisor
  caf::actor raw;      // raw child handle as known to the client
  std::shared_ptr<results> out;
  caf::response_promise done;
};

using client_actor = caf::stateful_actor<client_state>;

void next(client_actor* self);

void ping(client_actor* self) {
  auto& st = self->state;
  auto& t = st.tasks[st.idx];
  auto target = t.side == remedy_side ? st.ep : st.raw;
  self->request(target, caf::infinite, ping_atom::value, 42)
    .then(
      [self](int) {
        auto t1 = bench::now_ns();
        auto& st = self->state;
        auto& t = st.tasks[st.idx];
        auto t0 = g_crash_ns.load(std::memory_order_relaxed);
        if (t.record)
          st.out->lat[t.side][t.kind].push_back(
            static_cast<double>(t1 - t0) / 1000.0);
        ++st.idx;
        next(self);
      },
      [self](caf::error&) {
        auto& st = self->state;
        auto& t = st.tasks[st.idx];
        if (t.record)
          ++st.out->retries[t.side][t.kind];
        if (t.side == remedy_side) {
          ping(self); // the endpoint is stable: just ask again
          return;
        }
        self->request(st.raw_sup, caf::infinite, get_atom::value)
          .then(
            [self](caf::actor& h) {
              self->state.raw = std::move(h);
              ping(self);
            },
            [](caf::error& err) {
              bench::fail("raw supervisor: " + remedy::render(err));
            });
      });
}

void next(client_actor* self) {
  auto& st = self->state;
  if (st.idx == st.tasks.size()) {
    st.done.deliver(caf::unit);
    return;
  }
  auto& t = st.tasks[st.idx];
  auto target = t.side == remedy_side ? st.ep : st.raw;
  if (t.kind == quit_kind)
    self->send(target, quit_atom::value);
  else
    self->send(target, throw_atom::value);
  ping(self);
}

caf::behavior client(client_actor* self, caf::actor ep, caf::actor raw_sup,
                     caf::actor raw, std::vector<task> tasks,
                     std::shared_ptr<results> out) {
  auto& st = self->state;
  st.ep = std::move(ep);
  st.raw_sup = std::move(raw_sup);
  st.raw = std::move(raw);
  st.tasks = std::move(tasks);
  st.out = std::move(out);
  return {
    [self](go_atom) -> caf::result<void> {
      self->state.done = self->make_response_promise();
      next(self);
      return self->state.done;
    },
  };
}

} // namespace

int main(int argc, char** argv) {
  auto opts = bench::parse(argc, argv,
                           "[--iters=N] [--raw-sys-spawn] [--subscribe=PREFIX]\n"
                           "  --iters=N        restarts per side and crash kind "
                           "(default 5000, quick 500)\n"
                           "  --subscribe=P    an actor subscribes to the event "
                           "bus under prefix P\n"
                           "                   (e.g. 'supervision.') during the "
                           "run\n"
                           "  --raw-sys-spawn  the raw supervisor spawns with "
                           "system().spawn, as Remedy does,\n"
                           "                   instead of self->spawn\n");
  g_raw_sys_spawn = opts.has("raw-sys-spawn");
  size_t iters = opts.get_size("iters", opts.quick ? 500 : 5000);
  size_t warmup = std::max<size_t>(iters / 20, 10);
  remedy::config cfg;
  bench::configure(cfg, opts);
  caf::actor_system sys{cfg};
  bench::print_header("restart_latency", opts, sys);
  std::printf("   %zu iterations per (side, kind) after %zu warm-up; raw "
              "respawn via %s\n\n",
              iters, warmup,
              g_raw_sys_spawn ? "system().spawn" : "self->spawn");

  caf::actor sink;
  if (opts.has("subscribe")) {
    sink = sys.spawn(event_sink, opts.get("subscribe", ""));
    std::printf("   event bus: one subscriber to prefix '%s'\n\n",
                opts.get("subscribe", "").c_str());
  }
  auto tree = remedy::supervisor_builder("root", remedy::strategy::one_for_one)
                .intensity(1000000, std::chrono::seconds(1))
                .worker("w", remedy::start(worker))
                .spawn(sys);
  if (!tree)
    bench::fail("spawn tree: " + remedy::render(tree.error()));
  auto ep = tree->endpoint("w");
  auto raw_sup = sys.spawn(raw_supervisor);
  caf::scoped_actor self{sys};
  caf::actor raw;
  self->request(raw_sup, std::chrono::seconds(10), get_atom::value)
    .receive([&](caf::actor& h) { raw = h; },
             [&](caf::error& err) { bench::fail(sys.render(err)); });
  // Make sure the endpoint is up before the first crash.
  self->request(ep, std::chrono::seconds(10), ping_atom::value, 1)
    .receive([](int) {},
             [&](caf::error& err) { bench::fail(sys.render(err)); });

  std::vector<task> tasks;
  for (size_t i = 0; i < warmup + iters; ++i) {
    bool rec = i >= warmup;
    side_t first = i % 2 == 0 ? remedy_side : raw_side;
    side_t second = first == remedy_side ? raw_side : remedy_side;
    kind_t k1 = (i / 2) % 2 == 0 ? quit_kind : throw_kind;
    kind_t k2 = k1 == quit_kind ? throw_kind : quit_kind;
    tasks.push_back({first, k1, rec});
    tasks.push_back({second, k1, rec});
    tasks.push_back({second, k2, rec});
    tasks.push_back({first, k2, rec});
  }
  auto out = std::make_shared<results>();
  auto cl = sys.spawn(client, ep, raw_sup, raw, tasks, out);
  auto t0 = bench::clock_type::now();
  auto limit = std::chrono::seconds(opts.quick ? 60 : 600);
  self->request(cl, limit, go_atom::value)
    .receive([] {},
             [&](caf::error& err) {
               bench::fail("client did not finish: " + sys.render(err));
             });
  auto wall = bench::since_us(t0, bench::clock_type::now()) / 1e6;

  const char* kinds[] = {"quit", "throw"};
  std::printf("%-6s %-7s %9s %9s %9s %9s %8s\n", "crash", "side", "median",
              "p90", "p99", "max", "retries");
  for (int k = 0; k < 2; ++k)
    for (int s = 0; s < 2; ++s) {
      auto& v = out->lat[s][k];
      std::printf("%-6s %-7s %7.1fus %7.1fus %7.1fus %7.1fus %8.2f\n",
                  kinds[k], s == remedy_side ? "remedy" : "caf",
                  bench::median(v), bench::percentile(v, 90),
                  bench::percentile(v, 99), bench::percentile(v, 100),
                  static_cast<double>(out->retries[s][k])
                    / static_cast<double>(v.size()));
    }
  std::printf("\n(retries: failed pings per restart before the answer; "
              "wall %.1f s)\n\n",
              wall);
  for (int k = 0; k < 2; ++k) {
    auto& r = out->lat[remedy_side][k];
    auto& c = out->lat[raw_side][k];
    auto n = std::to_string(r.size());
    bench::result("restart_latency", std::string(kinds[k]) + ".median",
                  bench::median(r), bench::median(c), "us", 1.25,
                  "n=" + n);
    bench::result("restart_latency", std::string(kinds[k]) + ".p99",
                  bench::percentile(r, 99), bench::percentile(c, 99), "us",
                  1.5, "n=" + n);
  }

  self->send_exit(tree->root, caf::exit_reason::user_shutdown);
  self->send_exit(raw_sup, caf::exit_reason::user_shutdown);
  self->send_exit(cl, caf::exit_reason::user_shutdown);
  if (sink)
    self->send_exit(sink, caf::exit_reason::user_shutdown);
  return 0;
}
