// libFuzzer target for the node config loader (clang only): reads the input
// as a node's config file with a registry that has a worker type with
// arguments, and traps if the loader breaks its promises: every failure is
// one caf::error whose lines each start with the file name and a line inside
// the text; every success names at least one worker or pool, and each
// service's target is one of them. Nothing is spawned.
//
// Built as fuzz_node_config when the compiler is clang; ctest runs it for 5
// seconds (fuzz.node_config). By hand, from the build directory:
//
//   ./fuzz/fuzz_node_config -max_total_time=60 fuzz/node_config_corpus \
//     ../../tests/fuzz/node_config_corpus

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/event_based_actor.hpp>

#include "remedy/core/error.hpp"
#include "remedy/runtime/node_config.hpp"
#include "remedy/runtime/node_registry.hpp"

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

caf::behavior idle(caf::event_based_actor*, uint32_t) {
  return {[](int x) { return x; }};
}

const remedy::node_registry& registry() {
  static remedy::node_registry reg = [] {
    remedy::node_registry r;
    r.worker("w", [](remedy::strict_json::object_reader& args) {
      uint32_t n = 1;
      args.get_optional("n", n, 1u, 100u);
      return remedy::start(idle, n);
    });
    return r;
  }();
  return reg;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text{reinterpret_cast<const char*>(data), size};
  auto lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'))
               + 1;
  auto cfg = remedy::parse_node_config(text, "f.json", registry());
  if (!cfg) {
    check(cfg.error() == remedy::errc::invalid_argument);
    auto what = remedy::context_of(cfg.error());
    check(!what.empty());
    size_t start = 0;
    while (start < what.size()) {
      auto end = what.find('\n', start);
      if (end == std::string::npos)
        end = what.size();
      auto line = what.substr(start, end - start);
      check(line.rfind("f.json", 0) == 0);
      if (line.rfind("f.json:", 0) == 0) {
        auto n = std::strtoull(line.c_str() + 7, nullptr, 10);
        check(n <= lines);
      }
      start = end + 1;
    }
    return 0;
  }
  check(!cfg->tree.workers.empty() || !cfg->tree.pools.empty()
        || !cfg->tree.builder.flags().name.empty());
  for (auto& svc : cfg->services) {
    auto& ws = cfg->tree.workers;
    auto& ps = cfg->tree.pools;
    check(std::count(ws.begin(), ws.end(), svc.target) > 0
          || std::count(ps.begin(), ps.end(), svc.target) > 0);
    check(svc.is_pool == (std::count(ps.begin(), ps.end(), svc.target) > 0));
  }
  return 0;
}
