#include "remedy/supervision/supervisor_builder.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include "remedy/supervision/atoms.hpp"
#include "remedy/core/error.hpp"
#include "remedy/supervision/endpoint.hpp"
#include "remedy/supervision/supervisor.hpp"

namespace remedy {

supervisor_builder::supervisor_builder(std::string name, strategy s) {
  flags_.name = std::move(name);
  flags_.strategy = s;
}

supervisor_builder& supervisor_builder::intensity(size_t max_restarts,
                                                  caf::timespan period) {
  flags_.intensity = max_restarts;
  flags_.period = period;
  return *this;
}

supervisor_builder& supervisor_builder::with_backoff(backoff b) {
  flags_.backoff = b;
  return *this;
}

supervisor_builder& supervisor_builder::with_auto_shutdown(auto_shutdown x) {
  flags_.auto_shutdown = x;
  return *this;
}

supervisor_builder& supervisor_builder::with_seed(uint64_t seed) {
  flags_.seed = seed;
  return *this;
}

supervisor_builder& supervisor_builder::worker(std::string id, start_fn start,
                                               restart_type restart,
                                               shutdown_spec shutdown,
                                               stash_policy stash) {
  return child(child_spec::worker(std::move(id), std::move(start))
                 .with_restart(restart)
                 .with_shutdown(shutdown)
                 .with_stash(stash));
}

supervisor_builder& supervisor_builder::child(child_spec spec) {
  entries_.push_back(entry{std::move(spec), {}});
  return *this;
}

supervisor_builder& supervisor_builder::supervisor(supervisor_builder sub,
                                                   restart_type restart) {
  child_spec spec;
  spec.id = sub.flags_.name;
  spec.type = child_type::supervisor;
  spec.restart = restart;
  entries_.push_back(entry{std::move(spec), {std::move(sub)}});
  return *this;
}

caf::error supervisor_builder::validate() const {
  return validate(flags_.name);
}

caf::error supervisor_builder::validate(const std::string& path) const {
  // Validate this level with the final specs' shape; subtrees get a dummy
  // start here since theirs is made when spawning.
  auto flags = flags_;
  flags.name = path;
  std::vector<child_spec> specs;
  specs.reserve(entries_.size());
  for (auto& e : entries_) {
    auto spec = e.spec;
    if (!e.sub.empty())
      spec.start = [](caf::actor_system&, const caf::message&)
        -> caf::expected<caf::actor> { return caf::actor{}; };
    specs.push_back(std::move(spec));
  }
  if (auto err = remedy::validate(flags, specs))
    return err;
  for (auto& e : entries_)
    if (!e.sub.empty())
      if (auto err = e.sub.front().validate(path + "/" + e.spec.id))
        return err;
  return caf::none;
}

std::vector<child_spec>
supervisor_builder::materialize(caf::actor_system& sys, const std::string& name,
                                const std::string& prefix,
                                supervision_tree& out) const {
  std::vector<child_spec> specs;
  specs.reserve(entries_.size());
  for (auto& e : entries_) {
    auto spec = e.spec;
    auto path = prefix.empty() ? spec.id : prefix + "/" + spec.id;
    if (!e.sub.empty()) {
      auto& sub = e.sub.front();
      auto flags = sub.flags_;
      flags.name = name + "/" + spec.id;
      auto sub_specs = sub.materialize(sys, flags.name, path, out);
      spec.start = [flags, sub_specs](caf::actor_system& sys,
                                      const caf::message&) {
        return spawn_supervisor(sys, flags, sub_specs);
      };
    }
    // Every static child gets a stable endpoint, subtrees too (so a client
    // can reach a pool's supervisor across its restarts); a pool's template
    // does not: its children get theirs on demand.
    // A caller may bring its own endpoint (e.g. to wire workers together
    // before spawning): it is listed and owned by the root all the same.
    if (flags_.strategy != strategy::simple_one_for_one) {
      if (!spec.endpoint)
        spec.endpoint = spawn_endpoint(sys, spec.id, spec.stash);
      out.endpoints.emplace(path, spec.endpoint);
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

caf::expected<supervision_tree>
supervisor_builder::spawn(caf::actor_system& sys) const {
  if (auto err = validate())
    return err;
  supervision_tree tree;
  auto specs = materialize(sys, flags_.name, "", tree);
  auto root = spawn_supervisor(sys, flags_, std::move(specs));
  if (!root)
    return std::move(root.error());
  tree.root = std::move(*root);
  for (auto& [path, ep] : tree.endpoints)
    caf::anon_send(ep, endpoint_owner_atom::value, tree.root);
  return tree;
}

} // namespace remedy
