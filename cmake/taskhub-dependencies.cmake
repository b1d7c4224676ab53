# SPDX-License-Identifier: MIT
# Part of taskhub.
# The packages taskhub builds on (the installed package finds its own in taskhub-config.cmake).
find_package(Threads REQUIRED)
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(Boost 1.74 REQUIRED COMPONENTS serialization)
# The journal uses HDF5's C API, built for Open MPI; CMake's HDF5 search compiles a C probe.
enable_language(C)
set(HDF5_PREFER_PARALLEL ON)
find_package(HDF5 REQUIRED COMPONENTS C)
