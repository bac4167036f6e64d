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
    # g++ 12 at -O3 warns "argument 1 null where non-null expected" inside
    # libstdc++'s own std::vector<unsigned long>::operator= (its memmove of
    # a copy that the optimizer cannot prove non-empty): a false positive in
    # the standard library's code, not ours. It stays a warning.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE
        $<$<BOOL:${REMEDY_WERROR}>:-Wno-error=nonnull>)
    endif()
  elseif(MSVC)
    target_compile_options(${target} PRIVATE
      /W4 $<$<BOOL:${REMEDY_WERROR}>:/WX>)
  endif()
endfunction()
