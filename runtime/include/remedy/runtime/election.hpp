#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <variant>
#include <vector>

#include <caf/actor_clock.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// Raft's leader election without a log, as a value: terms, one vote per
/// term, randomised election timeouts, leader heartbeats, and CheckQuorum
/// (a leader that hears from no majority for an election timeout steps
/// down), so that there is at most one leader per term and none on a
/// minority side. Time and messages go in; messages to send come out: the
/// node agent carries them, tests drive it directly.
struct election_settings {
  /// A follower that hears no leader for a random time in [timeout,
  /// 2 * timeout) stands for election.
  caf::timespan election_timeout = std::chrono::milliseconds(1000);
  /// A leader beats this often (well below the timeout).
  caf::timespan heartbeat_interval = std::chrono::milliseconds(100);
  /// Step down when no majority answered for an election timeout.
  bool check_quorum = true;
};

/// A candidate asks for votes in `term`.
struct vote_request {
  uint64_t term = 0;
  uint64_t candidate = 0;
};

/// A vote, granted or not, in `term`.
struct vote_reply {
  uint64_t term = 0;
  uint64_t voter = 0;
  bool granted = false;
};

/// The leader of `term` is alive.
struct leader_beat {
  uint64_t term = 0;
  uint64_t leader = 0;
};

/// A follower heard the leader of `term` (for CheckQuorum).
struct beat_ack {
  uint64_t term = 0;
  uint64_t follower = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vote_request& x) {
  return f(caf::meta::type_name("remedy.vote_request"), x.term, x.candidate);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vote_reply& x) {
  return f(caf::meta::type_name("remedy.vote_reply"), x.term, x.voter,
           x.granted);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, leader_beat& x) {
  return f(caf::meta::type_name("remedy.leader_beat"), x.term, x.leader);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, beat_ack& x) {
  return f(caf::meta::type_name("remedy.beat_ack"), x.term, x.follower);
}

enum class election_role : uint8_t { follower, candidate, leader };

const char* to_string(election_role x);

class election {
public:
  using time_point = caf::actor_clock::time_point;
  using message = std::variant<vote_request, vote_reply, leader_beat, beat_ack>;

  /// A message for member `to` (0: every other voter).
  struct outgoing {
    uint64_t to = 0;
    message msg;
  };

  using outbox = std::vector<outgoing>;

  election(uint64_t id, election_settings settings, uint64_t seed,
           time_point now);

  /// The voters, this member included (others are ignored). A majority of
  /// them elects a leader; members that are down still count, so that a
  /// minority never elects one.
  void set_voters(std::set<uint64_t> voters, time_point now);

  /// Advances time: may start an election, beat, or step down.
  outbox tick(time_point now);

  /// Stands for election now (Raft's MsgHup): for tests and for handing
  /// leadership over. A leader does nothing.
  outbox start_election(time_point now) {
    if (role_ == election_role::leader)
      return {};
    return campaign(now);
  }

  /// The node agent saw the connection to `id` drop or its heartbeats stop,
  /// or heard by gossip that `id` left or is down. If `id` is this
  /// follower's leader, it forgets it (its lease no longer shields the
  /// leader from candidates, so it grants votes at once). The `successor`,
  /// one member that every follower picks alike (the agent takes the lowest
  /// name among the members up and reachable), stands for election at the
  /// next tick; the others stand between one and two fifths of the election
  /// timeout later, should the successor be gone too. Failover in a tick or
  /// two, not a second, and one candidate instead of several splitting the
  /// votes.
  void leader_lost(uint64_t id, time_point now, bool successor);

  /// Handles one message from `from`.
  outbox receive(time_point now, uint64_t from, const message& msg);

  election_role role() const {
    return role_;
  }

  uint64_t term() const {
    return term_;
  }

  /// The leader of the current term as far as this member knows.
  std::optional<uint64_t> leader() const {
    return leader_;
  }

  uint64_t id() const {
    return id_;
  }

  const std::set<uint64_t>& voters() const {
    return voters_;
  }

private:
  size_t quorum() const {
    return voters_.size() / 2 + 1;
  }

  void reset_timer(time_point now);
  void become_follower(time_point now, uint64_t term,
                       std::optional<uint64_t> leader);
  outbox campaign(time_point now);
  outbox become_leader(time_point now);
  outbox beat(time_point now);

  uint64_t id_;
  election_settings settings_;
  std::mt19937_64 rng_;
  std::set<uint64_t> voters_;
  election_role role_ = election_role::follower;
  uint64_t term_ = 0;
  std::optional<uint64_t> voted_for_;
  std::optional<uint64_t> leader_;
  std::set<uint64_t> votes_;
  std::set<uint64_t> acks_;
  time_point deadline_;
  time_point next_beat_;
  time_point quorum_check_;
  time_point last_heard_;
};

} // namespace remedy
