#pragma once

#include <cstdint>
#include <vector>

namespace parley::record {

// One decoded or composed picture in planar YUV 4:2:0 (I420): full-size luma, then
// half-size chroma planes, each row packed (stride = width of the plane). Width and height
// are even, so a chroma sample always covers whole luma pairs.
class Picture {
 public:
  struct Colour {
    std::uint8_t y = 16;
    std::uint8_t u = 128;
    std::uint8_t v = 128;
  };
  // BT.601 limited range, what decoders and H.264 encoders assume by default.
  static Colour fromRgb(int r, int g, int b);

  Picture() = default;
  // Rounded up to even sizes; filled with `fill` (black when not given).
  Picture(int width, int height, Colour fill);
  Picture(int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return width_ == 0; }

  std::uint8_t* plane(int i) { return planes_[i].data(); }
  const std::uint8_t* plane(int i) const { return planes_[i].data(); }
  int stride(int i) const { return i == 0 ? width_ : width_ / 2; }

  // Paints the rectangle (clipped to the picture; corners rounded to even) in one colour.
  void fillRect(int x, int y, int w, int h, Colour colour);
  // The colour at (x, y): luma there, chroma of its 2x2 block.
  Colour at(int x, int y) const;

 private:
  int width_ = 0;
  int height_ = 0;
  std::vector<std::uint8_t> planes_[3];
};

}  // namespace parley::record
