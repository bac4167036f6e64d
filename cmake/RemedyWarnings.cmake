# remedy_set_warnings(<target>)
#
# Turns on -Wall -Wextra -Wpedantic for one of Remedy's own targets, and
# -Werror unless REMEDY_WERROR is OFF. Applied per target (never globally) so
# third-party code is unaffected; CAF, spdlog, Boost and Catch2 headers come in
# as SYSTEM includes and stay quiet. Works with g++ 12 and clang++ 14.
include_guard(GLOBAL)

option(REMEDY_WERROR "Treat compiler warnings in Remedy's own code as errors" ON)

function(remedy_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic
      $<$<BOOL:${REMEDY_WERROR}>:-Werror>)
  elseif(MSVC)
    target_compile_options(${target} PRIVATE
      /W4 $<$<BOOL:${REMEDY_WERROR}>:/WX>)
  endif()
endfunction()
