# SPDX-License-Identifier: MIT
# Part of taskhub.
# The one launcher of the MPI tests and examples: mpiexec with the flags Open MPI needs here.
#
# TASKHUB_MPIEXEC is that command (mpiexec and its flags, a list). TASKHUB_MPIEXEC_SCRIPT is the
# same as an executable script in the build tree, `taskhub-mpiexec [mpiexec arguments...]`, for
# test scripts that launch programs themselves: pass it to them as their MPIRUN argument.
#
# taskhub_add_mpi_test(NAME <name> RANKS <n | single>... COMMAND <target> [args...]
#                      [ENV <VAR=value>...] [EXPECT <exit> <regex> <count>] [TIMEOUT <s>]
#                      [PROPERTIES <property> <value>...])
# registers <name>.np<n> for each rank count n: <target> under mpiexec on n ranks. `single` in
# RANKS registers <name>.single: <target> run as one process, without mpiexec (its engines are
# threads; pass --taskhub-engines=N in COMMAND).
#
# taskhub_add_mpi_test(NAME <name> MPMD <n> [VAR=value...] <target> [args...] [: <n> ...] ...)
# registers <name>.np<total>: one mpiexec launching each part, <target> on <n> ranks, with the
# part's own environment variables.
#
# ENV sets variables for every rank (passed on with -x). EXPECT wraps the launch in
# tests/expect.sh: the test passes when the command exits with <exit> ("nonzero" for any failure)
# and exactly <count> lines of its output match <regex>. TIMEOUT (default 120 s) makes a deadlock
# fail; PROPERTIES are further test properties.
set(TASKHUB_MPIEXEC ${MPIEXEC_EXECUTABLE} --allow-run-as-root --oversubscribe --bind-to none)

set(TASKHUB_MPIEXEC_SCRIPT ${PROJECT_BINARY_DIR}/taskhub-mpiexec)
set(_taskhub_script "#!/bin/sh\n# mpiexec with the flags of every test (taskhub-mpi-test.cmake)\n")
string(APPEND _taskhub_script "exec")
foreach(word IN LISTS TASKHUB_MPIEXEC)
  string(REPLACE "'" "'\\''" word "${word}")
  string(APPEND _taskhub_script " '${word}'")
endforeach()
file(GENERATE OUTPUT ${TASKHUB_MPIEXEC_SCRIPT} CONTENT "${_taskhub_script} \"$@\"\n"
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                   WORLD_READ WORLD_EXECUTE)
unset(_taskhub_script)

set(TASKHUB_EXPECT ${PROJECT_SOURCE_DIR}/tests/expect.sh)

function(taskhub_add_mpi_test)
  cmake_parse_arguments(PARSE_ARGV 0 T "" "NAME;TIMEOUT" "COMMAND;MPMD;RANKS;ENV;EXPECT;PROPERTIES")
  if(NOT T_NAME OR (NOT T_COMMAND AND NOT T_MPMD) OR (T_COMMAND AND T_MPMD))
    message(FATAL_ERROR "taskhub_add_mpi_test: needs NAME and either COMMAND or MPMD")
  endif()
  if(T_COMMAND AND NOT T_RANKS)
    message(FATAL_ERROR "taskhub_add_mpi_test(${T_NAME}): COMMAND needs RANKS")
  endif()
  if(T_MPMD AND T_RANKS)
    message(FATAL_ERROR "taskhub_add_mpi_test(${T_NAME}): MPMD counts its own ranks, not RANKS")
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()

  # Variables for every rank: set around the launch, passed on to the ranks by name.
  set(env_prefix "")
  set(env_flags "")
  if(T_ENV)
    set(env_prefix ${CMAKE_COMMAND} -E env ${T_ENV})
    foreach(assignment IN LISTS T_ENV)
      string(REGEX REPLACE "=.*" "" variable "${assignment}")
      list(APPEND env_flags -x ${variable})
    endforeach()
  endif()
  set(expect_prefix "")
  if(T_EXPECT)
    list(LENGTH T_EXPECT length)
    if(NOT length EQUAL 3)
      message(FATAL_ERROR "taskhub_add_mpi_test(${T_NAME}): EXPECT <exit> <regex> <count>")
    endif()
    set(expect_prefix ${TASKHUB_EXPECT} ${T_EXPECT} --)
  endif()

  # Each run: its name suffix, its launch and the processors it takes.
  set(runs "")
  if(T_COMMAND)
    list(POP_FRONT T_COMMAND target)
    foreach(n IN LISTS T_RANKS)
      if(n STREQUAL "single")
        set(launch_single $<TARGET_FILE:${target}> ${T_COMMAND})
        list(APPEND runs single)
      else()
        set(launch_np${n} ${TASKHUB_MPIEXEC} ${MPIEXEC_NUMPROC_FLAG} ${n} ${env_flags}
            $<TARGET_FILE:${target}> ${T_COMMAND})
        set(processors_np${n} ${n})
        list(APPEND runs np${n})
      endif()
    endforeach()
  else()
    # Parts: <n> [VAR=value...] <target> [args...], separated by ":".
    set(launch ${TASKHUB_MPIEXEC})
    set(total 0)
    set(state count)
    foreach(word IN LISTS T_MPMD)
      if(word STREQUAL ":")
        if(NOT state STREQUAL "args")
          message(FATAL_ERROR "taskhub_add_mpi_test(${T_NAME}): an MPMD part without a target")
        endif()
        list(APPEND launch :)
        set(state count)
      elseif(state STREQUAL "count")
        if(NOT word MATCHES "^[0-9]+$")
          message(FATAL_ERROR "taskhub_add_mpi_test(${T_NAME}): MPMD part starts with '${word}'")
        endif()
        math(EXPR total "${total} + ${word}")
        list(APPEND launch ${MPIEXEC_NUMPROC_FLAG} ${word} ${env_flags})
        set(state target)
      elseif(state STREQUAL "target" AND word MATCHES "^[A-Za-z_][A-Za-z0-9_]*=")
        list(APPEND launch -x ${word})
      elseif(state STREQUAL "target")
        list(APPEND launch $<TARGET_FILE:${word}>)
        set(state args)
      else()
        list(APPEND launch ${word})
      endif()
    endforeach()
    if(NOT state STREQUAL "args")
      message(FATAL_ERROR "taskhub_add_mpi_test(${T_NAME}): an MPMD part without a target")
    endif()
    set(launch_np${total} ${launch})
    set(processors_np${total} ${total})
    set(runs np${total})
  endif()

  foreach(run IN LISTS runs)
    add_test(NAME ${T_NAME}.${run} COMMAND ${env_prefix} ${expect_prefix} ${launch_${run}})
    set_tests_properties(${T_NAME}.${run} PROPERTIES TIMEOUT ${T_TIMEOUT} ${T_PROPERTIES})
    if(processors_${run})
      set_tests_properties(${T_NAME}.${run} PROPERTIES PROCESSORS ${processors_${run}})
    endif()
  endforeach()
endfunction()
