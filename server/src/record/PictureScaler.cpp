#include "record/PictureScaler.h"

extern "C" {
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include <algorithm>

namespace parley::record {

namespace {

// Even corners, inside a picture of `width` x `height`; empty when nothing is left.
PictureScaler::Rect clip(PictureScaler::Rect r, int width, int height) {
  int x0 = std::clamp(r.x, 0, width) & ~1;
  int y0 = std::clamp(r.y, 0, height) & ~1;
  int x1 = std::clamp(r.x + r.width, 0, width) & ~1;
  int y1 = std::clamp(r.y + r.height, 0, height) & ~1;
  if (x1 <= x0 || y1 <= y0) return {};
  return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace

PictureScaler::~PictureScaler() {
  sws_freeContext(context_);
}

bool PictureScaler::scale(const Picture& source, Rect from, Picture& target, Rect to) {
  from = clip(from, source.width(), source.height());
  to = clip(to, target.width(), target.height());
  if (from.width == 0 || to.width == 0) return false;
  context_ =
      sws_getCachedContext(context_, from.width, from.height, AV_PIX_FMT_YUV420P, to.width,
                           to.height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (!context_) return false;
  const std::uint8_t* src[4];
  int srcStride[4] = {source.stride(0), source.stride(1), source.stride(2), 0};
  std::uint8_t* dst[4];
  int dstStride[4] = {target.stride(0), target.stride(1), target.stride(2), 0};
  for (int i = 0; i < 3; ++i) {
    const int shift = i == 0 ? 0 : 1;
    src[i] = source.plane(i) + (from.y >> shift) * source.stride(i) + (from.x >> shift);
    dst[i] = target.plane(i) + (to.y >> shift) * target.stride(i) + (to.x >> shift);
  }
  src[3] = nullptr;
  dst[3] = nullptr;
  sws_scale(context_, src, srcStride, 0, from.height, dst, dstStride);
  return true;
}

}  // namespace parley::record
