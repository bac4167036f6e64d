#include "remedy/runtime/cluster_healing.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <spdlog/spdlog.h>

#include "remedy/classification/atoms.hpp"
#include "remedy/classification/fault.hpp"
#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/forward.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/healing/atoms.hpp"
#include "remedy/runtime/cluster.hpp"
#include "remedy/runtime/cluster_event.hpp"
#include "remedy/runtime/cluster_member.hpp"
#include "remedy/runtime/cluster_singleton.hpp"
#include "remedy/runtime/healing_offer.hpp"
#include "remedy/runtime/type_ids.hpp"
#include "remedy/strategies/atoms.hpp"
#include "remedy/strategies/healing_action.hpp"
#include "remedy/strategies/healing_order.hpp"
#include "remedy/supervision/start.hpp"

namespace remedy {

namespace {

using relay_check_atom = caf::atom_constant<caf::atom("r_hrcheck")>;
/// `(dispatch_node_atom, std::string node, caf::actor strategy)`: the
/// dispatcher's strategy on `node`.
using dispatch_node_atom = caf::atom_constant<caf::atom("r_hdnode")>;

/// "<node>:<name>", the name of a node's target in the orchestrator.
std::string qualified(const std::string& node, const std::string& name) {
  return node + ":" + name;
}

/// The node of a qualified name (empty if it has none).
std::string node_of(const std::string& qualified_name) {
  auto i = qualified_name.find(':');
  return i == std::string::npos ? std::string{} : qualified_name.substr(0, i);
}

/// splitmix64's finalizer: spreads a node's incarnation over all 64 bits.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// The strategy names the ladders of `s` use.
std::set<std::string> strategy_names(const healing_settings& s) {
  std::set<std::string> result{s.default_ladder.begin(),
                               s.default_ladder.end()};
  for (auto& [cls, names] : s.ladders)
    result.insert(names.begin(), names.end());
  return result;
}

// -- dispatcher (on the leader, one per strategy name) ------------------------

struct dispatcher_state {
  std::string strategy;
  std::map<std::string, caf::actor> by_node;
  static inline const char* name = "remedy.healing_dispatcher";
};

using dispatcher_actor = caf::stateful_actor<dispatcher_state>;

/// Stands in the orchestrator's strategy set for one strategy name: sends
/// each assessment, execution and undo on to the strategy of that name on
/// the target's node, which answers the orchestrator directly.
caf::behavior dispatcher(dispatcher_actor* self, std::string strategy) {
  self->state.strategy = std::move(strategy);
  install_exception_handler(self);
  self->set_default_handler(
    [self](caf::scheduled_actor*,
           caf::message_view& x) -> caf::result<caf::message> {
      auto& st = self->state;
      std::string target;
      auto& msg = x.content();
      if (msg.match_elements<strategy_assess_atom, healing_order>()
          || msg.match_elements<strategy_execute_atom, healing_order>())
        target = msg.get_as<healing_order>(1).target.name;
      else if (msg.match_elements<strategy_undo_atom, healing_action>())
        target = msg.get_as<healing_action>(1).target;
      else
        return make_error(errc::unexpected_message,
                          "healing dispatcher '" + st.strategy
                            + "': not a strategy request");
      auto node = node_of(target);
      auto i = st.by_node.find(node);
      if (i == st.by_node.end() || !i->second)
        return make_error(errc::not_supported,
                          "strategy '" + st.strategy + "' is not offered by "
                            + (node.empty() ? "the node of '" + target + "'"
                                            : "node '" + node + "'"));
      forward_current(self, x, i->second);
      return caf::delegated<caf::message>{};
    });
  return {
    [self](dispatch_node_atom, const std::string& node, caf::actor& x) {
      self->state.by_node[node] = std::move(x);
    },
  };
}

// -- healer (the singleton instance on the leader) ----------------------------

struct healer_state {
  uint64_t term = 0;
  caf::actor orchestrator;
  std::map<std::string, caf::actor> dispatchers;
  /// The incarnation (uid) of each node that made an offer.
  std::map<std::string, uint64_t> incarnations;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "remedy.cluster_healer";
};

using healer_actor = caf::stateful_actor<healer_state>;

caf::timespan since_epoch(caf::local_actor* self) {
  return self->clock().now().time_since_epoch();
}

/// Moves the times of `f` by `offset` (a time of 0 means "none" and stays).
void rebase(fault& f, caf::timespan offset) {
  for (auto* t : {&f.first_seen, &f.last_seen, &f.cleared_at})
    if (t->count() != 0)
      *t += offset;
  for (auto& d : f.evidence)
    if (d.at.count() != 0)
      d.at += offset;
}

/// Ends what the orchestrator does for the targets of `node`'s earlier
/// incarnation, as abandoned: their faults will never clear.
void forget_node(healer_actor* self, const std::string& node,
                 const std::string& why) {
  self->state.log->info("cluster healing: forgets the healings of {}: {}",
                        node, why);
  self->send(self->state.orchestrator, healing_forget_atom::value,
             qualified(node, ""), why);
}

caf::behavior healer(healer_actor* self, caf::actor orchestrator,
                     std::map<std::string, caf::actor> dispatchers,
                     uint64_t term) {
  auto& st = self->state;
  st.term = term;
  st.orchestrator = std::move(orchestrator);
  st.dispatchers = std::move(dispatchers);
  st.log = logger("remedy.healing");
  install_exception_handler(self);
  subscribe(self, "cluster.node_down");
  subscribe(self, "cluster.node_left");
  // The orchestrator and the dispatchers live and die with the healer.
  self->link_to(st.orchestrator);
  for (auto& [name, d] : st.dispatchers)
    self->link_to(d);
  self->set_default_handler(
    [self](caf::scheduled_actor*,
           caf::message_view& x) -> caf::result<caf::message> {
      // Status and table requests, and the relays' faults.
      forward_current(self, x, self->state.orchestrator);
      return caf::delegated<caf::message>{};
    });
  return {
    // A relay's faults: their times are on the sender's clock, which
    // another machine's need not share; rebased to this one's at arrival
    // (off by the message's transit time).
    [self](fault_event& ev, caf::timespan sent_at) {
      rebase(ev.what, since_epoch(self) - sent_at);
      self->send(self->state.orchestrator, std::move(ev));
    },
    [self](fault_snapshot& snap, caf::timespan sent_at) {
      auto offset = since_epoch(self) - sent_at;
      for (auto& f : snap.faults)
        rebase(f, offset);
      self->send(self->state.orchestrator, std::move(snap));
    },
    // A node that is down or left has nothing left to heal here (its
    // remote children are restarted by their supervisors).
    [self](const cluster_event& ev) {
      if (ev.kind != cluster_event_kind::node_down
          && ev.kind != cluster_event_kind::node_left)
        return;
      // Only the incarnation whose offer the orchestrator has: a node that
      // restarted may have offered its new one already.
      auto i = self->state.incarnations.find(ev.member.name);
      if (i != self->state.incarnations.end() && i->second == ev.member.uid)
        forget_node(self, ev.member.name,
                    "node " + ev.member.name + " is "
                      + to_string(ev.kind) + " (" + to_string(ev.member)
                      + ")");
    },
    // A relay's check that this instance still holds its offer.
    [self](healing_offer_atom) {
      return caf::make_message(self->state.term, self->id());
    },
    [self](healing_offer_atom, healing_offer& offer) {
      auto& st = self->state;
      auto& known = st.incarnations[offer.node];
      if (known != 0 && known != offer.uid)
        forget_node(self, offer.node,
                    "node " + offer.node + " restarted (a new incarnation)");
      known = offer.uid;
      for (auto& t : offer.targets) {
        t.name = qualified(offer.node, t.name);
        if (!t.group.empty())
          t.group = qualified(offer.node, t.group);
        self->send(st.orchestrator, heal_target_atom::value, std::move(t));
      }
      for (size_t i = 0; i < offer.strategy_names.size()
                         && i < offer.strategies.size();
           ++i) {
        auto d = st.dispatchers.find(offer.strategy_names[i]);
        if (d != st.dispatchers.end())
          self->send(d->second, dispatch_node_atom::value, offer.node,
                     offer.strategies[i]);
      }
      return caf::make_message(st.term, self->id());
    },
  };
}

caf::expected<caf::actor> start_healer(caf::actor_system& sys,
                                       const cluster_healing_settings& cfg,
                                       uint64_t term) {
  std::map<std::string, caf::actor> dispatchers;
  strategy_set set;
  for (auto& name : strategy_names(cfg.healing)) {
    auto d = sys.spawn(dispatcher, name);
    dispatchers.emplace(name, d);
    set.emplace(name, d);
  }
  auto hs = cfg.healing;
  hs.term = term;
  hs.local_faults = false;
  auto orch = spawn_orchestrator(sys, std::move(hs), set);
  if (!orch) {
    for (auto& [name, d] : dispatchers)
      caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
    return std::move(orch.error());
  }
  return sys.spawn(healer, *orch, std::move(dispatchers), term);
}

// -- relay (on every node) ----------------------------------------------------

struct relay_state {
  cluster_healing_settings cfg;
  caf::actor agent;
  /// This node's singleton manager.
  caf::actor manager;
  std::vector<heal_target> targets;
  strategy_set strategies;
  cluster_member me;
  /// The manager on the leader that took the last offer, its term and the
  /// id of its instance (null: not joined; faults wait for the next one).
  caf::actor joined;
  uint64_t term = 0;
  caf::actor_id instance = 0;
  bool checking = false;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "remedy.healing_relay";
};

using relay_actor = caf::stateful_actor<relay_state>;

class relay_impl {
public:
  explicit relay_impl(relay_actor* self) : self_(self), st_(self->state) {
  }

  /// A fault of this node, named as the orchestrator knows it.
  fault qualify(fault f) const {
    f.target = qualified(st_.me.name, f.target);
    f.id ^= mix(st_.me.uid);
    return f;
  }

  void forward(fault_event ev) {
    if (!st_.joined)
      return; // the next orchestrator gets a snapshot when the relay joins
    ev.what = qualify(std::move(ev.what));
    self_->send(st_.joined, std::move(ev), since_epoch(self_));
  }

  void forward(fault_snapshot snap) {
    if (!st_.joined)
      return;
    for (auto& f : snap.faults)
      f = qualify(std::move(f));
    snap.classifier = qualified(st_.me.name, snap.classifier);
    self_->send(st_.joined, std::move(snap), since_epoch(self_));
  }

  void leave(const std::string& why) {
    if (st_.joined)
      st_.log->info("healing relay {}: left the orchestrator of term {}: {}",
                    st_.me.name, st_.term, why);
    st_.joined = nullptr;
    st_.instance = 0;
  }

  void check() {
    self_->delayed_send(self_, st_.cfg.check_interval,
                        relay_check_atom::value);
    if (st_.checking)
      return;
    st_.checking = true;
    // This node as the agent knows it now: a node declared down by the
    // others comes back as a new incarnation (a new uid).
    self_->request(st_.agent, st_.cfg.request_timeout,
                   cluster_members_atom::value)
      .then(
        [this](std::vector<cluster_member>& xs) {
          if (!xs.empty())
            st_.me = xs.front();
          ask_leader();
        },
        [this](caf::error&) { st_.checking = false; });
  }

  void ask_leader() {
    if (st_.me.name.empty()) {
      st_.checking = false;
      return;
    }
    self_->request(st_.agent, st_.cfg.request_timeout,
                   cluster_leader_atom::value)
      .then(
        [this](uint64_t, const std::string& leader) {
          if (leader.empty()) {
            leave("no leader known");
            st_.checking = false;
          } else if (leader == st_.me.name) {
            reach(st_.manager);
          } else {
            find_manager(leader);
          }
        },
        [this](caf::error&) { st_.checking = false; });
  }

  /// Asks the leader's agent for its manager.
  void find_manager(const std::string& leader) {
    self_->request(st_.agent, st_.cfg.request_timeout,
                   cluster_peers_atom::value)
      .then(
        [this, leader](const std::vector<cluster_member>& members,
                       const std::vector<caf::actor>& agents) {
          for (size_t i = 0; i < members.size() && i < agents.size(); ++i) {
            if (members[i].name != leader)
              continue;
            self_->request(agents[i], st_.cfg.request_timeout,
                           cluster_service_atom::value, st_.cfg.service)
              .then([this](caf::actor& m) { reach(m); },
                    [this, leader](caf::error& err) {
                      leave("the leader " + leader + " has no manager: "
                            + render(err));
                      st_.checking = false;
                    });
            return;
          }
          leave("the leader " + leader + " is not reachable");
          st_.checking = false;
        },
        [this](caf::error&) { st_.checking = false; });
  }

  /// The leader's manager is `m`: the whole offer goes only to an instance
  /// that does not hold it yet; the one that does is only asked its id.
  void reach(caf::actor m) {
    if (m != st_.joined) {
      offer(m);
      return;
    }
    self_->request(m, st_.cfg.request_timeout, healing_offer_atom::value)
      .then(
        [this, m](uint64_t, caf::actor_id instance) {
          if (instance == st_.instance)
            st_.checking = false;
          else
            offer(m); // the singleton restarted within the term
        },
        [this](caf::error& err) {
          st_.checking = false;
          leave(render(err));
        });
  }

  void offer(caf::actor m) {
    healing_offer x;
    x.node = st_.me.name;
    x.uid = st_.me.uid;
    x.targets = st_.targets;
    for (auto& [name, s] : st_.strategies) {
      x.strategy_names.push_back(name);
      x.strategies.push_back(s);
    }
    self_->request(m, st_.cfg.request_timeout, healing_offer_atom::value,
                   std::move(x))
      .then(
        [this, m](uint64_t term, caf::actor_id instance) {
          st_.checking = false;
          if (m == st_.joined && instance == st_.instance)
            return;
          st_.joined = m;
          st_.term = term;
          st_.instance = instance;
          st_.log->info("healing relay {}: joined the orchestrator of term "
                        "{} ({} targets)",
                        st_.me.name, term, st_.targets.size());
          // A new orchestrator: the classifier tells everyone its open
          // faults, and this relay sends them on.
          publish(self_, "classifier.sync",
                  caf::make_message(fault_sync_atom::value));
        },
        [this](caf::error& err) {
          st_.checking = false;
          leave(render(err));
        });
  }

private:
  relay_actor* self_;
  relay_state& st_;
};

caf::behavior relay(relay_actor* self, caf::actor agent, caf::actor manager,
                    cluster_healing_settings cfg,
                    std::vector<heal_target> targets,
                    strategy_set strategies) {
  auto& st = self->state;
  st.agent = std::move(agent);
  st.manager = std::move(manager);
  st.cfg = std::move(cfg);
  st.targets = std::move(targets);
  st.strategies = std::move(strategies);
  st.log = logger("remedy.healing");
  install_exception_handler(self);
  // The manager (and the orchestrator, if it runs here) goes with the relay.
  self->link_to(st.manager);
  self->attach_functor([agent = st.agent, service = st.cfg.service] {
    caf::anon_send(agent, cluster_service_atom::value, service, caf::actor{});
  });
  self->send(st.agent, cluster_service_atom::value, st.cfg.service,
             st.manager);
  subscribe(self, "fault.");
  subscribe(self, "classifier.snapshot");
  self->set_default_handler(
    [self](caf::scheduled_actor*,
           caf::message_view& x) -> caf::result<caf::message> {
      auto& st = self->state;
      if (st.joined) {
        forward_current(self, x, st.joined);
        return caf::delegated<caf::message>{};
      }
      if (!self->current_message_id().is_request())
        return caf::delegated<caf::message>{};
      return make_error(errc::not_leader,
                        "cluster healing: node "
                          + (st.me.name.empty() ? std::string{"?"}
                                                : st.me.name)
                          + " knows no leader running the orchestrator");
    });
  auto impl = std::make_shared<relay_impl>(self);
  impl->check();
  return {
    [impl](relay_check_atom) { impl->check(); },
    // A target added or replaced (e.g. the node restarted its tree): the
    // orchestrator learns it now, not at the next check.
    [self, impl](heal_target_atom, heal_target& t) -> caf::result<void> {
      auto& st = self->state;
      if (t.name.empty())
        return make_error(errc::invalid_argument,
                          "cluster healing: a heal_target needs a name");
      auto same = [&](const heal_target& x) { return x.name == t.name; };
      auto i = std::find_if(st.targets.begin(), st.targets.end(), same);
      if (i != st.targets.end())
        *i = std::move(t);
      else
        st.targets.push_back(std::move(t));
      if (st.joined)
        impl->offer(st.joined);
      return caf::unit;
    },
    [impl](fault_event& ev) { impl->forward(std::move(ev)); },
    [impl](fault_snapshot& snap) { impl->forward(std::move(snap)); },
  };
}

} // namespace

caf::expected<caf::actor>
spawn_cluster_healing(caf::actor_system& sys, caf::actor agent,
                      cluster_healing_settings settings,
                      std::vector<heal_target> targets,
                      strategy_set strategies) {
  auto fail = [](const std::string& what) {
    return make_error(errc::invalid_argument, "cluster healing: " + what);
  };
  if (!agent)
    return fail("no node agent");
  if (settings.service.empty())
    return fail("empty service name");
  if (settings.check_interval.count() <= 0)
    return fail("check_interval must be > 0");
  if (settings.request_timeout.count() <= 0)
    return fail("request_timeout must be > 0");
  std::vector<std::string> known;
  for (auto& [name, s] : strategies) {
    if (!s)
      return fail("strategy '" + name + "' has no actor");
    known.push_back(name);
  }
  if (auto err = settings.healing.validate(known))
    return fail(context_of(err));
  for (auto& t : targets)
    if (t.name.empty())
      return fail("a heal_target needs a name");
  cluster_singleton_settings ss;
  ss.name = settings.healing.name;
  ss.check_interval = settings.check_interval;
  auto manager = spawn_cluster_singleton(
    sys, agent,
    [settings](caf::actor_system& sys, uint64_t term) {
      return start_healer(sys, settings, term);
    },
    ss);
  return sys.spawn(relay, std::move(agent), std::move(manager),
                   std::move(settings), std::move(targets),
                   std::move(strategies));
}

} // namespace remedy
