# cmake -P script run on every build (target vigil_version_info): writes
# OUTPUT from TEMPLATE when the version, revision, branch, compiler or
# SOURCE_DATE_EPOCH changed, and leaves it untouched otherwise so that
# nothing recompiles.
# Inputs: SOURCE_DIR, TEMPLATE, OUTPUT, VIGIL_VERSION, VIGIL_COMPILER, GIT
# (empty when git is not installed).

set(VIGIL_REVISION unknown)
set(VIGIL_BRANCH unknown)
function(git_out var)
  execute_process(COMMAND ${GIT} -C ${SOURCE_DIR} ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0)
    set(${var} "${out}" PARENT_SCOPE)
  else()
    set(${var} "" PARENT_SCOPE)
  endif()
endfunction()
if(GIT)
  # Only when SOURCE_DIR is itself the top of a checkout: a tarball unpacked
  # inside some other repository must not report that repository's commit.
  git_out(top rev-parse --show-toplevel)
  file(REAL_PATH "${SOURCE_DIR}" source_real)
  if(top)
    file(REAL_PATH "${top}" top)
  endif()
  if(top STREQUAL source_real)
    git_out(rev rev-parse HEAD)
    git_out(branch rev-parse --abbrev-ref HEAD)
    if(rev)
      set(VIGIL_REVISION "${rev}")
    endif()
    if(branch)
      set(VIGIL_BRANCH "${branch}")
    endif()
  endif()
endif()

# A build without the checkout (a Docker build context leaves .git out) is
# told the revision and branch instead.
if(NOT "$ENV{VIGIL_REVISION}" STREQUAL "")
  set(VIGIL_REVISION "$ENV{VIGIL_REVISION}")
endif()
if(NOT "$ENV{VIGIL_BRANCH}" STREQUAL "")
  set(VIGIL_BRANCH "$ENV{VIGIL_BRANCH}")
endif()

# Prometheus's buildUser is user@host.
set(user "$ENV{USER}")
if(NOT user)
  set(user "$ENV{LOGNAME}")
endif()
if(NOT user)
  execute_process(COMMAND id -un OUTPUT_VARIABLE user ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
cmake_host_system_information(RESULT host QUERY HOSTNAME)
set(VIGIL_BUILD_USER "${user}@${host}")

# The values become C++ string literals.
foreach(var VIGIL_REVISION VIGIL_BRANCH VIGIL_BUILD_USER)
  string(REPLACE "\\" "\\\\" ${var} "${${var}}")
  string(REPLACE "\"" "\\\"" ${var} "${${var}}")
endforeach()

# What the build is decides whether to rewrite; who builds it and when do
# not: the date is when this combination was first built, and the user is
# who built it first, so an unchanged tree keeps its object file even when
# another user (an IDE, `sudo cmake --install`) runs the build.
# SOURCE_DATE_EPOCH is part of what the build is: it fixes the date.
file(SHA256 "${TEMPLATE}" template_hash)
set(key "${VIGIL_VERSION};${VIGIL_REVISION};${VIGIL_BRANCH};${VIGIL_COMPILER};$ENV{SOURCE_DATE_EPOCH};${template_hash}")
set(key_file "${OUTPUT}.key")
if(EXISTS "${OUTPUT}" AND EXISTS "${key_file}")
  file(READ "${key_file}" old_key)
  if(old_key STREQUAL key)
    return()
  endif()
endif()
# Honours SOURCE_DATE_EPOCH, for reproducible builds.
string(TIMESTAMP VIGIL_BUILD_DATE "%Y%m%d-%H:%M:%S" UTC)
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
file(WRITE "${key_file}" "${key}")
