#pragma once

#include <string>

namespace parley::record::compose {

// Where one stream goes on the canvas: its container rectangle in pixels, its stacking
// order, and how its picture fills the rectangle (letterboxed or cropped).
struct Box {
  std::string streamId;
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  int zIndex = 0;
  bool cover = false;  // object-fit: cover (else contain)

  bool operator==(const Box&) const = default;
};

}  // namespace parley::record::compose
