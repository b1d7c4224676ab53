# SPDX-License-Identifier: MIT
# Part of taskhub.
# taskhub_add_mpi_test(NAME <name> COMMAND <target> [args...] RANKS <n>... [TIMEOUT <s>])
# registers <name>.np<n> for each rank count, run under mpiexec with the flags
# Open MPI needs here (root, more ranks than cores), and a timeout so a deadlock fails.
function(taskhub_add_mpi_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "COMMAND;RANKS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  list(POP_FRONT T_COMMAND target)
  foreach(n IN LISTS T_RANKS)
    add_test(NAME ${T_NAME}.np${n}
      COMMAND ${MPIEXEC_EXECUTABLE} --allow-run-as-root --oversubscribe --bind-to none
              ${MPIEXEC_NUMPROC_FLAG} ${n} $<TARGET_FILE:${target}> ${T_COMMAND})
    set_tests_properties(${T_NAME}.np${n} PROPERTIES TIMEOUT ${T_TIMEOUT} PROCESSORS ${n})
  endforeach()
endfunction()
