#include "builtin_workers.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>

#include <boost/json.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/node_id.hpp>

#include "remedy/runtime/api_request.hpp"
#include "remedy/runtime/api_response.hpp"

namespace remedy::node {

namespace {

api_response json_response(uint16_t status, const boost::json::object& body) {
  return api_response{status, "application/json",
                      boost::json::serialize(body)};
}

caf::behavior echo_worker(caf::event_based_actor* self) {
  return {
    [self](const api_request& req) {
      return json_response(200, {{"method", req.method},
                                 {"path", req.path},
                                 {"query", req.query},
                                 {"body", req.body},
                                 {"worker", self->id()},
                                 {"node", caf::to_string(self->node())}});
    },
  };
}

struct kv_state {
  std::unordered_map<std::string, std::string> data;
};

caf::behavior kv_worker(caf::stateful_actor<kv_state>* self,
                        uint32_t capacity) {
  return {
    [self, capacity](const api_request& req) -> api_response {
      auto& data = self->state.data;
      auto key = req.path.empty() ? std::string{} : req.path.substr(1);
      if (key.empty())
        return json_response(400, {{"error", "missing key: use /<key>"}});
      if (req.method == "GET") {
        auto i = data.find(key);
        if (i == data.end())
          return json_response(404, {{"error", "no such key"}, {"key", key}});
        return json_response(200, {{"key", key}, {"value", i->second}});
      }
      if (req.method == "PUT" || req.method == "POST") {
        auto i = data.find(key);
        if (i == data.end() && data.size() >= capacity)
          return json_response(507, {{"error", "store full"},
                                     {"capacity", capacity}});
        data[key] = req.body;
        return api_response{204, "application/json", ""};
      }
      if (req.method == "DELETE") {
        if (data.erase(key) == 0)
          return json_response(404, {{"error", "no such key"}, {"key", key}});
        return api_response{204, "application/json", ""};
      }
      return json_response(405, {{"error", "method not allowed"},
                                 {"method", req.method}});
    },
  };
}

} // namespace

void add_builtin_workers(node_registry& reg) {
  reg.worker("echo", echo_worker);
  reg.worker("kv", [](strict_json::object_reader& args) {
    uint32_t capacity = 10000;
    args.get_optional("capacity", capacity, 1u, 1000000u);
    return start(kv_worker, capacity);
  });
}

} // namespace remedy::node
