#include "remedy/scheduling/task.hpp"

namespace remedy {

const char* to_string(task_priority x) {
  switch (x) {
    case task_priority::high:
      return "high";
    case task_priority::normal:
      return "normal";
    case task_priority::low:
      return "low";
  }
  return "<invalid task_priority>";
}

} // namespace remedy
