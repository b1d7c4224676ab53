// SPDX-License-Identifier: MIT
// Part of taskhub.
// A program that starts MPI itself before taskhub::run: `mpi_first` alone is refused isolation
// with one line; `mpi_first runners` calls taskhub::start_runners first, and an isolated task
// that aborts fails alone.
#include <mpi.h>

#include <taskhub/taskhub.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
int twice(int x) {
  if (x < 0) std::abort();
  return 2 * x;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "runners") taskhub::start_runners(argc, argv);
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  const int code = taskhub::run(argc, argv, [](taskhub::hub& hub) {
    auto isolated = hub.with(taskhub::task_options().isolated());
    auto bad = isolated.apply<&twice>(-1);
    bad.wait();
    std::printf("mpi_first: %s\n", bad.failed() ? bad.error().message().c_str() : "did not fail");
    return bad.failed() && bad.error().type_name() == taskhub::failure::task_crash &&
                   isolated.apply<&twice>(21).get() == 42
               ? 0
               : 1;
  });
  MPI_Finalize();
  return code;
}
