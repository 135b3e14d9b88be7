# Writes OUTPUT, a header defining XRAYD_GIT_COMMIT and XRAYD_BUILD_TYPE, only when its text changes.
# Inputs: SOURCE_DIR, OUTPUT, BUILD_TYPE. The commit is `git rev-parse --short=12 HEAD` with "-dirty"
# when the work tree has changes; outside a git checkout (a container build context) the environment
# variable XRAYD_GIT_COMMIT, else "unknown".
set(commit "unknown")
if(DEFINED ENV{XRAYD_GIT_COMMIT} AND NOT "$ENV{XRAYD_GIT_COMMIT}" STREQUAL "")
  set(commit "$ENV{XRAYD_GIT_COMMIT}")
endif()
find_program(GIT git)
if(GIT AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT} rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc ERROR_QUIET)
  if(rc EQUAL 0 AND head)
    set(commit "${head}")
    execute_process(COMMAND ${GIT} status --porcelain --untracked-files=no
                    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE changes ERROR_QUIET)
    if(changes)
      set(commit "${commit}-dirty")
    endif()
  endif()
endif()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE "unspecified")
endif()
set(text "#pragma once\n#define XRAYD_GIT_COMMIT \"${commit}\"\n#define XRAYD_BUILD_TYPE \"${BUILD_TYPE}\"\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${OUTPUT}" "${text}")
endif()
