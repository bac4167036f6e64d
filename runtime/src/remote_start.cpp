#include "remedy/runtime/remote_start.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/error.hpp"
#include "remedy/core/forward.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "remedy/supervision/start.hpp"

namespace remedy {

namespace {

/// Where one `remote_start` placed its children (shared by its calls).
struct placement {
  std::mutex mtx;
  /// Live children per member name.
  std::map<std::string, size_t> live;
  /// The member the last child started on.
  std::string previous;
};

struct remote_child_state {
  caf::actor remote;
  cluster_member where;
  std::string type;
  bool reachable = true;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "remedy.remote_child";
};

using remote_child_actor = caf::stateful_actor<remote_child_state>;

std::string describe(const remote_child_state& st) {
  return "remote child '" + st.type + "' on node '" + st.where.name + "'";
}

/// Forwards what it gets to the remote actor (answers go straight back to
/// the sender), fails fast while the node is unreachable, and fails when
/// the remote actor or its node is gone.
caf::behavior remote_child(remote_child_actor* self, caf::actor remote,
                           cluster_member where, std::string type) {
  auto& st = self->state;
  st.remote = std::move(remote);
  st.where = std::move(where);
  st.type = std::move(type);
  st.log = logger("remedy.cluster");
  install_exception_handler(self);
  self->monitor(st.remote);
  subscribe(self, "cluster.");
  // Stopped by its supervisor (or failing): the remote actor goes too.
  self->attach_functor([remote = st.remote](const caf::error& reason) {
    caf::error r = reason ? reason : caf::error{caf::exit_reason::normal};
    remote->enqueue(nullptr, caf::make_message_id(),
                    caf::make_message(caf::exit_msg{caf::actor_addr{}, r}),
                    nullptr);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source != st.remote)
      return;
    if (!msg.reason || msg.reason == caf::exit_reason::normal) {
      self->quit(caf::exit_reason::normal);
      return;
    }
    if (msg.reason == caf::exit_reason::remote_link_unreachable) {
      self->quit(make_error(errc::node_down,
                            describe(st) + ": the connection to it dropped"));
      return;
    }
    self->quit(make_error(errc::target_down,
                          describe(st) + " exited: " + render(msg.reason)));
  });
  self->set_default_handler(
    [self](caf::scheduled_actor*,
           caf::message_view& x) -> caf::result<caf::message> {
      auto& st = self->state;
      if (st.reachable) {
        forward_current(self, x, st.remote);
        return caf::delegated<caf::message>{};
      }
      if (!self->current_message_id().is_request())
        return caf::delegated<caf::message>{}; // a plain message is lost
      return make_error(errc::node_unreachable,
                        describe(st) + ": the node is unreachable");
    });
  return {
    [self](const cluster_event& ev) {
      auto& st = self->state;
      if (ev.member.uid != st.where.uid)
        return;
      switch (ev.kind) {
        case cluster_event_kind::node_unreachable:
          st.reachable = false;
          st.log->warn("{}: unreachable; requests fail fast", describe(st));
          break;
        case cluster_event_kind::node_reachable:
          st.reachable = true;
          st.log->info("{}: reachable again", describe(st));
          break;
        case cluster_event_kind::node_down:
        case cluster_event_kind::node_left:
          self->quit(make_error(errc::node_down,
                                describe(st) + ": the node is "
                                  + (ev.kind == cluster_event_kind::node_down
                                       ? "down"
                                       : "gone (left)")));
          break;
        default:
          break;
      }
    },
  };
}

} // namespace

start_fn remote_start(caf::actor agent, std::string type, caf::message args,
                      remote_start_settings settings) {
  auto where = std::make_shared<placement>();
  return [agent, type, args, settings,
          where](caf::actor_system& sys,
                 const caf::message&) -> caf::expected<caf::actor> {
    auto what = "remote child '" + type + "'";
    if (!agent)
      return make_error(errc::invalid_argument, what + ": no node agent");
    if (!sys.has_middleman())
      return make_error(errc::invalid_argument,
                        what + ": the actor system has no middleman loaded");
    std::vector<cluster_member> members;
    std::vector<caf::actor> agents;
    caf::error err;
    {
      caf::scoped_actor self{sys};
      self->request(agent, settings.timeout, cluster_peers_atom::value)
        .receive(
          [&](std::vector<cluster_member>& xs, std::vector<caf::actor>& ys) {
            members = std::move(xs);
            agents = std::move(ys);
          },
          [&](caf::error& e) { err = std::move(e); });
    }
    if (err)
      return make_error(errc::start_failed,
                        what + ": the node agent did not answer: "
                          + render(err));
    if (members.empty() || members.size() != agents.size())
      return make_error(errc::node_unreachable,
                        what + ": no other cluster member is up and "
                               "reachable");
    // The member with the fewest live children; the previous one last.
    size_t pick = 0;
    {
      std::lock_guard<std::mutex> guard{where->mtx};
      auto score = [&](size_t i) {
        auto n = where->live[members[i].name];
        bool prev = members[i].name == where->previous;
        return std::make_pair(n + (prev ? 1 : 0), members[i].name);
      };
      for (size_t i = 1; i < members.size(); ++i)
        if (score(i) < score(pick))
          pick = i;
    }
    auto& m = members[pick];
    auto remote = sys.middleman().remote_spawn<caf::actor>(
      agents[pick].node(), type, args, settings.timeout);
    if (!remote)
      return make_error(errc::start_failed,
                        what + ": remote spawn on node '" + m.name
                          + "' failed: " + render(remote.error()));
    auto guard = sys.spawn(remote_child, *remote, m, type);
    {
      std::lock_guard<std::mutex> lock{where->mtx};
      ++where->live[m.name];
      where->previous = m.name;
    }
    guard->attach_functor([where, name = m.name] {
      std::lock_guard<std::mutex> lock{where->mtx};
      auto i = where->live.find(name);
      if (i != where->live.end() && i->second > 0)
        --i->second;
    });
    logger("remedy.cluster")
      ->info("{} started on node '{}'", what, m.name);
    return guard;
  };
}

} // namespace remedy
