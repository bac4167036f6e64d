#include "remedy/core/version.hpp"

// The build system defines REMEDY_VERSION from project(VERSION ...) in the
// top-level CMakeLists.txt, its single source.
#ifndef REMEDY_VERSION
#  error "REMEDY_VERSION is not defined: build Remedy with its CMakeLists.txt"
#endif

namespace remedy {

const char* version() noexcept {
  return REMEDY_VERSION;
}

} // namespace remedy
