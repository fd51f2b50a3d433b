# Installs vigil into a fresh prefix, then configures, builds and runs
# examples/embed against it exactly as an outside project would.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
if(NOT EXISTS ${prefix}/include/vigil/labels.h)
  message(FATAL_ERROR "headers not installed")
endif()
file(GLOB_RECURSE leaked ${prefix}/include/*.cc ${prefix}/include/lib/*)
if(leaked)
  message(FATAL_ERROR "private sources leaked into the install: ${leaked}")
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${WORK_DIR}/build -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/embed)
message(STATUS "embed printed:\n${last_output}")
if(NOT last_output MATCHES "PodPrivilegedMode would fire for 1 container")
  message(FATAL_ERROR "embed example did not report the alert expression")
endif()
