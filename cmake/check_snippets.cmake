# check_snippets.cmake: keeps the code quoted in docs/*.md equal to the
# examples it comes from.
#
#   cmake [-DSOURCE_DIR=<repo>] [-DDOCS=<a.md;b.md>] -P cmake/check_snippets.cmake
#
# A doc quotes a region of a source file with an HTML comment directly
# followed (blank lines allowed) by a ```cpp fence:
#
#   <!-- snippet: examples/supervision/tree_builder.cpp#build -->
#   ```cpp
#   ...
#   ```
#
# The region is the text between the two lines `// [build]` in that file
# (paths are relative to SOURCE_DIR), without those lines, without lines that
# only mark other regions, and with the common leading indentation removed.
# The fenced block must equal it (trailing whitespace is ignored). A doc that
# contains the line `<!-- snippets: strict -->` may have no ```cpp block that
# is not such a quote. Fails, listing every difference, if any quote drifted,
# names a missing file or region, or is not followed by a block.
#
# SOURCE_DIR defaults to the repository this script lives in; DOCS defaults
# to every SOURCE_DIR/docs/*.md.
cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED SOURCE_DIR)
  get_filename_component(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()
if(NOT DEFINED DOCS)
  file(GLOB DOCS "${SOURCE_DIR}/docs/*.md" "${SOURCE_DIR}/README.md")
endif()

# CMake lists split on ';' (except inside [...]) and treat '\' as an escape:
# lines are read with those characters swapped for control characters.
string(ASCII 1 semi)
string(ASCII 2 lbracket)
string(ASCII 3 rbracket)
string(ASCII 4 backslash)

# Sets `out` to the lines of `file`, encoded as above.
function(read_lines file out)
  file(READ "${file}" text)
  string(REPLACE "\r\n" "\n" text "${text}")
  string(REPLACE "\\" "${backslash}" text "${text}")
  string(REPLACE ";" "${semi}" text "${text}")
  string(REPLACE "[" "${lbracket}" text "${text}")
  string(REPLACE "]" "${rbracket}" text "${text}")
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(REPLACE "\n" ";" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Sets `out` to the encoded `text` as it was in the file.
function(decode text out)
  string(REPLACE "${semi}" ";" text "${text}")
  string(REPLACE "${lbracket}" "[" text "${text}")
  string(REPLACE "${rbracket}" "]" text "${text}")
  string(REPLACE "${backslash}" "\\" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

set(region_marker "^[ \t]*// ${lbracket}([A-Za-z0-9_.-]+)${rbracket}[ \t]*$")

# Sets `out` to the region `name` of `file` (one "\n"-terminated line each,
# dedented), or `error` to why there is none.
function(extract_region file name out error)
  set(${out} "" PARENT_SCOPE)
  set(path "${SOURCE_DIR}/${file}")
  if(NOT EXISTS "${path}")
    set(${error} "no file ${file}" PARENT_SCOPE)
    return()
  endif()
  read_lines("${path}" lines)
  set(markers 0)
  set(body "")
  foreach(line IN LISTS lines)
    if(line MATCHES "${region_marker}")
      if(CMAKE_MATCH_1 STREQUAL name)
        math(EXPR markers "${markers} + 1")
      endif()
      continue()
    endif()
    if(markers EQUAL 1)
      # Prefixed with '|' so that a blank line is not an empty element.
      string(REGEX REPLACE "[ \t]+$" "" line "${line}")
      list(APPEND body "|${line}")
    endif()
  endforeach()
  if(NOT markers EQUAL 2)
    set(${error} "${file} has ${markers} lines '// [${name}]', needs 2"
        PARENT_SCOPE)
    return()
  endif()
  # Common indentation of the non-blank lines.
  set(indent 1000)
  foreach(line IN LISTS body)
    if(NOT line STREQUAL "|")
      string(REGEX MATCH "^\\| *" lead "${line}")
      string(LENGTH "${lead}" n)
      math(EXPR n "${n} - 1")
      if(n LESS indent)
        set(indent ${n})
      endif()
    endif()
  endforeach()
  set(text "")
  math(EXPR indent "${indent} + 1")
  foreach(line IN LISTS body)
    if(line STREQUAL "|")
      set(line "")
    else()
      string(SUBSTRING "${line}" ${indent} -1 line)
    endif()
    string(APPEND text "${line}\n")
  endforeach()
  set(${out} "${text}" PARENT_SCOPE)
  set(${error} "" PARENT_SCOPE)
endfunction()

# Sets `at` to the first line (1-based) where the "\n"-terminated texts `a`
# and `b` differ, and `line_a`, `line_b` to those lines, decoded.
function(first_difference a b at line_a line_b)
  # "|" keeps blank lines from becoming empty list elements.
  string(REGEX REPLACE "([^\n]*)\n" "|\\1;" a "${a}")
  string(REGEX REPLACE "([^\n]*)\n" "|\\1;" b "${b}")
  string(REGEX REPLACE ";$" "" a "${a}")
  string(REGEX REPLACE ";$" "" b "${b}")
  list(LENGTH a na)
  list(LENGTH b nb)
  set(i 0)
  while(TRUE)
    set(x "(none)")
    set(y "(none)")
    if(i LESS na)
      list(GET a ${i} x)
    endif()
    if(i LESS nb)
      list(GET b ${i} y)
    endif()
    if(NOT x STREQUAL y OR (i GREATER_EQUAL na AND i GREATER_EQUAL nb))
      break()
    endif()
    math(EXPR i "${i} + 1")
  endwhile()
  string(REGEX REPLACE "^\\|" "" x "${x}")
  string(REGEX REPLACE "^\\|" "" y "${y}")
  decode("${x}" x)
  decode("${y}" y)
  math(EXPR i "${i} + 1")
  set(${at} ${i} PARENT_SCOPE)
  set(${line_a} "${x}" PARENT_SCOPE)
  set(${line_b} "${y}" PARENT_SCOPE)
endfunction()

set(failures "")
set(checked 0)
foreach(doc IN LISTS DOCS)
  file(RELATIVE_PATH doc_name "${SOURCE_DIR}" "${doc}")
  read_lines("${doc}" lines)
  list(FIND lines "<!-- snippets: strict -->" strict_at)
  set(state text)
  set(lineno 0)
  foreach(line IN LISTS lines)
    math(EXPR lineno "${lineno} + 1")
    if(state STREQUAL "await_fence")
      if(line MATCHES "^[ \t]*$")
        continue()
      elseif(line MATCHES "^( *)```cpp[ \t]*$")
        string(LENGTH "${CMAKE_MATCH_1}" fence_indent)
        set(block "")
        set(state quote)
        continue()
      endif()
      string(APPEND failures "${doc_name}:${snippet_line}: snippet "
             "${file}#${region} is not followed by a ```cpp block\n")
      set(state text)
    endif()
    if(state STREQUAL "text")
      if(line MATCHES "^[ \t]*<!--[ \t]*snippet:[ \t]*([^# \t]+)#([^ \t]+)[ \t]*-->[ \t]*$")
        set(file "${CMAKE_MATCH_1}")
        set(region "${CMAKE_MATCH_2}")
        set(snippet_line ${lineno})
        set(state await_fence)
      elseif(line MATCHES "^ *```(cpp|c\\+\\+)[ \t]*$")
        if(strict_at GREATER -1)
          string(APPEND failures "${doc_name}:${lineno}: ```cpp block is "
                 "not a snippet quote (the doc is strict)\n")
        endif()
        set(state other_block)
      elseif(line MATCHES "^ *```")
        set(state other_block)
      endif()
    elseif(state STREQUAL "other_block")
      if(line MATCHES "^ *```[ \t]*$")
        set(state text)
      endif()
    elseif(state STREQUAL "quote")
      if(line MATCHES "^ *```[ \t]*$")
        math(EXPR checked "${checked} + 1")
        extract_region("${file}" "${region}" expected error)
        if(error)
          string(APPEND failures "${doc_name}:${snippet_line}: ${error}\n")
        elseif(NOT block STREQUAL expected)
          first_difference("${expected}" "${block}" at source_line doc_line)
          string(APPEND failures "${doc_name}:${snippet_line}: snippet "
                 "${file}#${region} differs from its source, first in "
                 "line ${at} of the quote:\n"
                 "  source: ${source_line}\n  doc:    ${doc_line}\n")
        endif()
        set(state text)
      else()
        # Drop up to the fence's own indentation.
        string(REGEX MATCH "^ +" lead "${line}")
        string(LENGTH "${lead}" n)
        if(n GREATER fence_indent)
          set(n ${fence_indent})
        endif()
        string(SUBSTRING "${line}" ${n} -1 line)
        string(REGEX REPLACE "[ \t]+$" "" line "${line}")
        string(APPEND block "${line}\n")
      endif()
    endif()
  endforeach()
  if(state STREQUAL "quote" OR state STREQUAL "await_fence")
    string(APPEND failures "${doc_name}:${snippet_line}: snippet "
           "${file}#${region} has no complete ```cpp block\n")
  endif()
endforeach()

if(failures)
  # Plain message(): printed as is, where FATAL_ERROR would reflow the lines.
  message("${failures}")
  message(FATAL_ERROR "docs.snippets: quoted code does not match (above)")
endif()
list(LENGTH DOCS ndocs)
message(STATUS "docs.snippets: ${checked} snippets in ${ndocs} docs match")
