# remedy_catch_discover_tests(<target>
#                             [WORKING_DIRECTORY <dir>]
#                             [TIMEOUT <seconds>]
#                             [LABELS <label>...]
#                             [ENVIRONMENT <VAR=value>...])
#
# Registers one ctest test per Catch2 v2 TEST_CASE in <target>, named exactly
# like the test case. The list comes from `<target> --list-test-names-only`
# after every build, so adding a TEST_CASE needs no CMake re-run.
#
# Replaces catch_discover_tests() from Catch2 2.13's Catch.cmake, which splits
# the names as a CMake list: a name with an unbalanced '[' (such as
# "samples are clamped into [0, 1)") or a ';' swallowed every test after it
# into one bogus test, so those tests silently never ran. Its PROPERTIES also
# cannot carry a list value such as two environment variables.
include_guard(GLOBAL)

set(_remedy_catch_add_tests_script
    "${CMAKE_CURRENT_LIST_DIR}/RemedyCatchAddTests.cmake")

function(remedy_catch_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "" "WORKING_DIRECTORY;TIMEOUT" "LABELS;ENVIRONMENT")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "remedy_catch_discover_tests: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(tests_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake")
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake")
  add_custom_command(TARGET ${target} POST_BUILD
    BYPRODUCTS "${tests_file}"
    COMMAND "${CMAKE_COMMAND}"
            "-DTEST_EXECUTABLE=$<TARGET_FILE:${target}>"
            "-DTEST_WORKING_DIR=${arg_WORKING_DIRECTORY}"
            "-DTEST_TIMEOUT=${arg_TIMEOUT}"
            "-DTEST_LABELS=${arg_LABELS}"
            "-DTEST_ENVIRONMENT=${arg_ENVIRONMENT}"
            "-DTEST_LIST_VAR=${target}_TESTS"
            "-DCTEST_FILE=${tests_file}"
            -P "${_remedy_catch_add_tests_script}"
    COMMENT "Listing the Catch2 tests in ${target}"
    VERBATIM)
  # Relink (and so list again) when the listing script changes.
  set_property(TARGET ${target} APPEND PROPERTY
    LINK_DEPENDS "${_remedy_catch_add_tests_script}")
  file(WRITE "${include_file}"
    "if(EXISTS \"${tests_file}\")\n"
    "  include(\"${tests_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
