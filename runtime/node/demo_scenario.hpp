#pragma once

// remedy-node's supervision demo: the scenario it runs. The service is a
// supervision tree of demo_service workers (store, a rest_for_one pipeline,
// a simple_one_for_one pool of sessions) beside Remedy's detection tree; the
// client and the chaos actor reach its workers as targets, through stable
// endpoints. Also the demo's own messages and the main thread's blocking
// helpers.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/timespan.hpp>

#include "demo_service.hpp"
#include "remedy/supervision/child_info.hpp"
#include "remedy/supervision/supervisor_builder.hpp"

namespace remedy::node {

using run_atom = caf::atom_constant<caf::atom("n_run")>;
using stop_atom = caf::atom_constant<caf::atom("n_stop")>;
using done_atom = caf::atom_constant<caf::atom("n_done")>;
using ready_atom = caf::atom_constant<caf::atom("n_ready")>;
using flush_atom = caf::atom_constant<caf::atom("n_flush")>;

// -- the service's shape ------------------------------------------------------

constexpr const char* root_name = "service";
/// The root of the detection pipeline's own tree.
constexpr const char* detection_root_name = "detection";
constexpr size_t session_count = 4;
/// Bound for each step of setup and teardown.
constexpr caf::timespan step_timeout = std::chrono::seconds(5);

enum class target_kind : uint8_t { store, pipeline, session };

struct target {
  std::string name;
  caf::actor endpoint;
  target_kind kind = target_kind::store;
  /// The worker slot behind the endpoint (ingest for the pipeline).
  size_t slot = 0;
};

/// The service and the detection tree as set up, and what the client and
/// the chaos actor target.
struct scenario {
  caf::actor detection_root;
  supervision_tree tree;
  caf::actor pipeline_sup;
  caf::actor sessions_sup;
  std::vector<target> client_targets;
  std::vector<target> crash_targets;
};

/// Starts the detection tree and the service's tree with four sessions in
/// its pool, and monitors both roots from `self`. Returns what failed, or an
/// empty string; `sc` holds what was started either way, for the caller to
/// stop.
std::string build_scenario(caf::actor_system& sys, caf::scoped_actor& self,
                           const ledger_ptr& ledger, uint64_t backoff_seed,
                           scenario& sc);

// -- blocking helpers for the main thread -------------------------------------

template <class T, class... Ts>
caf::expected<T>
ask(caf::scoped_actor& self, const caf::actor& dest, Ts&&... xs) {
  caf::expected<T> result{caf::make_error(caf::sec::request_timeout)};
  self->request(dest, step_timeout, std::forward<Ts>(xs)...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

/// The running incarnation of child `id` in `xs`, or an invalid handle.
caf::actor child_handle(const std::vector<child_info>& xs,
                        const std::string& id);

} // namespace remedy::node
