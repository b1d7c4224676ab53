# SPDX-License-Identifier: MIT
# Part of taskhub.
# The packages taskhub builds on; shared by the build and by find_package(taskhub).
find_package(Threads REQUIRED)
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(Boost 1.74 REQUIRED COMPONENTS serialization)
