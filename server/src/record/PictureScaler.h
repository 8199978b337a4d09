#pragma once

#include "record/Picture.h"

struct SwsContext;

namespace parley::record {

// Scales (part of) a picture into a rectangle of another with libswscale: the composer's
// one scaler per placed stream, whose context is kept while the sizes stay the same.
// Rectangles are rounded to even coordinates (4:2:0 chroma) and clipped to the pictures.
class PictureScaler {
 public:
  struct Rect {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
  };

  PictureScaler() = default;
  ~PictureScaler();
  PictureScaler(const PictureScaler&) = delete;
  PictureScaler& operator=(const PictureScaler&) = delete;

  // Draws `from` (a part of `source`) into `to` (a part of `target`), stretched to fill it.
  // False when either rectangle is empty after rounding and clipping.
  bool scale(const Picture& source, Rect from, Picture& target, Rect to);

 private:
  SwsContext* context_ = nullptr;
};

}  // namespace parley::record
