# FindCAF.cmake: find the C++ Actor Framework (CAF) 0.17.
#
# Debian's libcaf-dev ships headers and libraries but no CMake package
# configuration, so this find module locates them itself.
#
# Components (default: core io):
#   core     libcaf_core
#   io       libcaf_io (needs core)
#   openssl  libcaf_openssl (needs core and io)
#
# Imported targets:
#   CAF::core     libcaf_core; its include directory is a SYSTEM include so
#                 CAF's headers never trigger our warnings (-Werror)
#   CAF::io       libcaf_io; links CAF::core and Threads::Threads
#   CAF::openssl  libcaf_openssl; links CAF::io
#
# Result variables:
#   CAF_FOUND, CAF_VERSION (e.g. 0.17.6, parsed from caf/config.hpp),
#   CAF_INCLUDE_DIRS, CAF_LIBRARIES, CAF_<comp>_FOUND
#
# Cache variables (hints): CAF_ROOT_DIR or CAF_ROOT, CAF_INCLUDE_DIR,
#   CAF_CORE_LIBRARY, CAF_IO_LIBRARY, CAF_OPENSSL_LIBRARY

include(FindPackageHandleStandardArgs)

if(NOT CAF_FIND_COMPONENTS)
  set(CAF_FIND_COMPONENTS core io)
  set(CAF_FIND_REQUIRED_core TRUE)
  set(CAF_FIND_REQUIRED_io TRUE)
endif()

# io needs core, openssl needs io.
if("openssl" IN_LIST CAF_FIND_COMPONENTS)
  list(APPEND CAF_FIND_COMPONENTS io)
endif()
if("io" IN_LIST CAF_FIND_COMPONENTS)
  list(APPEND CAF_FIND_COMPONENTS core)
endif()
list(REMOVE_DUPLICATES CAF_FIND_COMPONENTS)

find_path(CAF_INCLUDE_DIR
  NAMES caf/config.hpp
  HINTS ${CAF_ROOT_DIR} ENV CAF_ROOT_DIR
  PATH_SUFFIXES include
  DOC "Directory containing caf/config.hpp")

set(CAF_VERSION "")
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  # '#define CAF_VERSION 1706' means 0.17.6 (major * 10000 + minor * 100 +
  # patch).
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
       REGEX "^#[ \t]*define[ \t]+CAF_VERSION[ \t]+[0-9]+")
  if(_caf_version_line MATCHES "CAF_VERSION[ \t]+([0-9]+)")
    set(_caf_v "${CMAKE_MATCH_1}")
    math(EXPR _caf_major "${_caf_v} / 10000")
    math(EXPR _caf_minor "(${_caf_v} / 100) % 100")
    math(EXPR _caf_patch "${_caf_v} % 100")
    set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
    set(CAF_VERSION_MAJOR "${_caf_major}")
    set(CAF_VERSION_MINOR "${_caf_minor}")
    set(CAF_VERSION_PATCH "${_caf_patch}")
  endif()
  unset(_caf_version_line)
  unset(_caf_v)
  unset(_caf_major)
  unset(_caf_minor)
  unset(_caf_patch)
endif()

set(CAF_LIBRARIES "")
foreach(_caf_comp IN LISTS CAF_FIND_COMPONENTS)
  string(TOUPPER "${_caf_comp}" _caf_COMP)
  find_library(CAF_${_caf_COMP}_LIBRARY
    NAMES caf_${_caf_comp}
    HINTS ${CAF_ROOT_DIR} ENV CAF_ROOT_DIR
    PATH_SUFFIXES lib lib64
    DOC "Path to libcaf_${_caf_comp}")
  mark_as_advanced(CAF_${_caf_COMP}_LIBRARY)
  if(CAF_${_caf_COMP}_LIBRARY AND CAF_INCLUDE_DIR)
    set(CAF_${_caf_comp}_FOUND TRUE)
    list(APPEND CAF_LIBRARIES "${CAF_${_caf_COMP}_LIBRARY}")
  else()
    set(CAF_${_caf_comp}_FOUND FALSE)
  endif()
endforeach()
unset(_caf_comp)
unset(_caf_COMP)
mark_as_advanced(CAF_INCLUDE_DIR)

find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_INCLUDE_DIR
  VERSION_VAR CAF_VERSION
  HANDLE_VERSION_RANGE
  HANDLE_COMPONENTS)

if(NOT CAF_FOUND)
  return()
endif()

set(CAF_INCLUDE_DIRS "${CAF_INCLUDE_DIR}")

if(NOT TARGET Threads::Threads)
  set(THREADS_PREFER_PTHREAD_FLAG ON)
  find_package(Threads REQUIRED)
endif()

if(CAF_core_FOUND AND NOT TARGET CAF::core)
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    IMPORTED_LINK_INTERFACE_LANGUAGES CXX
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()

if(CAF_io_FOUND AND NOT TARGET CAF::io)
  add_library(CAF::io UNKNOWN IMPORTED)
  set_target_properties(CAF::io PROPERTIES
    IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
    IMPORTED_LINK_INTERFACE_LANGUAGES CXX
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "CAF::core;Threads::Threads")
endif()

if(CAF_openssl_FOUND AND NOT TARGET CAF::openssl)
  add_library(CAF::openssl UNKNOWN IMPORTED)
  set_target_properties(CAF::openssl PROPERTIES
    IMPORTED_LOCATION "${CAF_OPENSSL_LIBRARY}"
    IMPORTED_LINK_INTERFACE_LANGUAGES CXX
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "CAF::io;CAF::core")
endif()
