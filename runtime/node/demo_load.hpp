#pragma once

// remedy-node's supervision demo: the load. A client keeps requests in
// flight to random targets through their stable endpoints, checks every
// answer and notes when each incarnation of a worker first answered.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/timespan.hpp>

#include "demo_scenario.hpp"
#include "demo_service.hpp"

namespace remedy::node {

/// Requests the client keeps in flight.
constexpr size_t in_flight = 16;
/// A request without an answer after this long counts as lost (a failed
/// check): every request through an endpoint must get a reply or an error.
constexpr caf::timespan request_timeout = std::chrono::seconds(2);

struct failure_kind {
  uint64_t count = 0;
  std::string example;
};

/// The client's measurements. The atomics are read for progress while it
/// runs; everything else only after it reported done.
struct client_report {
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> answered{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> timed_out{0};
  uint64_t wrong = 0;
  std::map<std::string, failure_kind> failures;
  std::vector<uint64_t> sent_by_target;
  std::vector<uint64_t> answered_by_target;
  std::vector<uint64_t> failed_by_target;
  /// Per worker slot: when each incarnation gave its first good reply.
  std::vector<std::map<uint64_t, steady::time_point>> first_reply;
  steady::time_point started;
  steady::time_point finished;
};

using client_report_ptr = std::shared_ptr<client_report>;

/// Spawns the client. On `run_atom` it keeps `in_flight` requests going to
/// random targets for `duration`, then waits for every outstanding one,
/// sends `done_atom` to `report_to` and quits.
caf::actor spawn_client(caf::actor_system& sys, std::vector<target> targets,
                        uint64_t seed, caf::timespan duration,
                        caf::actor report_to, client_report_ptr out);

} // namespace remedy::node
