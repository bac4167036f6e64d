# consumer_test.cmake: checks that an installed Remedy can be used by another
# project. Run by ctest (see the consumer.* tests in CMakeLists.txt) as
#   cmake -DMODE=<mode> -D... -P cmake/consumer_test.cmake
#
# MODE=install       cmake --install BUILD_DIR into PREFIX (a fresh directory)
# MODE=find_package  configure, build and run SOURCE_DIR (tests/consumer) in
#                    WORK_DIR with -DCMAKE_PREFIX_PATH=PREFIX
# MODE=pkg_config    compile SOURCE_DIR/main.cpp with CXX and
#                    `pkg-config --cflags --libs remedy` found through
#                    PKG_CONFIG_PATH=PREFIX/LIBDIR/pkgconfig, then run it
#
# Other variables: BUILD_DIR, PREFIX, LIBDIR, SOURCE_DIR, WORK_DIR, CXX,
# GENERATOR, MAKE_PROGRAM, BUILD_TYPE, VERSION, SHARED, PKG_CONFIG.
cmake_minimum_required(VERSION 3.25)

function(require)
  foreach(var IN LISTS ARGN)
    if("${${var}}" STREQUAL "")
      message(FATAL_ERROR "consumer_test.cmake: -D${var}=... is required")
    endif()
  endforeach()
endfunction()

# run(<what> COMMAND ...) runs a command, echoes it and fails on error.
function(run what)
  list(JOIN ARGN " " pretty)
  message(STATUS "${what}: ${pretty}")
  execute_process(${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# check_program(<exe>) runs the consumer and checks what it prints.
function(check_program exe)
  run("run consumer" COMMAND "${exe}")
  message(STATUS "consumer printed: ${run_output}")
  string(REPLACE "." "\\." version_regex "${VERSION}")
  if(NOT run_output MATCHES "^remedy ${version_regex} with CAF 0\\.17\\.")
    message(FATAL_ERROR
      "consumer printed '${run_output}', expected 'remedy ${VERSION} with CAF "
      "0.17.x'")
  endif()
endfunction()

require(MODE PREFIX)

if(MODE STREQUAL "install")
  require(BUILD_DIR)
  file(REMOVE_RECURSE "${PREFIX}")
  run("install" COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}"
                        --prefix "${PREFIX}")
  foreach(file
      "${LIBDIR}/cmake/remedy/remedyConfig.cmake"
      "${LIBDIR}/cmake/remedy/remedyConfigVersion.cmake"
      "${LIBDIR}/cmake/remedy/remedyTargets.cmake"
      "${LIBDIR}/cmake/remedy/FindCAF.cmake"
      "${LIBDIR}/pkgconfig/remedy.pc"
      "include/remedy/remedy.hpp"
      "include/remedy/core/version.hpp"
      "include/remedy/supervision/supervisor.hpp"
      "include/remedy/routing/route.hpp"
      "include/remedy/detection/detector.hpp"
      "include/remedy/classification/classifier.hpp"
      "include/remedy/runtime/config.hpp")
    if(NOT EXISTS "${PREFIX}/${file}")
      message(FATAL_ERROR "install did not create ${PREFIX}/${file}")
    endif()
  endforeach()
  # Test and evaluation code is never installed.
  file(GLOB_RECURSE eval_files "${PREFIX}/*eval*")
  if(eval_files)
    message(FATAL_ERROR "install put evaluation code in the prefix: ${eval_files}")
  endif()

elseif(MODE STREQUAL "find_package")
  require(SOURCE_DIR WORK_DIR CXX GENERATOR VERSION)
  file(REMOVE_RECURSE "${WORK_DIR}")
  set(configure_args
    -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}"
    "-DCMAKE_CXX_COMPILER=${CXX}"
    # Only the scratch prefix may satisfy find_package(remedy).
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  if(MAKE_PROGRAM)
    list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
  endif()
  if(BUILD_TYPE)
    list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
  endif()
  run("configure consumer" COMMAND "${CMAKE_COMMAND}" ${configure_args})
  file(REAL_PATH "${PREFIX}" real_prefix)
  if(NOT run_output MATCHES "Found remedy [0-9.]+ in ([^\n]*)")
    message(FATAL_ERROR "consumer configure did not report remedy_DIR:\n"
                        "${run_output}")
  endif()
  file(REAL_PATH "${CMAKE_MATCH_1}" found_dir)
  string(FIND "${found_dir}" "${real_prefix}/" pos)
  if(NOT pos EQUAL 0)
    message(FATAL_ERROR "find_package(remedy) used ${found_dir}, not the "
                        "scratch prefix ${real_prefix}")
  endif()
  run("build consumer" COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}")
  check_program("${WORK_DIR}/remedy_consumer")

elseif(MODE STREQUAL "pkg_config")
  require(SOURCE_DIR WORK_DIR CXX LIBDIR PKG_CONFIG VERSION)
  file(REMOVE_RECURSE "${WORK_DIR}")
  file(MAKE_DIRECTORY "${WORK_DIR}")
  set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
  run("pkg-config version" COMMAND "${PKG_CONFIG}" --modversion remedy)
  string(STRIP "${run_output}" pc_version)
  if(NOT pc_version STREQUAL VERSION)
    message(FATAL_ERROR "pkg-config reports remedy ${pc_version}, "
                        "expected ${VERSION}")
  endif()
  run("pkg-config flags" COMMAND "${PKG_CONFIG}" --cflags --libs remedy)
  string(STRIP "${run_output}" pc_flags)
  message(STATUS "pkg-config --cflags --libs remedy: ${pc_flags}")
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  set(extra "")
  if(SHARED)
    list(APPEND extra "-Wl,-rpath,${PREFIX}/${LIBDIR}")
  endif()
  # -std=c++17 because clang++ 14 defaults to C++14; g++ 12 to gnu++17.
  run("compile consumer" COMMAND "${CXX}" -std=c++17
      "${SOURCE_DIR}/main.cpp" -o "${WORK_DIR}/remedy_consumer"
      ${pc_flags} ${extra})
  check_program("${WORK_DIR}/remedy_consumer")

else()
  message(FATAL_ERROR "consumer_test.cmake: unknown MODE '${MODE}'")
endif()
