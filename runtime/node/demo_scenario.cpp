#include "demo_scenario.hpp"

#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>
#include <caf/send.hpp>

#include "remedy/classification/detection_tree.hpp"
#include "remedy/classification/type_ids.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/atoms.hpp"
#include "remedy/supervision/endpoint.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/type_ids.hpp"

namespace remedy::node {

using namespace std::chrono_literals;

std::string build_scenario(caf::actor_system& sys, caf::scoped_actor& self,
                           const ledger_ptr& ledger, uint64_t backoff_seed,
                           scenario& sc) {
  // 1. Remedy's detection pipeline, a tree of its own: it reads the
  //    service's supervision events and classifies its crashes.
  auto detection = detection_tree(detection_root_name).spawn(sys);
  if (!detection)
    return "cannot spawn the detection tree: " + render(detection.error());
  sc.detection_root = detection->root;
  self->monitor(sc.detection_root);
  {
    caf::error err = caf::make_error(caf::sec::request_timeout);
    self->request(sc.detection_root, step_timeout, await_started_atom::value)
      .receive([&] { err = caf::none; },
               [&](caf::error& x) { err = std::move(x); });
    if (err)
      return "the detection tree did not start: " + render(err);
  }
  // 2. The tree. parse and index get their endpoints up front, because the
  //    stage before each forwards to it and is started with its handle.
  stash_policy stash;
  auto parse_ep = spawn_endpoint(sys, "parse", stash);
  auto index_ep = spawn_endpoint(sys, "index", stash);
  auto parse_spec = child_spec::worker("parse",
                                       start(parse_worker, ledger, index_ep));
  parse_spec.endpoint = parse_ep;
  auto index_spec = child_spec::worker("index", start(index_worker, ledger));
  index_spec.endpoint = index_ep;
  auto pipeline
    = supervisor_builder("pipeline", strategy::rest_for_one)
        .intensity(10, 1s)
        .with_backoff(backoff::exponential(1ms, 20ms).with_jitter(0.2))
        .with_seed(backoff_seed)
        .worker("ingest", start(ingest_worker, ledger, parse_ep))
        .child(std::move(parse_spec))
        .child(std::move(index_spec));
  auto sessions = supervisor_builder("sessions", strategy::simple_one_for_one)
                    .intensity(20, 1s)
                    .worker("session",
                            pool_start<uint64_t>(session_worker, ledger));
  auto tree = supervisor_builder(root_name, strategy::one_for_one)
                .intensity(10, 1s)
                .worker("store", start(store_worker, ledger))
                .supervisor(std::move(pipeline))
                .supervisor(std::move(sessions))
                .spawn(sys);
  if (!tree) {
    // Nothing owns the two endpoints made above: stop them ourselves.
    caf::anon_send_exit(parse_ep, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(index_ep, caf::exit_reason::user_shutdown);
    return "cannot spawn the tree: " + render(tree.error());
  }
  sc.tree = std::move(*tree);
  self->monitor(sc.tree.root);
  // The builder ties only the endpoints it made to the root; these two were
  // made here, so tie them explicitly (else they would outlive the tree).
  sc.tree.endpoints.emplace("pipeline/parse", parse_ep);
  sc.tree.endpoints.emplace("pipeline/index", index_ep);
  for (auto& ep : {parse_ep, index_ep})
    self->send(ep, endpoint_owner_atom::value, sc.tree.root);
  // 3. The supervisors below the root, and four sessions in the pool.
  auto top = ask<std::vector<child_info>>(self, sc.tree.root,
                                          which_children_atom::value);
  if (!top)
    return "which_children on the root: " + render(top.error());
  sc.pipeline_sup = child_handle(*top, "pipeline");
  sc.sessions_sup = child_handle(*top, "sessions");
  // The pool's own endpoint (if the builder made one) reaches whichever
  // incarnation of it runs; start_child and get_endpoint go through it.
  if (auto ep = sc.tree.endpoint("sessions"))
    sc.sessions_sup = ep;
  if (!sc.pipeline_sup || !sc.sessions_sup)
    return "the root does not run 'pipeline' and 'sessions'";
  sc.client_targets.push_back(
    {"store", sc.tree.endpoint("store"), target_kind::store, store_slot});
  sc.client_targets.push_back({"pipeline", sc.tree.endpoint("pipeline/ingest"),
                               target_kind::pipeline, ingest_slot});
  sc.crash_targets.push_back(sc.client_targets[0]);
  sc.crash_targets.push_back({"pipeline/ingest",
                              sc.tree.endpoint("pipeline/ingest"),
                              target_kind::store, ingest_slot});
  sc.crash_targets.push_back(
    {"pipeline/parse", parse_ep, target_kind::store, parse_slot});
  sc.crash_targets.push_back(
    {"pipeline/index", index_ep, target_kind::store, index_slot});
  for (uint64_t k = 0; k < session_count; ++k) {
    auto info = ask<child_info>(self, sc.sessions_sup, start_child_atom::value,
                                caf::make_message(k));
    if (!info)
      return "start_child on 'sessions': " + render(info.error());
    auto ep = ask<caf::actor>(self, sc.sessions_sup, get_endpoint_atom::value,
                              info->id);
    if (!ep)
      return "get_endpoint '" + info->id + "': " + render(ep.error());
    auto slot = first_session_slot + static_cast<size_t>(k);
    target t{"sessions/" + info->id, *ep, target_kind::session, slot};
    sc.client_targets.push_back(t);
    sc.crash_targets.push_back(t);
  }
  return {};
}

caf::actor child_handle(const std::vector<child_info>& xs,
                        const std::string& id) {
  for (auto& x : xs)
    if (x.id == id)
      return x.current;
  return {};
}

} // namespace remedy::node
