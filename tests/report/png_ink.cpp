// SPDX-License-Identifier: MIT
// Part of taskhub.
// png_ink: what a screenshot shows, in numbers, for tests that open taskhub-report's pictures in
// a browser. Reads an 8-bit RGB or RGBA PNG without interlacing (what Chromium writes) and prints
//   WIDTH HEIGHT INKED GREEN RED
// INKED counts the pixels that are not near white; GREEN and RED those of the colours of done
// and failed tasks (#2ca02c, #d62728).
//
//   png_ink FILE.png

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::uint32_t be32(const unsigned char* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

int refuse(const std::string& what) {
  std::fprintf(stderr, "png_ink: %s\n", what.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return refuse("usage: png_ink FILE.png");
  std::ifstream in(argv[1], std::ios::binary);
  const std::vector<unsigned char> file((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  if (file.size() < 8 || file[1] != 'P' || file[2] != 'N' || file[3] != 'G')
    return refuse(std::string(argv[1]) + " is not a PNG");
  std::uint32_t width = 0, height = 0;
  int channels = 0;
  std::vector<unsigned char> packed;
  for (std::size_t at = 8; at + 12 <= file.size();) {
    const std::uint32_t length = be32(&file[at]);
    if (at + 12 + length > file.size()) return refuse("a chunk runs past the end");
    const std::string type(reinterpret_cast<const char*>(&file[at + 4]), 4);
    const unsigned char* data = &file[at + 8];
    if (type == "IHDR") {
      width = be32(data);
      height = be32(data + 4);
      if (data[8] != 8 || data[12] != 0 || (data[9] != 2 && data[9] != 6))
        return refuse("only 8-bit RGB or RGBA without interlacing");
      channels = data[9] == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      packed.insert(packed.end(), data, data + length);
    }
    at += 12 + length;
  }
  const std::size_t stride = std::size_t{width} * channels;
  std::vector<unsigned char> raw((stride + 1) * height);
  uLongf size = raw.size();
  if (channels == 0 || uncompress(raw.data(), &size, packed.data(), packed.size()) != Z_OK ||
      size != raw.size())
    return refuse("cannot inflate the image data");
  std::vector<unsigned char> image(stride * height), zero(stride, 0);
  for (std::uint32_t y = 0; y < height; ++y) {
    const unsigned char* line = &raw[y * (stride + 1) + 1];
    unsigned char* out = &image[y * stride];
    const unsigned char* up = y ? &image[(y - 1) * stride] : zero.data();
    const int filter = raw[y * (stride + 1)];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<std::size_t>(channels) ? out[i - channels] : 0;
      const int b = up[i];
      const int c = i >= static_cast<std::size_t>(channels) ? up[i - channels] : 0;
      const int predicted = filter == 1   ? a
                            : filter == 2 ? b
                            : filter == 3 ? (a + b) / 2
                            : filter == 4 ? paeth(a, b, c)
                                          : 0;
      out[i] = static_cast<unsigned char>(line[i] + predicted);
    }
  }
  std::size_t inked = 0, green = 0, red = 0;
  const auto near = [](const unsigned char* p, int r, int g, int b) {
    return std::abs(p[0] - r) < 8 && std::abs(p[1] - g) < 8 && std::abs(p[2] - b) < 8;
  };
  for (std::size_t i = 0; i < image.size(); i += channels) {
    const unsigned char* p = &image[i];
    if (p[0] < 240 || p[1] < 240 || p[2] < 240) ++inked;
    if (near(p, 0x2c, 0xa0, 0x2c)) ++green;
    if (near(p, 0xd6, 0x27, 0x28)) ++red;
  }
  std::printf("%u %u %zu %zu %zu\n", width, height, inked, green, red);
  return 0;
}
