# SPDX-License-Identifier: MIT
# Part of taskhub.
# A Spack recipe: copy this folder into a Spack repository's packages/ folder
# (spack repo create myrepo; cp -r packaging/spack/taskhub myrepo/packages/; spack repo add
# myrepo). Spack fetches from the clone URL in TASKHUB_GIT, or builds a checkout you name:
#   spack develop --path /path/to/taskhub taskhub@main && spack install taskhub+shared
import os

from spack.package import *


class Taskhub(CMakePackage):
    """MPI-native parallel tasks for HPC clusters: a hub on rank 0 schedules load-balanced and
    direct tasks, maps and dependency graphs onto engines on the other ranks, and journals every
    task in HDF5 so a killed job resumes where it stopped."""

    git = os.environ.get("TASKHUB_GIT", "")
    homepage = git

    license("MIT")

    version("main", branch="main")

    variant("shared", default=False, description="Build the runtime as a shared library")
    variant("drivers", default=True, description="Build taskhub-farm, taskhub-report, taskhub-bench")

    depends_on("cmake@3.20:", type="build")
    depends_on("mpi")
    depends_on("boost@1.74: +serialization")
    depends_on("hdf5@1.10: +mpi")
    depends_on("googletest", type="test")

    def cmake_args(self):
        return [
            self.define_from_variant("TASKHUB_SHARED", "shared"),
            self.define_from_variant("TASKHUB_BUILD_DRIVERS", "drivers"),
            self.define("TASKHUB_BUILD_TESTS", self.run_tests),
            self.define("TASKHUB_BUILD_EXAMPLES", False),
        ]
