# Runs remedy-node's chaos scenario briefly and checks its report.
# -DNODE=remedy-node -DCHECK=check_chaos_report -DREPORT=out.json
# -DDURATION=20s
file(REMOVE "${REPORT}")
execute_process(
  COMMAND "${NODE}" --duration "${DURATION}" --overhead-rounds 1 --quiet
          --report "${REPORT}"
  RESULT_VARIABLE node_rc)
if(NOT node_rc EQUAL 0)
  message(FATAL_ERROR "remedy-node exited with ${node_rc}")
endif()
# The overhead goal is not asserted here: see docs/chaos-scenario.md.
execute_process(COMMAND "${CHECK}" --overhead-measured-only "${REPORT}"
                RESULT_VARIABLE check_rc)
if(NOT check_rc EQUAL 0)
  message(FATAL_ERROR "the report check failed (${check_rc})")
endif()
