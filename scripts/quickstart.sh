#!/bin/sh
# SPDX-License-Identifier: MIT
# Part of taskhub.
# Sets up and builds, then renders the Mandelbrot set on 3 local ranks (a hub and 2 engines).
set -e
cd "$(dirname "$0")/.."
./scripts/setup.sh
mpirun --allow-run-as-root --oversubscribe -n 3 build/examples/taskhub-mandelbrot mandelbrot.pgm
