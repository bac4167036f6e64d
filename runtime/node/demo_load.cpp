#include "demo_load.hpp"

#include <initializer_list>
#include <random>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "remedy/core/error.hpp"

namespace remedy::node {

namespace {

/// The kind of an error without its context, e.g. "remedy.stash_full".
std::string error_kind(const caf::error& err) {
  return render(caf::error{err.code(), err.category()});
}

struct client_state {
  std::vector<target> targets;
  std::mt19937_64 rng;
  caf::actor report_to;
  client_report_ptr out;
  uint64_t next_req = 0;
  size_t outstanding = 0;
  bool stopping = false;
  static inline const char* name = "remedy.node.client";
};

using client_actor = caf::stateful_actor<client_state>;

void send_one(client_actor* self);

void maybe_finish(client_actor* self) {
  auto& st = self->state;
  if (!st.stopping || st.outstanding > 0)
    return;
  st.out->finished = steady::now();
  self->send(st.report_to, done_atom::value);
  self->quit();
}

void finish_one(client_actor* self) {
  auto& st = self->state;
  --st.outstanding;
  if (st.stopping)
    maybe_finish(self);
  else
    send_one(self);
}

void on_answer(client_actor* self, size_t t,
               std::initializer_list<std::pair<size_t, uint64_t>> incarnations,
               bool correct) {
  auto& st = self->state;
  auto now = steady::now();
  ++st.out->answered;
  ++st.out->answered_by_target[t];
  if (!correct)
    ++st.out->wrong;
  for (auto& [slot, id] : incarnations)
    st.out->first_reply[slot].emplace(id, now); // keeps the first
  finish_one(self);
}

void on_failure(client_actor* self, size_t t, const caf::error& err) {
  auto& st = self->state;
  if (err == caf::sec::request_timeout) {
    ++st.out->timed_out;
  } else {
    ++st.out->failed;
    ++st.out->failed_by_target[t];
    auto& f = st.out->failures[error_kind(err)];
    if (f.count++ == 0)
      f.example = render(err);
  }
  finish_one(self);
}

/// A short document of 1 to 8 words in mixed case, and its word count.
std::pair<std::string, uint64_t> make_document(std::mt19937_64& rng,
                                               uint64_t req) {
  static const char* words[] = {"Alpha", "beta",  "GAMMA",   "delta",
                                "Crash", "Again", "restart", "fine"};
  static const char* gaps[] = {" ", "  ", "\t", " \n "};
  std::uniform_int_distribution<int> n_dist{1, 8};
  std::uniform_int_distribution<int> w_dist{0, 7};
  std::uniform_int_distribution<int> g_dist{0, 3};
  auto n = n_dist(rng);
  std::string text = "doc-" + std::to_string(req);
  for (int i = 1; i < n; ++i) {
    text += gaps[g_dist(rng)];
    text += words[w_dist(rng)];
  }
  return {std::move(text), static_cast<uint64_t>(n)};
}

void send_one(client_actor* self) {
  auto& st = self->state;
  std::uniform_int_distribution<size_t> pick{0, st.targets.size() - 1};
  auto t = pick(st.rng);
  auto& tg = st.targets[t];
  auto req = ++st.next_req;
  ++st.outstanding;
  ++st.out->sent;
  ++st.out->sent_by_target[t];
  auto fail = [self, t](caf::error& err) { on_failure(self, t, err); };
  switch (tg.kind) {
    case target_kind::store: {
      uint64_t key = req % 64;
      if (req % 2 == 0) {
        self->request(tg.endpoint, request_timeout, put_atom::value, key, req)
          .then(
            [self, t, req](uint64_t value, uint64_t inc) {
              on_answer(self, t, {{store_slot, inc}}, value == req);
            },
            fail);
      } else {
        self->request(tg.endpoint, request_timeout, get_atom::value, key)
          .then(
            [self, t](uint64_t, uint64_t inc) {
              on_answer(self, t, {{store_slot, inc}}, true);
            },
            fail);
      }
      break;
    }
    case target_kind::pipeline: {
      auto [text, words] = make_document(st.rng, req);
      self
        ->request(tg.endpoint, request_timeout, work_atom::value, req,
                  std::move(text))
        .then(
          [self, t, req, words = words](uint64_t r, uint64_t w, uint64_t a,
                                        uint64_t b, uint64_t c) {
            on_answer(self, t,
                      {{ingest_slot, a}, {parse_slot, b}, {index_slot, c}},
                      r == req && w == words);
          },
          fail);
      break;
    }
    case target_kind::session: {
      auto slot = tg.slot;
      self->request(tg.endpoint, request_timeout, work_atom::value, req)
        .then(
          [self, t, slot](uint64_t served, uint64_t inc) {
            on_answer(self, t, {{slot, inc}}, served > 0);
          },
          fail);
      break;
    }
  }
}

/// The client's behavior (see spawn_client).
caf::behavior client(client_actor* self, std::vector<target> targets,
                     uint64_t seed, caf::timespan duration,
                     caf::actor report_to, client_report_ptr out) {
  auto& st = self->state;
  auto n = targets.size();
  out->sent_by_target.assign(n, 0);
  out->answered_by_target.assign(n, 0);
  out->failed_by_target.assign(n, 0);
  out->first_reply.resize(first_session_slot + session_count);
  st.targets = std::move(targets);
  st.rng.seed(seed);
  st.report_to = std::move(report_to);
  st.out = std::move(out);
  return {
    [self, duration](run_atom) {
      auto& st = self->state;
      st.out->started = steady::now();
      self->delayed_send(self, duration, stop_atom::value);
      for (size_t i = 0; i < in_flight; ++i)
        send_one(self);
    },
    [self](stop_atom) {
      self->state.stopping = true;
      maybe_finish(self);
    },
  };
}

} // namespace

caf::actor spawn_client(caf::actor_system& sys, std::vector<target> targets,
                        uint64_t seed, caf::timespan duration,
                        caf::actor report_to, client_report_ptr out) {
  return sys.spawn(client, std::move(targets), seed, duration,
                   std::move(report_to), std::move(out));
}

} // namespace remedy::node
