#include "supervision_demo.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/after.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include "demo_analysis.hpp"
#include "demo_chaos.hpp"
#include "demo_format.hpp"
#include "demo_load.hpp"
#include "demo_report.hpp"
#include "demo_scenario.hpp"
#include "demo_service.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/core/version.hpp"
#include "remedy/runtime/config.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/endpoint_stats.hpp"
#include "remedy/supervision/type_ids.hpp"

namespace remedy::node {

namespace {

using namespace std::chrono_literals;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// One run of the demo: sets the scenario up, drives load and chaos through
/// it, stops everything and reports.
class demo {
public:
  demo(caf::actor_system& sys, const demo_options& opts)
    : sys_(sys), opts_(opts), self_(sys, true), log_(logger("remedy.node")) {
    uint64_t state = opts.seed;
    client_seed_ = splitmix64(state);
    chaos_seed_ = splitmix64(state);
    backoff_seed_ = splitmix64(state);
    // CAF 0.17 counts a scoped actor as running even when hidden.
    baseline_running_ = sys.registry().running();
  }

  int run();

private:
  void out(const std::string& line) {
    if (!opts_.quiet)
      std::cout << line << '\n';
  }

  bool setup();
  void drive();
  void collect_endpoint_stats();
  void check_children_running();
  void stop_everything();

  caf::actor_system& sys_;
  demo_options opts_;
  caf::scoped_actor self_;
  std::shared_ptr<spdlog::logger> log_;
  uint64_t client_seed_ = 0;
  uint64_t chaos_seed_ = 0;
  uint64_t backoff_seed_ = 0;

  ledger_ptr ledger_ = std::make_shared<crash_ledger>();
  event_log_ptr events_ = std::make_shared<event_log>();
  client_report_ptr client_report_ = std::make_shared<client_report>();
  chaos_report_ptr chaos_report_ = std::make_shared<chaos_report>();

  caf::actor observer_;
  caf::actor client_;
  caf::actor chaos_;
  scenario sc_;
  std::vector<endpoint_row> endpoints_;
  std::vector<planned_crash> plan_;
  caf::timespan chaos_window_{0};

  std::string setup_error_;
  run_outcome outcome_;
  size_t baseline_running_ = 0;
  /// Every down message the main thread received.
  std::set<caf::actor_addr> downs_;
};

bool demo::setup() {
  // 1. See every supervision event from the start.
  observer_ = spawn_observer(sys_, events_);
  self_->monitor(observer_);
  if (auto ok = ask<bool>(self_, observer_, ready_atom::value); !ok) {
    setup_error_ = "cannot subscribe to the event bus: " + render(ok.error());
    return false;
  }
  // 2. Remedy's detection tree, then the service's tree.
  setup_error_ = build_scenario(sys_, self_, ledger_, backoff_seed_, sc_);
  if (!setup_error_.empty())
    return false;
  for (auto& t : sc_.crash_targets)
    endpoints_.push_back({t.name, t.endpoint, {}, false});
  return true;
}

void demo::drive() {
  auto duration = opts_.duration;
  // Crashes stop a little before the load does, so the last ones can be
  // seen to recover through their endpoint.
  auto settle = std::clamp<caf::timespan>(duration / 4, 100ms, 500ms);
  chaos_window_ = duration > settle ? duration - settle : caf::timespan{0};
  plan_ = plan_crashes(chaos_seed_, opts_.crash_rate, chaos_window_,
                       sc_.crash_targets.size());
  client_ = spawn_client(sys_, sc_.client_targets, client_seed_, duration,
                         caf::actor{self_}, client_report_);
  chaos_ = spawn_chaos(sys_, sc_.crash_targets, plan_, chaos_window_,
                       chaos_report_);
  self_->monitor(client_);
  self_->monitor(chaos_);
  out("load: " + num(in_flight) + " requests in flight for "
      + fmt_seconds(duration) + "; " + num(plan_.size())
      + " crash commands planned over the first " + fmt_seconds(chaos_window_));
  auto started = steady::now();
  self_->send(chaos_, run_atom::value);
  self_->send(client_, run_atom::value);
  auto deadline = started + duration + request_timeout + step_timeout;
  auto next_progress = started + 1s;
  auto& cr = *client_report_;
  while (!outcome_.client_done && steady::now() < deadline) {
    self_->receive([&](done_atom) { outcome_.client_done = true; },
                   [&](caf::down_msg& dm) {
                     downs_.insert(dm.source);
                     if (dm.source == sc_.tree.root.address()) {
                       outcome_.root_died_early = true;
                       outcome_.root_early_reason = dm.reason;
                     }
                   },
                   caf::after(std::chrono::milliseconds(50)) >> [] {});
    auto now = steady::now();
    if (now >= next_progress && !outcome_.client_done) {
      next_progress += 1s;
      out("  [" + fmt_seconds(now - started) + "] requests sent " + num(cr.sent)
          + ", answered " + num(cr.answered) + ", failed " + num(cr.failed)
          + " | crashes " + num(ledger_->size()) + ", restarts "
          + num(events_->restarts) + ", escalations "
          + num(events_->escalations));
    }
  }
  if (!outcome_.client_done)
    log_->error("the client did not finish in time");
}

void demo::collect_endpoint_stats() {
  for (auto& row : endpoints_) {
    if (auto st = ask<endpoint_stats>(self_, row.endpoint,
                                      endpoint_stats_atom::value)) {
      row.stats = *st;
      row.ok = true;
    }
  }
}

void demo::check_children_running() {
  auto check = [&](const caf::actor& sup, const std::string& prefix) {
    auto xs = ask<std::vector<child_info>>(self_, sup,
                                           which_children_atom::value);
    if (!xs) {
      outcome_.not_running_before_stop.push_back(prefix + "* ("
                                                 + render(xs.error()) + ")");
      return std::vector<child_info>{};
    }
    for (auto& x : *xs)
      if (x.status != child_status::running)
        outcome_.not_running_before_stop.push_back(prefix + x.id + " ("
                                                   + to_string(x.status) + ")");
    return *xs;
  };
  if (outcome_.root_died_early)
    return;
  auto top = check(sc_.tree.root, "");
  // The subtrees may have been restarted (escalation): ask for the current
  // incarnations.
  check(child_handle(top, "pipeline"), "pipeline/");
  auto pool = check(child_handle(top, "sessions"), "sessions/");
  if (pool.size() != session_count)
    outcome_.not_running_before_stop.push_back("sessions: " + num(pool.size())
                                               + " of " + num(session_count)
                                               + " pool children");
  outcome_.children_listed = true;
}

void demo::stop_everything() {
  // 1. The tree, on the high-priority path.
  outcome_.stop_at = steady::now();
  if (sc_.tree.root && !outcome_.root_died_early) {
    self_->send<caf::message_priority::high>(
      sc_.tree.root,
      caf::exit_msg{self_->address(), caf::exit_reason::user_shutdown});
    auto deadline = outcome_.stop_at + step_timeout;
    while (!outcome_.root_stopped && steady::now() < deadline) {
      self_->receive(
        [&](caf::down_msg& dm) {
          downs_.insert(dm.source);
          if (dm.source == sc_.tree.root.address()) {
            outcome_.root_stopped = true;
            outcome_.root_exit_reason = dm.reason;
            outcome_.root_stop_time = steady::now() - outcome_.stop_at;
          }
        },
        [&](done_atom) { outcome_.client_done = true; },
        caf::after(std::chrono::milliseconds(50)) >> [] {});
    }
    if (!outcome_.root_stopped) {
      log_->error("the root did not stop within {}",
                  fmt_duration(step_timeout));
      caf::anon_send_exit(sc_.tree.root, caf::exit_reason::kill);
    }
  }
  // 2. Every event published so far is recorded once the observer is
  //    unsubscribed.
  if (observer_) {
    if (auto ok = ask<bool>(self_, observer_, flush_atom::value))
      outcome_.events_flushed = true;
    else
      log_->error("flushing the event log failed: {}", render(ok.error()));
  }
  // 3. The demo's own actors: the client and chaos end by themselves.
  std::vector<caf::actor_addr> waiting;
  for (auto* x : {&observer_, &client_, &chaos_, &sc_.detection_root}) {
    if (!*x)
      continue;
    if (x != &client_ || !outcome_.client_done)
      self_->send_exit(*x, caf::exit_reason::user_shutdown);
    if (downs_.count(x->address()) == 0)
      waiting.push_back(x->address());
  }
  auto deadline = steady::now() + step_timeout;
  while (!waiting.empty() && steady::now() < deadline) {
    self_->receive(
      [&](caf::down_msg& dm) {
        waiting.erase(std::remove(waiting.begin(), waiting.end(), dm.source),
                      waiting.end());
      },
      [&](done_atom) {}, caf::after(std::chrono::milliseconds(50)) >> [] {});
  }
  outcome_.helpers_stopped = waiting.empty();
  // 4. Nothing may be left: endpoints end with the root that owns them.
  //    Actors deregister a moment after their down message, hence the poll.
  //    The registry counts this thread's scoped actor too, hidden or not.
  deadline = steady::now() + step_timeout;
  for (;;) {
    auto running = sys_.registry().running();
    outcome_.running_left
      = running > baseline_running_ ? running - baseline_running_ : 0;
    if (running <= baseline_running_ || steady::now() >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  outcome_.registry_clean = outcome_.running_left == 0;
}

int demo::run() {
  out("remedy-node " + std::string{version()} + ": supervision demo");
  out("  duration " + fmt_seconds(opts_.duration) + ", seed " + num(opts_.seed)
      + ", crash rate " + format_fixed(opts_.crash_rate, 2)
      + "/s, scheduler threads " + num(sys_.scheduler().num_workers()));
  out("  (--seed " + num(opts_.seed) + " repeats this crash schedule)");
  out("");
  if (!setup()) {
    std::cerr << "remedy-node: setup failed: " << setup_error_ << '\n';
    stop_everything();
    return 1;
  }
  if (!opts_.quiet)
    describe_tree(self_, sc_, std::cout);
  drive();
  collect_endpoint_stats();
  check_children_running();
  stop_everything();
  return print_report({opts_.quiet, *events_, *ledger_, *client_report_,
                       *chaos_report_, plan_.size(), sc_.client_targets,
                       endpoints_, outcome_});
}

} // namespace

int run_supervision_demo(const demo_options& opts) {
  remedy::config cfg;
  cfg.set("scheduler.max-threads",
          static_cast<caf::config_value::integer>(opts.threads));
  caf::actor_system sys{cfg};
  int rc = 0;
  bool clean = false;
  {
    demo d{sys, opts};
    rc = d.run();
  }
  clean = sys.registry().running() == 0;
  if (!clean) {
    // Something is still running: do not let ~actor_system wait forever.
    logger("remedy.node")->error("actors still running at exit; not waiting");
    sys.await_actors_before_shutdown(false);
    if (rc == 0)
      rc = 1;
  }
  return rc;
}

} // namespace remedy::node
