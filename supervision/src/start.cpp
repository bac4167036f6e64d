#include "remedy/supervision/start.hpp"

#include <exception>

namespace remedy {

void install_exception_handler(caf::scheduled_actor* self) {
  self->set_exception_handler(
    [](caf::scheduled_actor*, std::exception_ptr& ptr) -> caf::error {
      try {
        std::rethrow_exception(ptr);
      } catch (std::exception& e) {
        return make_error(errc::unhandled_exception, e.what());
      } catch (...) {
        return make_error(errc::unhandled_exception, "non-standard exception");
      }
    });
}

} // namespace remedy
