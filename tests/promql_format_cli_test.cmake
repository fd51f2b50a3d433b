# `vigil promql format`: prettified text on stdout and exit 0 for a valid
# expression; the positioned parse error on stderr and exit 2 otherwise.
# Run as: cmake -DVIGIL=<path to vigil> -P promql_format_cli_test.cmake

function(run_vigil)
  execute_process(COMMAND ${VIGIL} ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(rc "${rc}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

function(expect what got want)
  if(NOT "${got}" STREQUAL "${want}")
    message(FATAL_ERROR "${what}: got [${got}], want [${want}]")
  endif()
endfunction()

run_vigil(promql format
  [[kube_pod_container_status_running{container!=""} * on(pod,namespace) group_left kube_pod_security_context{privileged="true"} > 0]])
expect("good expression: exit code" "${rc}" "0")
# Longer than 100 columns: split as promtool 3.x's `promql format` splits.
expect("good expression: stdout" "${out}"
  "    kube_pod_container_status_running{container!=\"\"}
  * on (pod, namespace) group_left ()
    kube_pod_security_context{privileged=\"true\"}
>
  0\n")
expect("good expression: stderr" "${err}" "")

run_vigil(promql format "sum by(job)(rate(x{b=\"1\",a=\"2\"}[90s]))")
expect("sorted matchers: exit code" "${rc}" "0")
expect("sorted matchers: stdout" "${out}"
  "sum by (job) (rate(x{a=\"2\",b=\"1\"}[1m30s]))\n")

run_vigil(promql format "sum(rate(x[5m])")
expect("bad expression: exit code" "${rc}" "2")
expect("bad expression: stdout" "${out}" "")
if(NOT err MATCHES "^vigil: 1:[0-9]+: parse error: ")
  message(FATAL_ERROR "bad expression: stderr lacks a positioned parse "
                      "error: [${err}]")
endif()

run_vigil(promql format)
expect("missing expression: exit code" "${rc}" "2")
