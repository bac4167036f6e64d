#include "remedy/runtime/cluster.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <spdlog/spdlog.h>

#include "remedy/core/error.hpp"
#include "remedy/core/event_bus.hpp"
#include "remedy/core/logging.hpp"
#include "remedy/detection/detection.hpp"
#include "remedy/detection/detector.hpp"
#include "remedy/detection/phi_accrual.hpp"
#include "remedy/runtime/election.hpp"
#include "remedy/runtime/etcd_lease.hpp"
#include "remedy/runtime/wire_types.hpp"
#include "remedy/supervision/backoff.hpp"

namespace remedy {

namespace {

using join_atom = caf::atom_constant<caf::atom("r_cljoin")>;
using gossip_atom = caf::atom_constant<caf::atom("r_clgossip")>;
using beat_atom = caf::atom_constant<caf::atom("r_clbeat")>;
using tick_atom = caf::atom_constant<caf::atom("r_cltick")>;
using port_atom = caf::atom_constant<caf::atom("r_clport")>;
using elect_atom = caf::atom_constant<caf::atom("r_clelect")>;

/// A member's voter id: FNV-1a of its name, the same on every node and for
/// every incarnation, so restarts do not grow the electorate.
uint64_t voter_id(const std::string& name) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h == 0 ? 1 : h;
}

using time_point = caf::actor_clock::time_point;
using view = std::vector<cluster_member>;

int rank(member_state x) {
  return static_cast<int>(x);
}

bool final_state(member_state x) {
  return x == member_state::left || x == member_state::down;
}

struct peer {
  cluster_member info;
  caf::actor handle;
  std::optional<phi_accrual> phi;
  /// This node's own judgment (not gossiped).
  bool reachable = false;
  time_point unreachable_since{};
  bool connecting = false;
  uint32_t attempt = 0;
  time_point next_connect{};
};

struct seed_contact {
  std::string host;
  uint16_t port = 0;
  uint32_t attempt = 0;
  time_point next{};
  bool connecting = false;
};

struct agent_state {
  cluster_settings cfg;
  cluster_member me;
  std::map<uint64_t, peer> peers;
  std::vector<seed_contact> seeds;
  bool joined = false;
  std::mt19937_64 rng;
  caf::io::middleman_actor mm;
  time_point last_gossip{};
  /// Since when this node reaches no majority (keep-majority rule).
  time_point minority_since{};
  std::shared_ptr<spdlog::logger> log;
  std::optional<election> vote;
  uint64_t unexpected = 0;
  /// The Remedy types this node registered (compared in the hello).
  std::vector<std::string> types;
  /// Refusals already logged (once each: a refused seed is retried).
  std::set<std::string> refusals;
  /// The last (term, leader) announced.
  uint64_t announced_term = 0;
  std::optional<uint64_t> announced_leader;
  /// The etcd lease actor (lease kind etcd; then `vote` stays empty), its
  /// last status, and since when its holder is out of reach.
  caf::actor lease;
  lease_status lease_now;
  time_point holder_lost_since{};
  /// Local actors other members may look up by name (cluster_service_atom).
  std::map<std::string, caf::actor> services;
  static inline const char* name = "remedy.cluster_agent";
};

using agent = caf::stateful_actor<agent_state>;

class agent_impl {
public:
  explicit agent_impl(agent* self) : self_(self), st_(self->state) {
  }

  time_point now() {
    return self_->clock().now();
  }

  void emit(cluster_event_kind kind, const cluster_member& m, double phi = 0) {
    cluster_event ev{kind, st_.me.name, m, phi};
    switch (kind) {
      case cluster_event_kind::node_unreachable:
        st_.log->warn("{}: {} unreachable (phi {:.1f})", st_.me.name,
                      to_string(m), phi);
        break;
      case cluster_event_kind::node_down:
        st_.log->warn("{}: {} down", st_.me.name, to_string(m));
        break;
      default:
        st_.log->info("{}: {} {}", st_.me.name, to_string(m),
                      to_string(kind));
    }
    auto t = topic(ev);
    publish(self_, t, caf::make_message(std::move(ev)));
    if (m.uid != st_.me.uid)
      detect(kind, m, phi);
  }

  /// Node failures as detections (target "node/<name>"), so that the
  /// classifier names them (peer_unreachable -> unreachable, peer_down ->
  /// node_down) and healing and the health view see nodes as they see
  /// actors.
  void detect(cluster_event_kind kind, const cluster_member& m, double phi) {
    auto target = "node/" + m.name;
    auto at = now().time_since_epoch();
    auto put = [&](bool raise, detection_kind k) {
      auto d = raise ? detection::raise(k, target, at)
                     : detection::clear(k, target, at);
      d.detector = "cluster";
      d.score = phi;
      d.detail = to_string(m);
      auto t = topic(d);
      publish(self_, t, caf::make_message(std::move(d)));
    };
    switch (kind) {
      case cluster_event_kind::node_unreachable:
        put(true, detection_kind::peer_unreachable);
        break;
      case cluster_event_kind::node_reachable:
        put(false, detection_kind::peer_unreachable);
        break;
      case cluster_event_kind::node_down:
        put(false, detection_kind::peer_unreachable);
        put(true, detection_kind::peer_down);
        break;
      case cluster_event_kind::node_up:
      case cluster_event_kind::node_rejoined:
      case cluster_event_kind::node_left:
        put(false, detection_kind::peer_unreachable);
        put(false, detection_kind::peer_down);
        break;
      default:
        break;
    }
  }

  phi_accrual make_phi() {
    phi_accrual_settings s;
    s.name = "cluster";
    s.threshold = st_.cfg.phi_threshold;
    s.first_heartbeat_estimate = st_.cfg.heartbeat_interval;
    s.min_std_deviation = st_.cfg.heartbeat_interval / 4;
    s.acceptable_heartbeat_pause = st_.cfg.acceptable_pause;
    return phi_accrual{s};
  }

  caf::timespan backoff_for(uint32_t attempt) {
    auto b = backoff::exponential(st_.cfg.reconnect_min, st_.cfg.reconnect_max)
               .with_jitter(0.2);
    std::uniform_real_distribution<double> u{0.0, 1.0};
    return b.delay(attempt, u(st_.rng));
  }

  view current_view() {
    view result{st_.me};
    for (auto& [uid, p] : st_.peers)
      result.push_back(p.info);
    return result;
  }

  // -- connections -----------------------------------------------------------

  /// Connects to host:port, then exchanges join messages with the agent
  /// there; `done(ok)` runs either way.
  template <class F>
  void connect(const std::string& host, uint16_t port, F done) {
    auto timeout = st_.cfg.connect_timeout;
    auto at = host + ":" + std::to_string(port);
    self_
      ->request(st_.mm, timeout, caf::connect_atom::value, host, port)
      .then(
        [this, timeout, at, done](const caf::node_id&,
                                  caf::strong_actor_ptr& ptr,
                                  const std::set<std::string>&) mutable {
          auto h = caf::actor_cast<caf::actor>(ptr);
          if (!h) {
            done(false);
            return;
          }
          // The type lists first: a peer that cannot read our messages (or
          // whose we cannot read) is refused with the reason, not joined.
          self_->request(h, timeout, cluster_hello_atom::value, st_.types)
            .then(
              [this, h, timeout, done](std::vector<std::string>&) mutable {
                join(h, timeout, done);
              },
              [this, at, done](caf::error& err) mutable {
                refused(at, err);
                done(false);
              });
        },
        [done](caf::error&) mutable { done(false); });
  }

  template <class F>
  void join(const caf::actor& h, caf::timespan timeout, F done) {
    self_->request(h, timeout, join_atom::value, st_.me)
      .then(
        [this, h, done](cluster_member& them, view& xs) mutable {
          attach(them, h);
          merge(xs);
          done(true);
        },
        [done](caf::error&) mutable { done(false); });
  }

  /// The agent at `at` refused the hello (or is no agent): logged once.
  void refused(const std::string& at, const caf::error& err) {
    if (err == caf::sec::request_timeout)
      return; // a slow or paused peer: retried, not refused
    auto text = at + ": " + render(err);
    if (st_.refusals.insert(text).second)
      st_.log->error("{}: not joining {}: {}", st_.me.name, at, render(err));
  }

  /// Answers a hello: our types if `theirs` are the same, else the error.
  caf::result<std::vector<std::string>>
  on_hello(const std::vector<std::string>& theirs) {
    auto we_lack = lacking(theirs, st_.types);
    auto they_lack = lacking(st_.types, theirs);
    if (we_lack.empty() && they_lack.empty())
      return st_.types;
    auto who = to_string(self_->current_sender());
    std::string what = "incompatible message types (every node must "
                       "register remedy::config's types):";
    if (!they_lack.empty())
      what += " the peer lacks " + they_lack + ";";
    if (!we_lack.empty())
      what += " this node lacks " + we_lack + ";";
    what.pop_back();
    if (st_.refusals.insert(who + what).second)
      st_.log->error("{}: refusing {}: {}", st_.me.name, who, what);
    return make_error(errc::not_supported,
                      "cluster agent '" + st_.me.name + "': " + what);
  }

  /// `h` is the agent of member `them`.
  void attach(const cluster_member& them, const caf::actor& h) {
    if (them.uid == st_.me.uid)
      return;
    merge_one(them);
    auto i = st_.peers.find(them.uid);
    if (i == st_.peers.end() || final_state(i->second.info.state))
      return;
    auto& p = i->second;
    if (p.handle != h) {
      p.handle = h;
      self_->monitor(h);
    }
    p.phi.emplace(make_phi());
    p.phi->heartbeat(now());
    p.attempt = 0;
    if (!p.reachable) {
      bool was_lost = p.unreachable_since != time_point{};
      p.reachable = true;
      p.unreachable_since = {};
      if (was_lost)
        emit(cluster_event_kind::node_reachable, p.info);
    }
  }

  void lose(peer& p, double phi) {
    forget_leader(p);
    if (p.reachable) {
      p.reachable = false;
      p.unreachable_since = now();
      emit(cluster_event_kind::node_unreachable, p.info, phi);
    } else if (p.unreachable_since == time_point{}) {
      p.unreachable_since = now();
    }
  }

  void drop_handle(peer& p) {
    if (p.handle) {
      self_->demonitor(p.handle);
      p.handle = nullptr;
    }
    p.phi.reset();
  }

  // -- gossip ----------------------------------------------------------------

  void merge(const view& xs) {
    for (auto& m : xs)
      merge_one(m);
  }

  void merge_one(const cluster_member& m) {
    if (m.uid == st_.me.uid) {
      if (m.state == member_state::down && !final_state(st_.me.state))
        rejoin();
      return;
    }
    auto i = st_.peers.find(m.uid);
    if (i == st_.peers.end()) {
      bool known_address = false;
      for (auto& [uid, q] : st_.peers) {
        if (q.info.host != m.host || q.info.port != m.port)
          continue;
        known_address = true;
        if (!final_state(q.info.state) && !final_state(m.state)) {
          // A new incarnation at the same address replaces the old one.
          q.info.state = member_state::down;
          drop_handle(q);
          emit(cluster_event_kind::node_down, q.info);
        }
      }
      auto& p = st_.peers[m.uid];
      p.info = m;
      if (final_state(m.state))
        return; // a tombstone: never connect, never resurrect
      if (m.state == member_state::up)
        emit(known_address ? cluster_event_kind::node_rejoined
                           : cluster_event_kind::node_up,
             m);
      p.next_connect = now();
      return;
    }
    auto& p = i->second;
    if (rank(m.state) <= rank(p.info.state))
      return;
    p.info.state = m.state;
    switch (m.state) {
      case member_state::up:
        emit(cluster_event_kind::node_up, p.info);
        break;
      case member_state::down:
        drop_handle(p);
        emit(cluster_event_kind::node_down, p.info);
        forget_leader(p);
        break;
      case member_state::left:
        // A leader that leaves says so first: its followers stand for
        // election at once instead of waiting out its silence.
        drop_handle(p);
        emit(cluster_event_kind::node_left, p.info);
        forget_leader(p);
        break;
      default:
        break;
    }
  }

  /// If `p` led (and is lost, left or down), this follower forgets it; the
  /// one with the lowest name among the members up and reachable here
  /// stands for election at once (see `election::leader_lost`).
  void forget_leader(const peer& p) {
    if (!st_.vote)
      return;
    bool successor = true;
    for (auto& [uid, q] : st_.peers)
      if (&q != &p && q.info.state == member_state::up && q.reachable
          && q.handle && q.info.name < st_.me.name)
        successor = false;
    st_.vote->leader_lost(voter_id(p.info.name), now(), successor);
  }

  /// Others declared this incarnation down: come back as a new one.
  void rejoin() {
    auto old = st_.me;
    st_.me.uid = fresh_uid();
    st_.me.state = member_state::up;
    st_.log->warn("{}: the cluster declared {} down; rejoining as {}",
                  st_.me.name, to_string(old), to_string(st_.me));
    // The peers learn the new incarnation by the next gossip.
  }

  uint64_t fresh_uid() {
    uint64_t x = 0;
    while (x == 0)
      x = st_.rng();
    return x;
  }

  void gossip() {
    auto xs = current_view();
    for (auto& [uid, p] : st_.peers)
      if (p.handle)
        self_->send(p.handle, gossip_atom::value, xs);
  }

  // -- election --------------------------------------------------------------

  /// Voters: every member name seen and not left (down ones count: a
  /// minority must not elect).
  void update_voters() {
    if (!st_.vote)
      return;
    // A name votes unless every incarnation of it left.
    std::set<std::string> names;
    for (auto& [uid, p] : st_.peers)
      if (p.info.state != member_state::left)
        names.insert(p.info.name);
    std::set<uint64_t> ids{voter_id(st_.me.name)};
    for (auto& name : names)
      ids.insert(voter_id(name));
    if (ids != st_.vote->voters())
      st_.vote->set_voters(std::move(ids), now());
  }

  /// The handle of the live incarnation of voter `id`, if connected.
  caf::actor voter_handle(uint64_t id) {
    for (auto& [uid, p] : st_.peers)
      if (p.handle && !final_state(p.info.state)
          && voter_id(p.info.name) == id)
        return p.handle;
    return nullptr;
  }

  std::string voter_name(uint64_t id) {
    if (id == voter_id(st_.me.name))
      return st_.me.name;
    for (auto& [uid, p] : st_.peers)
      if (voter_id(p.info.name) == id)
        return p.info.name;
    return "?";
  }

  void send_all(const election::outbox& out) {
    auto me = voter_id(st_.me.name);
    for (auto& o : out) {
      auto msg = std::visit(
        [&](const auto& m) { return caf::make_message(elect_atom::value, me, m); },
        o.msg);
      if (o.to != 0) {
        if (auto h = voter_handle(o.to))
          self_->send(h, msg);
        continue;
      }
      std::set<uint64_t> sent;
      for (auto& [uid, p] : st_.peers) {
        auto id = voter_id(p.info.name);
        if (p.handle && !final_state(p.info.state) && sent.insert(id).second)
          self_->send(p.handle, msg);
      }
    }
    announce_leader();
  }

  void announce_leader() {
    auto& v = *st_.vote;
    auto leader = v.leader();
    if (v.term() == st_.announced_term && leader == st_.announced_leader)
      return;
    if (!leader && st_.announced_leader && v.term() == st_.announced_term)
      return; // stepping down within a term is not a change of leader
    st_.announced_term = v.term();
    st_.announced_leader = leader;
    if (!leader)
      return; // an election runs: announced when it has a winner
    cluster_member who;
    who.name = voter_name(*leader);
    st_.log->info("{}: leader of term {} is {}", st_.me.name, v.term(),
                  who.name);
    cluster_event ev{cluster_event_kind::leader_changed, st_.me.name, who, 0,
                     v.term()};
    auto t = topic(ev);
    publish(self_, t, caf::make_message(std::move(ev)));
  }

  template <class Message>
  void on_elect(uint64_t from, const Message& m) {
    if (!st_.vote || final_state(st_.me.state))
      return;
    send_all(st_.vote->receive(now(), from, election::message{m}));
  }

  // -- split brain -----------------------------------------------------------

  /// Keep majority: reaching fewer than half of the voters (or exactly half
  /// without the lowest name) for `down_after` downs this node.
  void check_majority(time_point t) {
    if (!st_.cfg.keep_majority || !st_.joined)
      return;
    std::set<std::string> reached{st_.me.name};
    for (auto& [uid, p] : st_.peers)
      if (p.handle && p.reachable && !final_state(p.info.state))
        reached.insert(p.info.name);
    std::set<std::string> voters{st_.me.name};
    for (auto& [uid, p] : st_.peers)
      if (p.info.state != member_state::left)
        voters.insert(p.info.name);
    auto n = voters.size();
    bool majority = 2 * reached.size() > n
                    || (2 * reached.size() == n
                        && reached.count(*voters.begin()) > 0);
    if (majority) {
      st_.minority_since = {};
      return;
    }
    if (st_.minority_since == time_point{}) {
      st_.minority_since = t;
      return;
    }
    if (t - st_.minority_since < st_.cfg.down_after)
      return;
    st_.log->error("{}: reached only {} of {} voters for {} ms: this side is "
                   "a minority and downs itself (keep-majority rule)",
                   st_.me.name, reached.size(), n,
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                     t - st_.minority_since)
                     .count());
    st_.me.state = member_state::down;
    emit(cluster_event_kind::node_down, st_.me);
    gossip();
  }

  // -- lease (etcd) ----------------------------------------------------------

  /// The leader comes from an etcd lease actor instead of the election.
  void start_lease() {
    st_.lease = spawn_etcd_lease(self_->home_system(), st_.me.name,
                                 st_.cfg.lease,
                                 caf::actor_cast<caf::actor>(self_));
  }

  void on_lease(uint64_t term, std::string holder, bool held) {
    auto& now = st_.lease_now;
    if (holder != now.holder)
      st_.holder_lost_since = {};
    bool changed = term != now.term || holder != now.holder;
    now = lease_status{term, std::move(holder), held};
    if (!changed)
      return;
    cluster_member who;
    who.name = now.holder;
    if (now.holder.empty())
      st_.log->info("{}: no leader known (etcd, term {})", st_.me.name,
                    now.term);
    else
      st_.log->info("{}: leader of term {} is {}", st_.me.name, now.term,
                    now.holder);
    cluster_event ev{cluster_event_kind::leader_changed, st_.me.name, who, 0,
                     now.term};
    auto t = topic(ev);
    publish(self_, t, caf::make_message(std::move(ev)));
  }

  /// The lease holder's side stays: a member that cannot reach the holder
  /// for max(down_after, 2 * ttl) (a dead holder's lease outlives it by up
  /// to a TTL) downs itself.
  void check_holder(time_point t) {
    auto& h = st_.lease_now.holder;
    if (!st_.joined || h.empty() || h == st_.me.name) {
      st_.holder_lost_since = {};
      return;
    }
    for (auto& [uid, p] : st_.peers)
      if (p.info.name == h && p.handle && p.reachable
          && !final_state(p.info.state)) {
        st_.holder_lost_since = {};
        return;
      }
    if (st_.holder_lost_since == time_point{}) {
      st_.holder_lost_since = t;
      return;
    }
    auto limit = std::max(st_.cfg.down_after, 2 * st_.cfg.lease.ttl);
    if (t - st_.holder_lost_since < limit)
      return;
    st_.log->error("{}: cannot reach the lease holder {} (term {}) for {} ms: "
                   "this side downs itself (lease-holder rule)",
                   st_.me.name, h, st_.lease_now.term,
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                     t - st_.holder_lost_since)
                     .count());
    st_.me.state = member_state::down;
    emit(cluster_event_kind::node_down, st_.me);
    gossip();
  }

  // -- the tick --------------------------------------------------------------

  void tick() {
    auto t = now();
    // Heartbeats out.
    if (!final_state(st_.me.state))
      for (auto& [uid, p] : st_.peers)
        if (p.handle && !final_state(p.info.state))
          self_->send(p.handle, beat_atom::value, st_.me.uid);
    // Judge each member.
    for (auto& [uid, p] : st_.peers) {
      if (final_state(p.info.state))
        continue;
      if (p.handle && p.phi && p.reachable) {
        auto phi = p.phi->phi(t);
        if (phi > st_.cfg.phi_threshold)
          lose(p, phi);
      }
      if (!p.handle && p.reachable)
        lose(p, 0);
      if (!p.reachable && p.unreachable_since != time_point{}
          && t - p.unreachable_since >= st_.cfg.down_after) {
        p.info.state = member_state::down;
        drop_handle(p);
        emit(cluster_event_kind::node_down, p.info);
        gossip();
        continue;
      }
      if (!p.handle && !p.connecting && t >= p.next_connect)
        reconnect(uid);
    }
    // Seeds until joined.
    if (!st_.joined)
      for (size_t k = 0; k < st_.seeds.size(); ++k) {
        auto& s = st_.seeds[k];
        if (s.connecting || t < s.next)
          continue;
        s.connecting = true;
        connect(s.host, s.port, [this, k](bool ok) {
          auto& s = st_.seeds[k];
          s.connecting = false;
          if (ok) {
            if (!st_.joined) {
              st_.joined = true;
              st_.me.state = member_state::up;
              st_.log->info("{}: joined through {}:{}", st_.me.name, s.host,
                            s.port);
              gossip();
            }
          } else {
            s.next = now() + backoff_for(s.attempt++);
          }
        });
      }
    // Not before joining: a node that has not joined knows no electorate
    // but its own name and would elect itself (a restarted node whose
    // seeds are still cut off did, in the partition test).
    if (st_.vote && st_.joined && !final_state(st_.me.state)) {
      update_voters();
      send_all(st_.vote->tick(t));
      check_majority(t);
    }
    if (st_.lease && !final_state(st_.me.state))
      check_holder(t);
    if (t - st_.last_gossip >= st_.cfg.gossip_interval) {
      st_.last_gossip = t;
      gossip();
    }
    self_->delayed_send(self_, st_.cfg.heartbeat_interval, tick_atom::value);
  }

  void reconnect(uint64_t uid) {
    auto& p = st_.peers[uid];
    p.connecting = true;
    connect(p.info.host, p.info.port, [this, uid](bool ok) {
      auto i = st_.peers.find(uid);
      if (i == st_.peers.end())
        return;
      auto& p = i->second;
      p.connecting = false;
      if (!ok || !p.handle)
        p.next_connect = now() + backoff_for(p.attempt++);
    });
  }

  void on_down(const caf::down_msg& dm) {
    for (auto& [uid, p] : st_.peers)
      if (p.handle && p.handle.address() == dm.source) {
        p.handle = nullptr;
        p.phi.reset();
        if (!final_state(p.info.state)) {
          lose(p, 0);
          p.next_connect = now() + backoff_for(p.attempt++);
        }
      }
  }

  caf::behavior make_behavior() {
    self_->set_down_handler(
      [this](caf::down_msg& dm) { on_down(dm); });
    // Anything else (another program's message, a node of another version)
    // is logged at a bounded rate and answered with an error, never a crash.
    self_->set_default_handler(
      [this](caf::scheduled_actor* ptr,
             caf::message_view& x) -> caf::result<caf::message> {
        // CAF 0.17 delivers a message holding a type that the sender or
        // this node has not registered as an empty one: say so.
        std::string what = x.content().empty()
                             ? "an empty message (a message with a type "
                               "the sender or this node has not registered "
                               "arrives empty; every node must register "
                               "remedy::config's types)"
                             : "not a cluster message";
        if (++st_.unexpected <= 10 || st_.unexpected % 1000 == 0)
          st_.log->warn("{}: unexpected message #{} from {}: {}: {}",
                        st_.me.name, st_.unexpected,
                        to_string(ptr->current_sender()),
                        to_string(x.content()), what);
        return make_error(errc::unexpected_message,
                          "cluster agent '" + st_.me.name + "': " + what);
      });
    return {
      [this](port_atom, uint16_t port) {
        // Published: now the agent knows its address and starts.
        if (st_.me.port == 0) {
          st_.me.port = port;
          election_settings es;
          es.election_timeout = st_.cfg.election_timeout;
          es.heartbeat_interval = st_.cfg.heartbeat_interval;
          if (st_.cfg.lease.kind == lease_kind::etcd)
            start_lease();
          else
            st_.vote.emplace(voter_id(st_.me.name), es, st_.rng(), now());
          tick();
        }
      },
      [this](join_atom, cluster_member& them) {
        merge_one(them);
        // The joiner's agent is the sender: attach it for heartbeats.
        if (auto h = caf::actor_cast<caf::actor>(self_->current_sender()))
          attach(them, h);
        return caf::make_message(st_.me, current_view());
      },
      [this](cluster_hello_atom, const std::vector<std::string>& theirs) {
        return on_hello(theirs);
      },
      [this](gossip_atom, view& xs) { merge(xs); },
      [this](beat_atom, uint64_t uid) {
        auto i = st_.peers.find(uid);
        if (i == st_.peers.end() || !i->second.handle)
          return;
        auto& p = i->second;
        if (p.phi)
          p.phi->heartbeat(now());
        if (!p.reachable) {
          p.reachable = true;
          p.unreachable_since = {};
          emit(cluster_event_kind::node_reachable, p.info);
        }
      },
      [this](tick_atom) { tick(); },
      [this](elect_atom, uint64_t from, const vote_request& m) {
        on_elect(from, m);
      },
      [this](elect_atom, uint64_t from, const vote_reply& m) {
        on_elect(from, m);
      },
      [this](elect_atom, uint64_t from, const leader_beat& m) {
        on_elect(from, m);
      },
      [this](elect_atom, uint64_t from, const beat_ack& m) {
        on_elect(from, m);
      },
      [this](lease_status_atom, uint64_t term, std::string& holder,
             bool held) { on_lease(term, std::move(holder), held); },
      [this](cluster_leader_atom) {
        std::string name;
        uint64_t term = 0;
        if (st_.lease) {
          term = st_.lease_now.term;
          name = st_.lease_now.holder;
        } else if (st_.vote) {
          term = st_.vote->term();
          if (auto l = st_.vote->leader())
            name = voter_name(*l);
        }
        return caf::make_message(term, name);
      },
      [this](cluster_service_atom, const std::string& name, caf::actor& x) {
        if (x)
          st_.services[name] = std::move(x);
        else
          st_.services.erase(name);
      },
      [this](cluster_service_atom,
             const std::string& name) -> caf::result<caf::actor> {
        auto i = st_.services.find(name);
        if (i == st_.services.end())
          return make_error(errc::not_supported,
                            "cluster agent '" + st_.me.name
                              + "': no service named '" + name + "'");
        return i->second;
      },
      [this](cluster_members_atom) { return current_view(); },
      [this](cluster_reachable_atom) {
        view result{st_.me};
        for (auto& [uid, p] : st_.peers)
          if (p.info.state == member_state::up && p.reachable && p.handle)
            result.push_back(p.info);
        return result;
      },
      [this](cluster_peers_atom) {
        view members;
        std::vector<caf::actor> agents;
        for (auto& [uid, p] : st_.peers)
          if (p.info.state == member_state::up && p.reachable && p.handle) {
            members.push_back(p.info);
            agents.push_back(p.handle);
          }
        return caf::make_message(std::move(members), std::move(agents));
      },
      [this](cluster_leave_atom) {
        st_.me.state = member_state::left;
        gossip();
        auto rp = self_->make_response_promise();
        if (!st_.lease) {
          rp.deliver(caf::unit);
          return rp;
        }
        // Revoke the lease first, so that the next holder need not wait for
        // its TTL.
        self_->request(st_.lease, std::chrono::milliseconds(400),
                       lease_release_atom::value)
          .then([rp]() mutable { rp.deliver(caf::unit); },
                [rp](caf::error&) mutable { rp.deliver(caf::unit); });
        return rp;
      },
    };
  }

private:
  agent* self_;
  agent_state& st_;
};

caf::behavior cluster_agent(agent* self, cluster_settings cfg, uint64_t uid) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.rng.seed(st.cfg.seed != 0 ? st.cfg.seed : std::random_device{}());
  st.me.name = st.cfg.name;
  st.me.host = st.cfg.host;
  st.me.uid = uid;
  st.me.state = st.cfg.seeds.empty() ? member_state::up
                                     : member_state::joining;
  st.joined = st.cfg.seeds.empty();
  for (auto& [h, p] : st.cfg.seeds)
    st.seeds.push_back(seed_contact{h, p, 0, {}, false});
  st.mm = st.cfg.connector
            ? caf::actor_cast<caf::io::middleman_actor>(st.cfg.connector)
            : self->home_system().middleman().actor_handle();
  st.log = logger("remedy.cluster");
  st.types = registered_remedy_types(self->home_system());
  // The impl lives as long as the actor: its behavior captures it.
  auto impl = std::make_shared<agent_impl>(self);
  self->attach_functor([impl] {});
  return impl->make_behavior();
}

} // namespace

caf::expected<std::pair<caf::actor, uint16_t>>
spawn_cluster_agent(caf::actor_system& sys, cluster_settings settings) {
  if (auto err = settings.validate())
    return err;
  std::random_device rd;
  uint64_t uid = (uint64_t{rd()} << 32) | rd();
  if (uid == 0)
    uid = 1;
  auto host = settings.host;
  auto port = settings.port;
  auto in_process = static_cast<bool>(settings.connector);
  auto agent_handle = sys.spawn(cluster_agent, settings, uid);
  if (in_process) { // reached through the connector only: not published
    caf::anon_send(agent_handle, port_atom::value, port);
    return std::make_pair(agent_handle, port);
  }
  auto bound = sys.middleman().publish(agent_handle, port, host.c_str(), true);
  if (!bound) {
    caf::anon_send_exit(agent_handle, caf::exit_reason::user_shutdown);
    return make_error(errc::start_failed,
                      "cluster: cannot publish the node agent on " + host + ":"
                        + std::to_string(port) + ": " + render(bound.error()));
  }
  caf::anon_send(agent_handle, port_atom::value, *bound);
  return std::make_pair(agent_handle, *bound);
}

} // namespace remedy
