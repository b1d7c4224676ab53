// SPDX-License-Identifier: MIT
// Part of taskhub.
// Renders the Mandelbrot set row by row as tasks, checks the image against a serial render, and
// writes it as a PGM file.
//
//   mpirun -n 3 taskhub-mandelbrot [output.pgm] [width] [height]

#include <taskhub/taskhub.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

namespace mandelbrot {

constexpr int max_iterations = 500;

/// One row of the image: iteration counts scaled to grey levels.
std::vector<unsigned char> render_row(int y, int width, int height) {
  std::vector<unsigned char> row(static_cast<std::size_t>(width));
  const double ci = -1.2 + 2.4 * y / height;
  for (int x = 0; x < width; ++x) {
    const double cr = -2.1 + 3.0 * x / width;
    double zr = 0, zi = 0;
    int n = 0;
    while (n < max_iterations && zr * zr + zi * zi <= 4.0) {
      const double t = zr * zr - zi * zi + cr;
      zi = 2 * zr * zi + ci;
      zr = t;
      ++n;
    }
    row[static_cast<std::size_t>(x)] = static_cast<unsigned char>(n == max_iterations ? 0 : 255 - n % 256);
  }
  return row;
}

}  // namespace mandelbrot

int main(int argc, char** argv) {
  const auto args = taskhub::arguments(argc, argv);  // without --taskhub-* flags
  const std::string path = args.size() > 1 ? args[1] : "mandelbrot.pgm";
  const int width = args.size() > 2 ? std::atoi(args[2].c_str()) : 1200;
  const int height = args.size() > 3 ? std::atoi(args[3].c_str()) : 800;
  return taskhub::run(argc, argv, [&](taskhub::hub& hub) {
    using clock = std::chrono::steady_clock;
    std::vector<int> rows(static_cast<std::size_t>(height));
    std::iota(rows.begin(), rows.end(), 0);
    const std::vector<int> widths(rows.size(), width), heights(rows.size(), height);

    const auto t0 = clock::now();
    auto image = hub.map<&mandelbrot::render_row>(rows, widths, heights).get();
    const double parallel_s = std::chrono::duration<double>(clock::now() - t0).count();

    const auto t1 = clock::now();
    std::size_t differing = 0;
    for (int y = 0; y < height; ++y)
      differing += mandelbrot::render_row(y, width, height) != image[static_cast<std::size_t>(y)];
    const double serial_s = std::chrono::duration<double>(clock::now() - t1).count();

    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "mandelbrot: cannot write %s\n", path.c_str());
      return 1;
    }
    std::fprintf(out, "P5\n%d %d\n255\n", width, height);
    for (const auto& row : image) std::fwrite(row.data(), 1, row.size(), out);
    std::fclose(out);

    std::printf("mandelbrot: %dx%d, %d rows as tasks on %zu engines in %.3f s (serial %.3f s); %s; wrote %s\n",
                width, height, height, hub.engines().size(), parallel_s, serial_s,
                differing == 0 ? "identical to the serial render" : "DIFFERS from the serial render",
                path.c_str());
    return differing == 0 ? 0 : 1;
  });
}
