#include "remedy/runtime/election.hpp"

#include <algorithm>

namespace remedy {

const char* to_string(election_role x) {
  switch (x) {
    case election_role::follower:
      return "follower";
    case election_role::candidate:
      return "candidate";
    case election_role::leader:
      return "leader";
  }
  return "?";
}

election::election(uint64_t id, election_settings settings, uint64_t seed,
                   time_point now)
  : id_(id), settings_(settings), rng_(seed), voters_{id} {
  reset_timer(now);
}

void election::set_voters(std::set<uint64_t> voters, time_point now) {
  voters.insert(id_);
  voters_ = std::move(voters);
  if (role_ == election_role::candidate && votes_.size() >= quorum()) {
    // A smaller electorate may already be a majority; the next tick acts.
    deadline_ = now;
  }
}

void election::reset_timer(time_point now) {
  auto base = settings_.election_timeout.count();
  std::uniform_int_distribution<decltype(base)> jitter{0, base - 1};
  deadline_ = now + caf::timespan{base + jitter(rng_)};
}

void election::become_follower(time_point now, uint64_t term,
                               std::optional<uint64_t> leader) {
  if (term > term_) {
    term_ = term;
    voted_for_.reset();
  }
  role_ = election_role::follower;
  leader_ = leader;
  votes_.clear();
  acks_.clear();
  reset_timer(now);
}

election::outbox election::campaign(time_point now) {
  ++term_;
  role_ = election_role::candidate;
  leader_.reset();
  voted_for_ = id_;
  votes_ = {id_};
  reset_timer(now);
  if (votes_.size() >= quorum())
    return become_leader(now);
  return {outgoing{0, vote_request{term_, id_}}};
}

election::outbox election::become_leader(time_point now) {
  role_ = election_role::leader;
  leader_ = id_;
  acks_ = {id_};
  quorum_check_ = now + settings_.election_timeout;
  return beat(now);
}

election::outbox election::beat(time_point now) {
  next_beat_ = now + settings_.heartbeat_interval;
  return {outgoing{0, leader_beat{term_, id_}}};
}

void election::leader_lost(uint64_t id, time_point now, bool successor) {
  if (role_ != election_role::follower || leader_ != id)
    return;
  leader_.reset();
  if (successor) {
    deadline_ = std::min(deadline_, now);
    return;
  }
  auto fifth = std::max<caf::timespan::rep>(
    settings_.election_timeout.count() / 5, 1);
  std::uniform_int_distribution<caf::timespan::rep> later{fifth,
                                                          2 * fifth - 1};
  deadline_ = std::min(deadline_, now + caf::timespan{later(rng_)});
}

election::outbox election::tick(time_point now) {
  if (role_ == election_role::leader) {
    if (settings_.check_quorum && now >= quorum_check_) {
      if (acks_.size() < quorum()) {
        // Cut off from the majority: another leader may rise there.
        become_follower(now, term_, std::nullopt);
        return {};
      }
      acks_ = {id_};
      quorum_check_ = now + settings_.election_timeout;
    }
    if (now >= next_beat_)
      return beat(now);
    return {};
  }
  if (now >= deadline_)
    return campaign(now);
  return {};
}

election::outbox election::receive(time_point now, uint64_t from,
                                   const message& msg) {
  if (voters_.count(from) == 0)
    return {}; // not a voter (yet): ignored, as Raft ignores non-members
  return std::visit(
    [&](const auto& m) -> outbox {
      using type = std::decay_t<decltype(m)>;
      if constexpr (std::is_same_v<type, vote_request>) {
        // Leader lease (etcd's CheckQuorum rule): while this member hears a
        // live leader, a candidate's newer term does not depose it; a node
        // that was cut off cannot disrupt a healthy majority on its return.
        if (settings_.check_quorum && m.term > term_ && leader_
            && now < last_heard_ + settings_.election_timeout)
          return {};
      }
      if (m.term > term_) {
        // Anything from a newer term makes this member a follower of it.
        std::optional<uint64_t> leader;
        if constexpr (std::is_same_v<type, leader_beat>)
          leader = m.leader;
        become_follower(now, m.term, leader);
      }
      if constexpr (std::is_same_v<type, vote_request>) {
        bool grant = m.term == term_ && role_ == election_role::follower
                     && (!voted_for_ || *voted_for_ == m.candidate);
        if (grant) {
          voted_for_ = m.candidate;
          reset_timer(now);
        }
        return {outgoing{from, vote_reply{term_, id_, grant}}};
      } else if constexpr (std::is_same_v<type, vote_reply>) {
        if (role_ == election_role::candidate && m.term == term_
            && m.granted) {
          votes_.insert(m.voter);
          if (votes_.size() >= quorum())
            return become_leader(now);
        }
        return {};
      } else if constexpr (std::is_same_v<type, leader_beat>) {
        if (m.term < term_) // a stale leader learns of the newer term
          return {outgoing{from, beat_ack{term_, id_}}};
        last_heard_ = now;
        if (role_ != election_role::follower || leader_ != m.leader)
          become_follower(now, m.term, m.leader);
        else
          reset_timer(now);
        return {outgoing{from, beat_ack{term_, id_}}};
      } else {
        if (role_ == election_role::leader && m.term == term_)
          acks_.insert(m.follower);
        return {};
      }
    },
    msg);
}

} // namespace remedy
