#include "remedy/runtime/cluster_singleton.hpp"

#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/mailbox_element.hpp>
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

using singleton_check_atom = caf::atom_constant<caf::atom("r_sgcheck")>;
/// `(singleton_proxy_atom, caf::message inner)`: a message for the singleton
/// passed on by another node's manager, with the original sender.
using singleton_proxy_atom = caf::atom_constant<caf::atom("r_sgproxy")>;

struct singleton_state {
  cluster_singleton_settings cfg;
  caf::actor agent;
  singleton_start start;
  /// This node's name in the cluster (empty until the agent answered).
  std::string me;
  std::string leader;
  uint64_t term = 0;
  /// The instance running here (none: null), shared with the exit cleanup,
  /// which runs after CAF destroyed the state.
  std::shared_ptr<caf::actor> instance = std::make_shared<caf::actor>();
  uint64_t instance_term = 0;
  /// The leader's manager (with `forward_to_leader`), for `leader_manager_of`.
  caf::actor leader_manager;
  std::string leader_manager_of;
  bool resolving = false;
  std::deque<held_message> held;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "remedy.cluster_singleton";
};

using manager = caf::stateful_actor<singleton_state>;

void stop_instance(manager* self, const std::string& why) {
  auto& st = self->state;
  auto& instance = *st.instance;
  if (!instance)
    return;
  st.log->info("singleton '{}': stopped on {} (term {}): {}", st.cfg.name,
               st.me, st.instance_term, why);
  self->demonitor(instance);
  self->send_exit(instance, caf::exit_reason::user_shutdown);
  instance = nullptr;
}

std::string service_name(const cluster_singleton_settings& cfg) {
  return "singleton/" + cfg.name;
}

caf::error not_leader_error(const singleton_state& st,
                            const std::string& why = {}) {
  return make_error(errc::not_leader,
                    "singleton '" + st.cfg.name + "' does not run on "
                      + (st.me.empty() ? "this node" : st.me)
                      + (st.leader.empty()
                           ? std::string{"; no leader known"}
                           : "; the leader is " + st.leader + " (term "
                               + std::to_string(st.term) + ")")
                      + why);
}

/// Passes `x` on to the leader's manager, wrapped, with its sender.
void pass_on(manager* self, held_message& x) {
  x.content = caf::make_message(singleton_proxy_atom::value,
                                std::move(x.content));
  deliver(x, self->state.leader_manager, self->context());
}

void flush_held(manager* self) {
  auto& st = self->state;
  while (!st.held.empty()) {
    auto& x = st.held.front();
    if (st.leader_manager && st.leader_manager_of == st.leader)
      pass_on(self, x);
    else
      refuse_request(self, x.sender, x.mid,
                     not_leader_error(st, "; its manager was not found"));
    st.held.pop_front();
  }
}

/// Looks up the leader's manager through the leader's node agent.
void resolve(manager* self) {
  auto& st = self->state;
  if (st.resolving)
    return;
  st.resolving = true;
  auto leader = st.leader;
  auto timeout = st.cfg.check_interval * 5;
  self->request(st.agent, timeout, cluster_peers_atom::value)
    .then(
      [self, leader, timeout](std::vector<cluster_member>& ms,
                              std::vector<caf::actor>& agents) {
        auto& st = self->state;
        caf::actor agent;
        for (size_t i = 0; i < ms.size() && i < agents.size(); ++i)
          if (ms[i].name == leader)
            agent = agents[i];
        if (!agent) {
          st.resolving = false;
          flush_held(self);
          return;
        }
        self
          ->request(agent, timeout, cluster_service_atom::value,
                    service_name(st.cfg))
          .then(
            [self, leader](caf::actor& mgr) {
              auto& st = self->state;
              st.resolving = false;
              if (mgr && leader == st.leader) {
                if (st.leader_manager)
                  self->demonitor(st.leader_manager);
                st.leader_manager = mgr;
                st.leader_manager_of = leader;
                self->monitor(mgr);
              }
              flush_held(self);
            },
            [self](caf::error&) {
              self->state.resolving = false;
              flush_held(self);
            });
      },
      [self](caf::error&) {
        self->state.resolving = false;
        flush_held(self);
      });
}

/// The agent says `leader` leads in `term`.
void apply(manager* self, uint64_t term, const std::string& leader) {
  auto& st = self->state;
  if (term < st.term)
    return; // an older announcement arriving late
  st.term = term;
  st.leader = leader;
  if (st.leader_manager && st.leader_manager_of != leader) {
    self->demonitor(st.leader_manager);
    st.leader_manager = nullptr;
    st.leader_manager_of.clear();
  }
  if (st.me.empty())
    return;
  if (leader != st.me) {
    stop_instance(self, leader.empty() ? "no leader known"
                                       : "leadership moved to " + leader);
    return;
  }
  if (*st.instance && st.instance_term == term)
    return;
  stop_instance(self, "a new term");
  auto x = st.start(self->home_system(), term);
  if (!x || !*x) {
    st.log->error("singleton '{}': start on {} (term {}) failed: {}",
                  st.cfg.name, st.me, term,
                  x ? std::string{"no actor"} : render(x.error()));
    return; // tried again at the next check
  }
  *st.instance = *x;
  st.instance_term = term;
  self->monitor(*x);
  st.log->info("singleton '{}': runs on {} as leader of term {}", st.cfg.name,
               st.me, term);
}

void check(manager* self) {
  auto& st = self->state;
  if (st.me.empty()) {
    self->request(st.agent, st.cfg.check_interval, cluster_members_atom::value)
      .then(
        [self](std::vector<cluster_member>& xs) {
          if (!xs.empty())
            self->state.me = xs.front().name;
        },
        [](caf::error&) {});
  }
  self->request(st.agent, st.cfg.check_interval, cluster_leader_atom::value)
    .then([self](uint64_t term,
                 const std::string& leader) { apply(self, term, leader); },
          [](caf::error&) {});
  self->delayed_send(self, st.cfg.check_interval, singleton_check_atom::value);
}

caf::behavior singleton_manager(manager* self, caf::actor agent,
                                singleton_start start,
                                cluster_singleton_settings cfg) {
  auto& st = self->state;
  st.agent = std::move(agent);
  st.start = std::move(start);
  st.cfg = std::move(cfg);
  st.log = logger("remedy.cluster");
  install_exception_handler(self);
  subscribe(self, "cluster.leader_changed");
  // Findable by the other nodes' managers (forward_to_leader).
  self->send(st.agent, cluster_service_atom::value, service_name(st.cfg),
             caf::actor_cast<caf::actor>(self));
  self->attach_functor([instance = st.instance] {
    if (*instance)
      caf::anon_send_exit(*instance, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (*st.instance && msg.source == *st.instance) {
      st.log->warn("singleton '{}': exited on {} (term {}): {}", st.cfg.name,
                   st.me, st.instance_term, render(msg.reason));
      *st.instance = nullptr;
    }
    if (st.leader_manager && msg.source == st.leader_manager) {
      st.leader_manager = nullptr;
      st.leader_manager_of.clear();
    }
  });
  self->set_default_handler(
    [self](caf::scheduled_actor*,
           caf::message_view& x) -> caf::result<caf::message> {
      auto& st = self->state;
      if (*st.instance) {
        forward_current(self, x, *st.instance);
        return caf::delegated<caf::message>{};
      }
      auto* e = self->current_mailbox_element();
      if (st.cfg.forward_to_leader && !st.leader.empty()
          && st.leader != st.me) {
        auto m = hold_current(self, x);
        if (st.leader_manager && st.leader_manager_of == st.leader) {
          pass_on(self, m);
        } else if (st.held.size() >= st.cfg.max_pending) {
          refuse_request(self, m.sender, m.mid,
                         not_leader_error(st, "; too many messages wait for "
                                              "its manager"));
        } else {
          st.held.push_back(std::move(m));
          resolve(self);
        }
        return caf::delegated<caf::message>{};
      }
      if (!e->mid.is_request())
        return caf::delegated<caf::message>{};
      return not_leader_error(st);
    });
  check(self);
  return {
    [self](singleton_check_atom) { check(self); },
    [self](singleton_proxy_atom, caf::message& inner)
      -> caf::result<caf::message> {
      // From another node's manager: to the singleton if it runs here, else
      // refused (never a second hop).
      auto& st = self->state;
      auto* e = self->current_mailbox_element();
      if (*st.instance) {
        held_message m{std::move(e->sender), e->mid, std::move(e->stages),
                       std::move(inner)};
        deliver(m, *st.instance, self->context());
        return caf::delegated<caf::message>{};
      }
      if (!e->mid.is_request())
        return caf::delegated<caf::message>{};
      return not_leader_error(st);
    },
    [self](const cluster_event& ev) {
      if (ev.kind == cluster_event_kind::leader_changed)
        apply(self, ev.term, ev.member.name);
    },
  };
}

} // namespace

caf::actor spawn_cluster_singleton(caf::actor_system& sys, caf::actor agent,
                                   singleton_start start,
                                   cluster_singleton_settings settings) {
  return sys.spawn(singleton_manager, std::move(agent), std::move(start),
                   std::move(settings));
}

} // namespace remedy
