#include "remedy/runtime/node_event.hpp"

namespace remedy {

const char* to_string(node_event_kind x) {
  switch (x) {
    case node_event_kind::tree_started:
      return "tree_started";
    case node_event_kind::tree_down:
      return "tree_down";
    case node_event_kind::tree_restarting:
      return "tree_restarting";
    case node_event_kind::giving_up:
      return "giving_up";
    case node_event_kind::stopping:
      return "stopping";
  }
  return "?";
}

std::string topic(const node_event& x) {
  return std::string{"node."} + to_string(x.kind);
}

} // namespace remedy
