# RemedyCatchAddTests.cmake: writes the ctest file for one Catch2 v2 test
# executable; run after each build by remedy_catch_discover_tests()
# (RemedyCatch.cmake) as
#   cmake -DTEST_EXECUTABLE=... -DCTEST_FILE=... -DTEST_LIST_VAR=...
#         [-DTEST_WORKING_DIR=...] [-DTEST_TIMEOUT=...] [-DTEST_LABELS=...]
#         [-DTEST_ENVIRONMENT=...] -P RemedyCatchAddTests.cmake
#
# Each test runs `<exe> <escaped name> --warn NoTests`: should a name ever be
# escaped wrongly, the test fails instead of passing with "No tests ran".
#
# Test names are never treated as CMake lists: each line of the listing is cut
# out with string(FIND) and written as a bracket argument, so '[', ']', ';',
# '\', '$' and '#' in names are safe.
cmake_minimum_required(VERSION 3.25)

foreach(var TEST_EXECUTABLE CTEST_FILE TEST_LIST_VAR)
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "RemedyCatchAddTests.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT TEST_WORKING_DIR)
  get_filename_component(TEST_WORKING_DIR "${TEST_EXECUTABLE}" DIRECTORY)
endif()

# bracket(<out> <text>) sets <out> to <text> as a CMake bracket argument.
function(bracket out text)
  set(eq "=")
  string(FIND "${text}" "]${eq}]" pos)
  while(NOT pos EQUAL -1)
    string(APPEND eq "=")
    string(FIND "${text}" "]${eq}]" pos)
  endwhile()
  set(${out} "[${eq}[${text}]${eq}]" PARENT_SCOPE)
endfunction()

# catch_spec(<out> <name>) escapes a test name for Catch2's test spec syntax
# so that it selects exactly that test case.
function(catch_spec out name)
  string(REPLACE "\\" "\\\\" spec "${name}")
  foreach(special "," "[" "]" "*" "\"")
    string(REPLACE "${special}" "\\${special}" spec "${spec}")
  endforeach()
  string(SUBSTRING "${spec}" 0 1 first)
  if(first STREQUAL "~")
    set(spec "\\${spec}")
  endif()
  set(${out} "${spec}" PARENT_SCOPE)
endfunction()

if(NOT EXISTS "${TEST_EXECUTABLE}")
  message(FATAL_ERROR "${TEST_EXECUTABLE} does not exist")
endif()
execute_process(
  COMMAND "${TEST_EXECUTABLE}" --list-test-names-only
  WORKING_DIRECTORY "${TEST_WORKING_DIR}"
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors
  RESULT_VARIABLE result)
# Catch2 v2 exits with the number of test cases it listed, capped at 255.
if(NOT result MATCHES "^[0-9]+$")
  message(FATAL_ERROR
    "listing the tests of ${TEST_EXECUTABLE} failed (${result}):\n"
    "${output}\n${errors}")
endif()

bracket(exe "${TEST_EXECUTABLE}")
bracket(wd "${TEST_WORKING_DIR}")
set(properties " WORKING_DIRECTORY ${wd}")
if(NOT TEST_TIMEOUT STREQUAL "")
  string(APPEND properties " TIMEOUT ${TEST_TIMEOUT}")
endif()
if(NOT TEST_LABELS STREQUAL "")
  bracket(labels "${TEST_LABELS}")
  string(APPEND properties " LABELS ${labels}")
endif()
if(NOT TEST_ENVIRONMENT STREQUAL "")
  bracket(environment "${TEST_ENVIRONMENT}")
  string(APPEND properties " ENVIRONMENT ${environment}")
endif()

set(script "set(${TEST_LIST_VAR})\n")
set(count 0)
set(rest "${output}")
while(NOT rest STREQUAL "")
  string(FIND "${rest}" "\n" newline)
  if(newline EQUAL -1)
    set(name "${rest}")
    set(rest "")
  else()
    string(SUBSTRING "${rest}" 0 ${newline} name)
    math(EXPR newline "${newline} + 1")
    string(SUBSTRING "${rest}" ${newline} -1 rest)
  endif()
  string(REPLACE "\r" "" name "${name}")
  if(name STREQUAL "")
    continue()
  endif()
  math(EXPR count "${count} + 1")
  catch_spec(spec "${name}")
  bracket(qname "${name}")
  bracket(qspec "${spec}")
  string(APPEND script
    "add_test(${qname} ${exe} ${qspec} --warn NoTests)\n"
    "set_tests_properties(${qname} PROPERTIES${properties})\n"
    "list(APPEND ${TEST_LIST_VAR} ${qname})\n")
endwhile()

# Catch2 v2 caps its exit code at 255 (Session::run: min(255, listed)), so
# from 255 test cases on it always reports 255.
set(expected ${count})
if(expected GREATER 255)
  set(expected 255)
endif()
if(NOT expected EQUAL result)
  message(FATAL_ERROR
    "${TEST_EXECUTABLE} reports ${result} test cases (capped at 255) but "
    "${count} names were read from its listing")
endif()

file(WRITE "${CTEST_FILE}" "${script}")
