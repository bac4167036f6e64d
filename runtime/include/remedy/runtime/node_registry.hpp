#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>

#include "remedy/runtime/json_reader.hpp"
#include "remedy/supervision/start.hpp"
#include "remedy/supervision/start_fn.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace remedy {

/// The names a node's config file may use: worker types and healing
/// strategies. A program registers its own and runs them from a file:
///
///     int main(int argc, char** argv) {
///       remedy::node_registry reg;
///       reg.worker("orders", orders);               // no arguments
///       reg.worker("cache", [](strict_json::object_reader& args) {
///         uint32_t capacity = 1000;                 // "args": {...}
///         args.get_optional("capacity", capacity, 1u, 1000000u);
///         return remedy::start(cache, capacity);
///       });
///       return remedy::run_node(argc, argv, reg);
///     }
///
/// A worker type's reader sees the child's `"args"` object (an empty one when
/// the file has none) and reports what is wrong with it through the reader,
/// so that `--check-config` finds it before anything starts. The built-in
/// strategies (restart, isolate, throttle, scale_out, failover, escalate)
/// are always there.
class node_registry {
public:
  /// Reads a worker type's arguments and returns how to start one.
  using worker_reader = std::function<start_fn(strict_json::object_reader&)>;

  /// Spawns a strategy actor (see `strategy_actor`).
  using strategy_factory
    = std::function<caf::expected<caf::actor>(caf::actor_system&)>;

  node_registry();

  /// Registers a worker type whose `args` are read by `read`.
  node_registry& worker(std::string type, worker_reader read);

  /// Registers a worker type without arguments: `fun(self, xs...)` as for
  /// `remedy::start`.
  template <class F, class... Ts>
  node_registry& worker(std::string type, F fun, Ts... xs) {
    if constexpr (std::is_invocable_v<F, strict_json::object_reader&>) {
      static_assert(sizeof...(Ts) == 0, "an args reader takes no arguments");
      return worker(std::move(type), worker_reader{std::move(fun)});
    } else {
      auto fn = start(std::move(fun), std::move(xs)...);
      return worker(std::move(type),
                    worker_reader{[fn](strict_json::object_reader&) {
                      return fn;
                    }});
    }
  }

  /// Registers (or replaces) a healing strategy under `name`.
  node_registry& strategy(std::string name, strategy_factory make);

  /// The worker type `type`, or null.
  const worker_reader* find_worker(const std::string& type) const;

  /// The strategy `name`, or null.
  const strategy_factory* find_strategy(const std::string& name) const;

  /// Registered names, sorted (for "expected one of" messages).
  std::vector<std::string> worker_types() const;
  std::vector<std::string> strategy_names() const;

private:
  std::map<std::string, worker_reader> workers_;
  std::map<std::string, strategy_factory> strategies_;
};

} // namespace remedy
