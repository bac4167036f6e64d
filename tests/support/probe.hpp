#pragma once

// A worker for supervision tests: answers pings with its id, crashes or
// exits on command, and writes "start:<id>" / "stop:<id>" to a journal so
// tests can check start and stop order.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>

namespace remedy::test {

using ping_atom = caf::atom_constant<caf::atom("t_ping")>;
using crash_atom = caf::atom_constant<caf::atom("t_crash")>;
using quit_atom = caf::atom_constant<caf::atom("t_quit")>;
using ignore_exit_atom = caf::atom_constant<caf::atom("t_ignexit")>;

struct journal {
  std::vector<std::string> lines;

  /// Lines since `from`, for checking one phase of a test.
  std::vector<std::string> since(size_t from) const {
    return {lines.begin() + static_cast<std::ptrdiff_t>(from), lines.end()};
  }
};

using journal_ptr = std::shared_ptr<journal>;

inline caf::behavior probe(caf::event_based_actor* self, std::string id,
                           journal_ptr log) {
  log->lines.push_back("start:" + id);
  self->attach_functor(
    [id, log](const caf::error&) { log->lines.push_back("stop:" + id); });
  return {
    [id](ping_atom) { return id; },
    [](ping_atom, int x) { return x; },
    [](crash_atom) -> std::string { throw std::runtime_error("boom"); },
    [self](quit_atom, caf::error& reason) { self->quit(std::move(reason)); },
    [self](ignore_exit_atom) {
      // From now on, ignore every exit message but kill.
      self->set_exit_handler([](caf::exit_msg&) {});
    },
  };
}

/// A worker that fails in its init, every time.
inline caf::behavior crash_in_init(caf::event_based_actor*, journal_ptr log) {
  log->lines.push_back("init-crash");
  throw std::runtime_error("init failed");
}

} // namespace remedy::test
