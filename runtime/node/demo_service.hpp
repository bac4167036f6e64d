#pragma once

// The small service that remedy-node's supervision demo runs: its workers,
// the messages they understand, and the ledger in which a worker writes down
// every crash it really performs (so that "crashes injected" is measured, not
// the number of crash commands sent).
//
// Message protocol (all replies carry the answering incarnation's actor id,
// so the client can tell an old incarnation from a restarted one):
//
//   store:    (put_atom, key, value) -> (value, incarnation)
//             (get_atom, key)        -> (value or 0, incarnation)
//   pipeline: client -> ingest: (work_atom, req, text)
//             ingest -> parse:  (parse_atom, req, text, ingest_id)
//             parse  -> index:  (index_atom, req, words, ingest_id, parse_id)
//             index  -> client: (req, words, ingest_id, parse_id, index_id)
//             Each stage delegates to the next stage's stable endpoint, so the
//             last stage answers the client directly.
//   session:  (work_atom, req) -> (requests served by this incarnation,
//                                  incarnation)
//   every worker: (crash_atom, mode): crash now (throw or quit with an
//             error), or "poison": throw while handling the next request.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

namespace remedy::node {

using steady = std::chrono::steady_clock;

using work_atom = caf::atom_constant<caf::atom("n_work")>;
using parse_atom = caf::atom_constant<caf::atom("n_parse")>;
using index_atom = caf::atom_constant<caf::atom("n_index")>;
using put_atom = caf::atom_constant<caf::atom("n_put")>;
using get_atom = caf::atom_constant<caf::atom("n_get")>;
using crash_atom = caf::atom_constant<caf::atom("n_crash")>;

/// How a worker is made to crash.
enum class crash_mode : uint8_t {
  /// The crash command's handler throws (Remedy's exception handler turns it
  /// into `errc::unhandled_exception`).
  throw_in_handler,
  /// The worker quits with an error (`sec::runtime_error`).
  quit_with_error,
  /// The worker throws while handling its next client request, so that
  /// request fails with the exception.
  poison,
};

constexpr size_t crash_mode_count = 3;

/// Returns "throw", "quit" or "poison".
const char* to_string(crash_mode x);

/// The demo's worker slots, in the order of its tables. Sessions follow:
/// session k (0-based) has slot `first_session_slot + k`.
enum slot : size_t {
  store_slot = 0,
  ingest_slot = 1,
  parse_slot = 2,
  index_slot = 3,
  first_session_slot = 4,
};

/// One crash a worker really performed.
struct crash_record {
  size_t slot = 0;
  /// The crashing incarnation's actor id.
  uint64_t actor = 0;
  steady::time_point at;
  crash_mode mode = crash_mode::throw_in_handler;
};

/// Written by workers (from scheduler threads) right before they crash.
class crash_ledger {
public:
  void record(size_t slot, uint64_t actor, crash_mode mode);

  std::vector<crash_record> snapshot() const;

  size_t size() const;

private:
  mutable std::mutex mtx_;
  std::vector<crash_record> records_;
};

using ledger_ptr = std::shared_ptr<crash_ledger>;

/// Returns the number of whitespace-separated words in `text`.
uint64_t count_words(const std::string& text);

caf::behavior store_worker(caf::event_based_actor* self, ledger_ptr ledger);

caf::behavior ingest_worker(caf::event_based_actor* self, ledger_ptr ledger,
                            caf::actor parse);

caf::behavior parse_worker(caf::event_based_actor* self, ledger_ptr ledger,
                           caf::actor index);

caf::behavior index_worker(caf::event_based_actor* self, ledger_ptr ledger);

/// A pool worker: `number` comes from the pool's start_child call.
caf::behavior session_worker(caf::event_based_actor* self, ledger_ptr ledger,
                             uint64_t number);

} // namespace remedy::node
