// SPDX-License-Identifier: MIT
// Part of taskhub.
// Open MPI's yield inside empty polls, off while taskhub's loops run.
#pragma once

namespace taskhub::detail {

/// When ranks outnumber cores, Open MPI yields the processor inside every poll that finds nothing.
/// taskhub's loops wait their own way (yield, then sleep on a doorbell), and MPI's extra yield in
/// every pass made a round trip here twice as slow. While taskhub's loops run, that yield is off;
/// tasks (which may block in MPI calls of their own) and code outside a run get it as Open MPI
/// chose. A value set by the user (OMPI_MCA_mpi_yield_when_idle) is left alone; other MPIs are not
/// touched.
void mpi_idle_yield_off();
void mpi_idle_yield_restore();

}  // namespace taskhub::detail
