#include "demo_report.hpp"

#include <iostream>
#include <map>
#include <mutex>
#include <utility>

#include <caf/exit_reason.hpp>

#include "demo_format.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/format.hpp"
#include "remedy/core/time_units.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/type_ids.hpp"

namespace remedy::node {

void describe_tree(caf::scoped_actor& self, const scenario& sc,
                   std::ostream& os) {
  auto out = [&os](const std::string& line) { os << line << '\n'; };
  auto status_of = [&](const caf::actor& sup) {
    std::map<std::string, std::string> result;
    if (auto xs = ask<std::vector<child_info>>(self, sup,
                                               which_children_atom::value))
      for (auto& x : *xs)
        result[x.id] = std::string{to_string(x.status)} + ", actor "
                       + (x.current ? num(x.current.id()) : "-");
    return result;
  };
  auto top = status_of(sc.tree.root);
  auto pipe = status_of(sc.pipeline_sup);
  auto pool = status_of(sc.sessions_sup);
  out("supervision tree (as reported by which_children):");
  out("  " + std::string{root_name} + "  one_for_one, intensity 10/1s");
  out("  +- store       worker      " + top["store"]);
  out("  +- pipeline    rest_for_one, intensity 10/1s, backoff 1..20 ms  "
      + top["pipeline"]);
  for (auto id : {"ingest", "parse", "index"})
    out("  |  +- " + pad(id, 8) + " worker   " + pipe[id]);
  out("  +- sessions    simple_one_for_one, intensity 20/1s  "
      + top["sessions"]);
  for (auto& [id, status] : pool)
    out("     +- " + pad(id, 10) + " worker   " + status);
  out("  client -> store | pipeline/ingest -> parse -> index | "
      "sessions/session#k, all through stable endpoints");
  out("");
}

int print_report(const report_input& in) {
  auto out = [&in](const std::string& line) {
    if (!in.quiet)
      std::cout << line << '\n';
  };
  auto& o = in.outcome;
  std::vector<supervision_event> events;
  std::vector<std::pair<steady::time_point, fault_event>> faults;
  {
    std::lock_guard<std::mutex> guard{in.events.mtx};
    // The detection tree's own events are not the service's.
    for (auto& ev : in.events.events)
      if (ev.supervisor.rfind(detection_root_name, 0) != 0)
        events.push_back(ev);
    faults = in.events.faults;
  }
  auto crashes = in.ledger.snapshot();
  auto& cr = in.client;
  auto a = analyze(events, crashes, cr, o.stop_at);
  auto d = analyze_detection(events, crashes, faults);
  uint64_t sent = cr.sent;
  uint64_t answered = cr.answered;
  uint64_t failed = cr.failed;
  uint64_t timed_out = cr.timed_out;
  auto load_time = cr.finished - cr.started;
  if (!in.quiet) {
    out("");
    out("== requests (client -> stable endpoints, " + num(in_flight)
        + " in flight, timeout " + fmt_duration(request_timeout) + ")");
    out("  sent          " + rpad(num(sent), 9));
    out("  answered      " + rpad(num(answered), 9)
        + "   (wrong answers: " + num(cr.wrong) + ")");
    out("  failed        " + rpad(num(failed), 9) + "   (with an error)");
    for (auto& [kind, f] : cr.failures)
      out("    " + pad(kind, 34) + rpad(num(f.count), 7) + "   e.g. \""
          + f.example + "\"");
    out("  no answer     " + rpad(num(timed_out), 9) + "   (timed out)");
    if (load_time.count() > 0) {
      auto secs = seconds_of(load_time);
      out("  throughput    "
          + rpad(format_fixed(static_cast<double>(sent) / secs, 0), 9)
          + "   requests/s over " + fmt_seconds(load_time));
    }
    out("  by target:        sent   answered   failed");
    for (size_t i = 0; i < in.client_targets.size(); ++i)
      out("    " + pad(in.client_targets[i].name, 18)
          + rpad(num(cr.sent_by_target[i]), 8)
          + rpad(num(cr.answered_by_target[i]), 11)
          + rpad(num(cr.failed_by_target[i]), 9));
    out("");
    out("== crashes and restarts (crashes from the workers' own ledger; the "
        "rest from \"supervision.\" events)");
    out("  crash commands sent " + num(in.chaos.commands) + " of "
        + num(in.planned_crashes) + " planned (at most "
        + fmt_duration(caf::timespan{in.chaos.max_lateness.load()})
        + " late); crashes performed " + num(a.crashes) + ": throw "
        + num(a.by_mode[size_t(crash_mode::throw_in_handler)]) + ", quit "
        + num(a.by_mode[size_t(crash_mode::quit_with_error)]) + ", poison "
        + num(a.by_mode[size_t(crash_mode::poison)]));
    out("  (a command is not a crash when its incarnation was stopped first, "
        "or a poisoned one got no request)");
    out("  " + pad("child", 22)
        + "crashes  exits  stopped  restarts"
          "  (own  sibling)  parent-restart");
    child_row total;
    for (auto& r : a.rows) {
      out("  " + pad(r.key + (r.is_supervisor ? " (sup)" : ""), 22)
          + rpad(num(r.injected), 7) + rpad(num(r.exits), 7)
          + rpad(num(r.strategy_stops), 9) + rpad(num(r.restarts), 10)
          + rpad(num(r.restarts_own), 7) + rpad(num(r.restarts_sibling), 9)
          + rpad(num(r.parent_starts), 16));
      total.injected += r.injected;
      total.exits += r.exits;
      total.strategy_stops += r.strategy_stops;
      total.restarts += r.restarts;
      total.restarts_own += r.restarts_own;
      total.restarts_sibling += r.restarts_sibling;
      total.parent_starts += r.parent_starts;
      total.start_failures += r.start_failures;
    }
    out("  " + pad("total", 22) + rpad(num(total.injected), 7)
        + rpad(num(total.exits), 7) + rpad(num(total.strategy_stops), 9)
        + rpad(num(total.restarts), 10) + rpad(num(total.restarts_own), 7)
        + rpad(num(total.restarts_sibling), 9)
        + rpad(num(total.parent_starts), 16));
    out("  start failures: " + num(total.start_failures));
    if (a.crashes_with_exit < a.crashes)
      out("  crashes without an exit event: "
          + num(a.crashes - a.crashes_with_exit)
          + " (the child died while queued to be stopped; the supervisor "
            "reports no event for that)");
    if (total.restarts_own + total.restarts_sibling < total.restarts)
      out("  restarts not preceded by an exit event: "
          + num(total.restarts - total.restarts_own - total.restarts_sibling));
    out("");
    out("== restarts by strategy effect");
    auto row_or = [&](const std::string& key) -> child_row {
      auto i = a.row_of.find(key);
      return i != a.row_of.end() ? a.rows[i->second] : child_row{};
    };
    auto store = row_or("store");
    auto pipeline = row_or("pipeline");
    auto sessions = row_or("sessions");
    out("  one_for_one (" + std::string{root_name} + "): store restarted "
        + num(store.restarts) + "x for " + num(store.exits)
        + " exits; siblings stopped with it: "
        + num(pipeline.strategy_stops + sessions.strategy_stops)
        + "; subtrees restarted: pipeline " + num(pipeline.restarts)
        + ", sessions " + num(sessions.restarts));
    uint64_t pipe_own = 0;
    uint64_t pipe_sib = 0;
    uint64_t expected_sib = 0;
    std::string sib_detail;
    const char* stages[] = {"ingest", "parse", "index"};
    for (size_t i = 0; i < 3; ++i) {
      auto r = row_or(std::string{"pipeline/"} + stages[i]);
      pipe_own += r.restarts_own;
      pipe_sib += r.restarts_sibling;
      expected_sib += r.exits * (2 - i);
      if (i > 0)
        sib_detail += std::string{i > 1 ? ", " : ""} + stages[i] + " "
                      + num(r.restarts_sibling);
    }
    out("  rest_for_one (pipeline): " + num(pipe_own)
        + " restarts after own crash, " + num(pipe_sib)
        + " later siblings restarted with them (" + sib_detail
        + "); rest_for_one predicts " + num(expected_sib)
        + " for these exits when no restarts overlap");
    uint64_t pool_restarts = 0;
    uint64_t pool_exits = 0;
    uint64_t pool_stops = 0;
    for (auto& r : a.rows) {
      if (r.key.rfind("sessions/", 0) != 0)
        continue;
      pool_restarts += r.restarts;
      pool_exits += r.exits;
      pool_stops += r.strategy_stops;
    }
    out("  simple_one_for_one (sessions): " + num(pool_restarts)
        + " pool children restarted for " + num(pool_exits)
        + " exits; siblings stopped with them: " + num(pool_stops));
    if (!a.backoff_delays.empty()) {
      latency_set d;
      d.xs = a.backoff_delays;
      out("  pipeline backoff delays (child_restarting events): "
          + d.describe());
    }
    out("  escalations: " + num(a.escalations.size())
        + (a.escalations.empty()
             ? std::string{}
             : " (children stopped because their supervisor gave up or was "
               "stopped: "
                 + num(a.escalation_stops) + ")"));
    for (auto& ev : a.escalations)
      out("    " + ev.supervisor + ": " + render(ev.reason));
    out("");
    out("== recovery (per performed crash; steady clock)");
    out("  crash -> restart event         " + a.to_restart.describe());
    out("  crash -> first good reply      " + a.to_reply.describe()
        + (a.reply_not_measured > 0
             ? "  (" + num(a.reply_not_measured)
                 + " without a later reply from that child)"
             : std::string{}));
    out("    (a reply counts when it came from a newer incarnation of the "
        "crashed child, through its endpoint)");
    out("");
    out("== detection (detection_tree on the same event bus)");
    std::string classes;
    for (auto& [cls, n] : d.by_class)
      classes += (classes.empty() ? "" : ", ") + cls + " " + num(n);
    out("  faults raised                  " + num(d.raised)
        + (classes.empty() ? std::string{} : " (" + classes + ")"));
    out("  crashes classified             " + num(d.classified) + " of "
        + num(crashes.size())
        + " (a crash counts when a crash or crash_loop "
          "fault of its child was active at it)");
    out("  crash -> fault raised          " + d.to_fault.describe()
        + "  (crashes that opened a new fault)");
    out("");
    out("== endpoints (endpoint_stats before shutdown)");
    out("  " + pad("endpoint", 22)
        + "state    forwarded  stashed  replayed  rejected  expired  pending");
    for (auto& row : in.endpoints) {
      if (!row.ok) {
        out("  " + pad(row.name, 22) + "(no stats)");
        continue;
      }
      auto& s = row.stats;
      out("  " + pad(row.name, 22) + pad(to_string(s.state), 8)
          + rpad(num(s.forwarded), 10) + rpad(num(s.stashed), 9)
          + rpad(num(s.replayed), 10) + rpad(num(s.rejected), 10)
          + rpad(num(s.expired), 9) + rpad(num(s.pending), 9));
    }
    out("");
    out("== shutdown");
    if (o.root_died_early)
      out("  the root died during the run: " + render(o.root_early_reason));
    else if (o.root_stopped)
      out("  root exited with " + render(o.root_exit_reason) + " after "
          + fmt_duration(o.root_stop_time) + "; " + num(a.shutdown_stops)
          + " children stopped");
    else
      out("  the root did not stop within " + fmt_duration(step_timeout));
    if (!a.shutdown_order.empty()) {
      std::string order;
      for (auto& key : a.shutdown_order)
        order += (order.empty() ? "" : ", ") + key;
      out("  stop order (child_terminated events): " + order);
    }
    out("  supervisor_shutdown event from the root: "
        + std::string{a.root_shutdown_seen ? "yes" : "no"});
    out("  actors left running (registry): " + num(o.running_left)
        + " (not counting this thread's scoped actor)");
    out("");
  }
  // -- checks -----------------------------------------------------------------
  struct check {
    bool ok;
    std::string text;
  };
  std::vector<check> checks;
  {
    std::string text = "every injected crash was followed by a restart: "
                       + num(a.crashes_restarted) + " of " + num(a.crashes);
    for (auto& x : a.unrestarted)
      text += "\n         not restarted: " + x;
    checks.push_back({a.crashes_restarted == a.crashes, text});
  }
  checks.push_back({in.chaos.commands == in.planned_crashes,
                    "crash schedule carried out: " + num(in.chaos.commands)
                      + " of " + num(in.planned_crashes)
                      + " planned crash commands sent"});
  checks.push_back({o.client_done && timed_out == 0 && sent == answered + failed
                      && cr.wrong == 0,
                    "every request answered or failed with an error: sent "
                      + num(sent) + " = answered " + num(answered)
                      + " + failed " + num(failed) + "; no answer "
                      + num(timed_out) + "; wrong " + num(cr.wrong)});
  {
    std::string text = "every child running again before shutdown";
    for (auto& x : o.not_running_before_stop)
      text += "\n         not running: " + x;
    checks.push_back(
      {o.children_listed && o.not_running_before_stop.empty(), text});
  }
  checks.push_back(
    {!o.root_died_early && o.root_stopped
       && o.root_exit_reason == caf::exit_reason::user_shutdown
       && a.root_shutdown_seen && o.events_flushed && o.helpers_stopped
       && o.registry_clean,
     o.root_died_early
       ? "tree stopped cleanly: no, the root died during the run ("
           + render(o.root_early_reason) + ")"
       : "tree stopped cleanly (" + render(o.root_exit_reason)
           + "), no actor left running (" + num(o.running_left) + ")"});
  {
    std::string text = "every injected crash classified by the detection "
                       "pipeline (crash or crash_loop): "
                       + num(d.classified) + " of " + num(crashes.size())
                       + "; faults on targets that did not crash: "
                       + num(d.stray.size());
    for (auto& x : d.missed)
      text += "\n         not classified: " + x;
    for (auto& x : d.stray)
      text += "\n         stray fault: " + x;
    checks.push_back({d.classified == crashes.size() && d.stray.empty(), text});
  }
  bool all_ok = true;
  std::cout << "== checks\n";
  for (auto& c : checks) {
    std::cout << "  [" << (c.ok ? "ok" : "FAILED") << "] " << c.text << '\n';
    all_ok = all_ok && c.ok;
  }
  std::cout << "summary: crashes injected " << a.crashes << ", restarted "
            << a.crashes_restarted << ", requests " << sent << " (answered "
            << answered << ", failed " << failed << ", no answer " << timed_out
            << "), escalations " << a.escalations.size() << ", actors left "
            << o.running_left << '\n';
  std::cout << "result: " << (all_ok ? "PASS" : "FAIL") << std::endl;
  return all_ok ? 0 : 1;
}

} // namespace remedy::node
