#include "remedy/supervision/child_info.hpp"

namespace remedy {

const char* to_string(child_status x) {
  switch (x) {
    case child_status::running:
      return "running";
    case child_status::restarting:
      return "restarting";
    case child_status::terminated:
      return "terminated";
  }
  return "<invalid child_status>";
}

} // namespace remedy
