// A small configuration schema on the strict JSON reader: a service with a
// port, a timeout, a restart policy and a list of workers. Reads a good file
// and a bad one, and prints every error of the bad one at once, as
// `file:line: $.path: what was expected`. Exits 0 only if the good file
// reads exactly and the bad one gives the expected errors.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "remedy/remedy.hpp"

using namespace std::chrono_literals;
namespace sj = remedy::strict_json;

namespace {

// [schema]
enum class restart { permanent, transient, temporary };

struct service_config {
  std::string name;
  std::uint16_t port = 8080;
  caf::timespan timeout = 2s;
  restart policy = restart::permanent;
  std::vector<std::string> workers;
};

caf::error read_config(std::string_view text, const std::string& file,
                       service_config& cfg) {
  auto doc = sj::parse(text, file);
  sj::read_object(doc, [&](sj::object_reader& o) {
    o.get("name", cfg.name, sj::string_rule::non_empty);
    o.get_optional("port", cfg.port, 1, 65535);
    o.get_optional("timeout", cfg.timeout, 1ms, 1min);
    o.get_enum_optional("restart", cfg.policy,
                        {{"permanent", restart::permanent},
                         {"transient", restart::transient},
                         {"temporary", restart::temporary}});
    o.array("workers", [&](sj::value_reader& w) {
      std::string id;
      if (w.read(id, sj::string_rule::non_empty))
        cfg.workers.push_back(id);
    }, 1);
  });
  return doc.errors.to_error(); // none, or every error in file order
}
// [schema]

} // namespace

int main() {
  service_config good;
  auto err = read_config(R"({
  "name": "orders",
  "port": 9000,
  "timeout": "500ms",
  "restart": "transient",
  "workers": ["a", "b"]
})",
                         "good.json", good);
  if (err || good.port != 9000 || good.timeout != 500ms
      || good.policy != restart::transient || good.workers.size() != 2) {
    std::cerr << "good.json did not read as written: " << remedy::render(err)
              << '\n';
    return 1;
  }
  service_config bad;
  err = read_config(R"({
  "name": "orders",
  "port": 70000,
  "timout": "5s",
  "restart": "sometimes",
  "workers": ["a", ""]
})",
                    "bad.json", bad);
  auto text = remedy::context_of(err);
  std::cout << text << '\n';
  auto want = "bad.json:3: $.port: expected an integer from 1 to 65535, got 70000\n"
              "bad.json:4: $: unknown key \"timout\" (did you mean \"timeout\"?)\n"
              "bad.json:5: $.restart: expected one of \"permanent\", "
              "\"transient\", \"temporary\", got \"sometimes\"\n"
              "bad.json:6: $.workers[1]: expected a non-empty string, got \"\"";
  if (!remedy::is(err, remedy::errc::invalid_argument) || text != want) {
    std::cerr << "bad.json: expected these errors:\n" << want << '\n';
    return 1;
  }
  return 0;
}
