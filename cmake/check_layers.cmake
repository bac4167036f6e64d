# Checks that every #include of a Remedy header points down the layers.
#
#   cmake -DROOT=<source dir> -DPARTS=<table> -P cmake/check_layers.cmake
#
# PARTS is a |-separated list of part=folder=dep1,dep2 entries (the table at the top of
# CMakeLists.txt). A file under <folder>/include or <folder>/src may include
# remedy/<part>/..., and remedy/<p>/... of every part p it reaches through its
# deps; anything else (a higher part, a sibling, or remedy/remedy.hpp below
# the runtime) fails the check with the file, line and include named.
cmake_minimum_required(VERSION 3.25)

foreach(var ROOT PARTS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_layers.cmake: -D${var}=... is required")
  endif()
endforeach()

set(names "")
string(REPLACE "|" ";" PARTS "${PARTS}")
foreach(entry IN LISTS PARTS)
  string(REPLACE "=" ";" fields "${entry}")
  list(GET fields 0 name)
  list(GET fields 1 dir)
  list(LENGTH fields n)
  set(deps "")
  if(n GREATER 2)
    list(GET fields 2 deps)
    string(REPLACE "," ";" deps "${deps}")
  endif()
  list(APPEND names ${name})
  set(dir_${name} "${dir}")
  set(deps_${name} ${deps})
endforeach()

# allowed_<part>: the part itself and everything below it.
foreach(name IN LISTS names)
  set(allowed ${name})
  set(queue ${deps_${name}})
  while(queue)
    list(POP_FRONT queue dep)
    if(NOT dep IN_LIST names)
      message(FATAL_ERROR "check_layers.cmake: ${name} depends on unknown part ${dep}")
    endif()
    if(NOT dep IN_LIST allowed)
      list(APPEND allowed ${dep})
      list(APPEND queue ${deps_${dep}})
    endif()
  endwhile()
  set(allowed_${name} ${allowed})
endforeach()

set(violations "")
set(checked 0)
foreach(name IN LISTS names)
  file(GLOB_RECURSE files
       "${ROOT}/${dir_${name}}/include/*.hpp"
       "${ROOT}/${dir_${name}}/src/*.hpp"
       "${ROOT}/${dir_${name}}/src/*.cpp")
  foreach(file IN LISTS files)
    math(EXPR checked "${checked} + 1")
    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]remedy/")
    foreach(line IN LISTS lines)
      string(REGEX MATCH "remedy/[^\">]*" path "${line}")
      if(path MATCHES "^remedy/([a-z_]+)/")
        set(target "${CMAKE_MATCH_1}")
      else()
        set(target "runtime") # remedy/remedy.hpp: the whole API
      endif()
      if(NOT target IN_LIST allowed_${name})
        file(RELATIVE_PATH rel "${ROOT}" "${file}")
        list(APPEND violations
             "${rel}: the ${name} part includes ${path} (${name} may use: ${allowed_${name}})")
      endif()
    endforeach()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "check_layers.cmake: no files found under ${ROOT}")
endif()
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "includes that point up or sideways:\n  ${text}")
endif()
message(STATUS "${checked} files: every Remedy include points down")
