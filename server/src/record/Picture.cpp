#include "record/Picture.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace parley::record {

namespace {

std::uint8_t clampByte(double v) {
  return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

int even(int v) {
  return v & ~1;
}

}  // namespace

Picture::Colour Picture::fromRgb(int r, int g, int b) {
  return Colour{clampByte(16 + 0.257 * r + 0.504 * g + 0.098 * b),
                clampByte(128 - 0.148 * r - 0.291 * g + 0.439 * b),
                clampByte(128 + 0.439 * r - 0.368 * g - 0.071 * b)};
}

Picture::Picture(int width, int height, Colour fill)
    : width_((std::max(width, 2) + 1) & ~1), height_((std::max(height, 2) + 1) & ~1) {
  planes_[0].assign(static_cast<std::size_t>(width_) * height_, fill.y);
  planes_[1].assign(static_cast<std::size_t>(width_ / 2) * (height_ / 2), fill.u);
  planes_[2].assign(static_cast<std::size_t>(width_ / 2) * (height_ / 2), fill.v);
}

Picture::Picture(int width, int height) : Picture(width, height, Colour{16, 128, 128}) {}

void Picture::fillRect(int x, int y, int w, int h, Colour colour) {
  const int x0 = even(std::clamp(x, 0, width_));
  const int y0 = even(std::clamp(y, 0, height_));
  const int x1 = even(std::clamp(x + w + 1, 0, width_));
  const int y1 = even(std::clamp(y + h + 1, 0, height_));
  if (x1 <= x0 || y1 <= y0) return;
  for (int row = y0; row < y1; ++row)
    std::memset(plane(0) + row * stride(0) + x0, colour.y, x1 - x0);
  for (int row = y0 / 2; row < y1 / 2; ++row) {
    std::memset(plane(1) + row * stride(1) + x0 / 2, colour.u, (x1 - x0) / 2);
    std::memset(plane(2) + row * stride(2) + x0 / 2, colour.v, (x1 - x0) / 2);
  }
}

Picture::Colour Picture::at(int x, int y) const {
  x = std::clamp(x, 0, width_ - 1);
  y = std::clamp(y, 0, height_ - 1);
  return Colour{plane(0)[y * stride(0) + x], plane(1)[(y / 2) * stride(1) + x / 2],
                plane(2)[(y / 2) * stride(2) + x / 2]};
}

}  // namespace parley::record
