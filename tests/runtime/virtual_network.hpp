#pragma once

// Cluster nodes in one actor system, for tests in virtual time: a stand-in
// for CAF's middleman (`cluster_settings::connector`) that connects node
// agents through link actors which the test can cut, as a partition does.
//
// An agent that connects to "host:port" gets the link `L(a, b)`: b as a
// sees it. Whatever an actor x on a's node sends to `L(a, b)` goes on to b
// with `L(b, x)` as its sender and its request id unchanged, so b's answers
// and b's own messages to x pass through links too, and a request and its
// response each cross one link. A link dies with the agent behind it (a peer's down message, as
// when a process dies and its connection closes). `cut(a, b)` makes both
// directions drop every message (requests time out, heartbeats stop), as a
// network partition does; `heal` undoes it.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_view.hpp>
#include <caf/node_id.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

namespace remedy::test {

class virtual_network {
public:
  explicit virtual_network(caf::actor_system& sys)
    : st_(std::make_shared<state>()) {
    st_->sys = &sys;
    connector_ = sys.spawn(connector_actor, st_);
  }

  /// The stand-in for the middleman (`cluster_settings::connector`).
  const caf::actor& connector() const {
    return connector_;
  }

  /// Makes `agent` reachable at `host:port` under the name `name`.
  void add(const std::string& name, const std::string& host, uint16_t port,
           caf::actor agent) {
    st_->by_address[host + ":" + std::to_string(port)] = agent;
    st_->names[agent.address()] = name;
  }

  /// Drops every message between the nodes named `a` and `b`.
  void cut(const std::string& a, const std::string& b) {
    st_->cuts.insert(key(a, b));
  }

  /// Lets messages between `a` and `b` through again.
  void heal(const std::string& a, const std::string& b) {
    st_->cuts.erase(key(a, b));
  }

  /// Messages the links dropped so far.
  size_t dropped() const {
    return st_->dropped;
  }

  /// Stops the connector and every link.
  void stop() {
    for (auto& [k, l] : st_->links)
      caf::anon_send_exit(l, caf::exit_reason::kill);
    st_->links.clear();
    caf::anon_send_exit(connector_, caf::exit_reason::kill);
  }

private:
  struct state : std::enable_shared_from_this<state> {
    caf::actor_system* sys = nullptr;
    std::map<std::string, caf::actor> by_address;
    std::map<caf::actor_addr, std::string> names;
    std::set<std::pair<std::string, std::string>> cuts;
    /// (holder, target) -> the link through which `holder` reaches `target`.
    std::map<std::pair<caf::actor_addr, caf::actor_addr>, caf::actor> links;
    size_t dropped = 0;

    bool is_cut(const caf::actor_addr& x, const caf::actor_addr& y) const {
      auto i = names.find(x);
      auto j = names.find(y);
      if (i == names.end() || j == names.end())
        return false;
      return cuts.count(key(i->second, j->second)) > 0;
    }

    /// The link `holder` uses to reach `target` (made on first use).
    caf::actor link(const caf::actor& holder, const caf::actor& target);
  };

  static std::pair<std::string, std::string> key(const std::string& a,
                                                 const std::string& b) {
    return a < b ? std::make_pair(a, b) : std::make_pair(b, a);
  }

  using never_atom = caf::atom_constant<caf::atom("t_vnever")>;

  /// A link: forwards every message in `enqueue`, before CAF's dispatch,
  /// since responses (which CAF would drop as unexpected in a handler) must
  /// pass as well.
  class link_impl : public caf::event_based_actor {
  public:
    link_impl(caf::actor_config& cfg, std::shared_ptr<state> net,
              caf::actor holder, caf::actor target)
      : caf::event_based_actor(cfg),
        net_(std::move(net)),
        holder_(std::move(holder)),
        target_(std::move(target)) {
    }

    void enqueue(caf::mailbox_element_ptr x,
                 caf::execution_unit* eu) override {
      if (!x || x->content().match_elements<caf::down_msg>()
          || x->content().match_elements<caf::exit_msg>()) {
        caf::event_based_actor::enqueue(std::move(x), eu);
        return;
      }
      if (net_->is_cut(holder_.address(), target_.address())) {
        ++net_->dropped;
        return;
      }
      // Any actor on the holder's node may use the link (as any actor may
      // use a remote actor's proxy): the answer goes back to that actor,
      // through a link of its own, on the holder's node.
      caf::strong_actor_ptr back;
      if (x->sender) {
        auto from = caf::actor_cast<caf::actor>(x->sender);
        auto& names = net_->names;
        if (names.count(from.address()) == 0)
          names[from.address()] = names[holder_.address()];
        back = caf::actor_cast<caf::strong_actor_ptr>(
          net_->link(target_, from));
      }
      target_->enqueue(caf::make_mailbox_element(std::move(back), x->mid, {},
                                                 x->move_content_to_message()),
                       eu);
    }

    caf::behavior make_behavior() override {
      // Dies with the agent behind it, as a remote proxy does when its
      // connection closes.
      monitor(target_);
      set_down_handler([this](caf::down_msg& msg) {
        if (msg.source == target_.address())
          quit(msg.reason);
      });
      return {[](never_atom, never_atom) {}};
    }

  private:
    std::shared_ptr<state> net_;
    caf::actor holder_;
    caf::actor target_;
  };

  static caf::behavior connector_actor(caf::event_based_actor* self,
                                       std::shared_ptr<state> net) {
    return {
      [self, net](caf::connect_atom, const std::string& host,
                  uint16_t port) -> caf::result<caf::node_id,
                                                caf::strong_actor_ptr,
                                                std::set<std::string>> {
        auto i = net->by_address.find(host + ":" + std::to_string(port));
        auto who = caf::actor_cast<caf::actor>(self->current_sender());
        if (i == net->by_address.end() || !who)
          return caf::make_error(caf::sec::cannot_connect_to_node,
                                 host + ":" + std::to_string(port));
        if (net->is_cut(who.address(), i->second.address()))
          return caf::make_error(caf::sec::cannot_connect_to_node,
                                 "partitioned");
        auto l = net->link(who, i->second);
        return {self->node(), caf::actor_cast<caf::strong_actor_ptr>(l),
                std::set<std::string>{}};
      },
    };
  }

  std::shared_ptr<state> st_;
  caf::actor connector_;
};

inline caf::actor virtual_network::state::link(const caf::actor& holder,
                                               const caf::actor& target) {
  auto k = std::make_pair(holder.address(), target.address());
  auto i = links.find(k);
  if (i != links.end())
    return i->second;
  // Not kept alive by the map alone: a dead link is replaced on next use.
  auto l = sys->spawn<link_impl>(shared_from_this(), holder, target);
  links.emplace(k, l);
  return l;
}

} // namespace remedy::test
