#pragma once

#include <cstdint>

#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/timespan.hpp>

namespace remedy {

/// A task's priority: the scheduler dispatches `high` before `normal`
/// before `low`, and sheds `low` first when it is full.
enum class task_priority : uint8_t { high, normal, low };

constexpr size_t task_priority_count = 3;

const char* to_string(task_priority x);

/// A unit of work with its terms, submitted to a scheduler as a request:
/// `self->request(scheduler, timeout, task{caf::make_message(...)})`. The
/// reply is the worker's reply to `payload`, or one error (see
/// `spawn_scheduler`). A request that is not a `task` is a task with the
/// scheduler's default terms.
struct task {
  /// What a worker gets, as its own request.
  caf::message payload;
  /// The client's id for it (0: none), named in every error about it.
  uint64_t id = 0;
  task_priority priority = task_priority::normal;
  /// Time the task may take from submission to its answer (0: the
  /// scheduler's `default_deadline`).
  caf::timespan deadline{0};
  /// Attempts at most, the first included (0: the scheduler's
  /// `default_attempts`).
  uint32_t max_attempts = 0;
  /// Whether running it twice is harmless: only idempotent tasks are
  /// hedged.
  bool idempotent = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task& x) {
  return f(caf::meta::type_name("remedy.task"), x.payload, x.id, x.priority,
           x.deadline, x.max_attempts, x.idempotent);
}

} // namespace remedy
