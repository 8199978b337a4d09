#include "record/compose/StyleLayout.h"

#include <algorithm>
#include <cmath>

namespace parley::record::compose {

namespace {

using Length = Stylesheet::Length;

double resolved(const std::optional<Length>& l, double base, double fallback) {
  return l && !l->automatic ? l->resolve(base) : fallback;
}

bool given(const std::optional<Length>& l) {
  return l && !l->automatic;
}

}  // namespace

std::vector<Box> StyleLayout::arrange(const Stylesheet& sheet,
                                      const std::vector<StreamInfo>& streams, int width,
                                      int height) {
  const double W = width;
  const double H = height;
  // Float lines: the top of the current one, how far left and right floats reach in it, and
  // its bottom. Blocks in the normal flow stack from flowY.
  double lineTop = 0;
  double lineBottom = 0;
  double leftEdge = 0;
  double rightEdge = W;
  double flowY = 0;
  std::vector<Box> boxes;
  auto classesAt = [&](std::size_t i) -> const std::vector<std::string>& {
    return streams[i].classes;
  };
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const Stylesheet::Style s = sheet.styleOf(i, streams.size(), classesAt);
    if (s.display == Stylesheet::Display::None) continue;
    const auto position = s.position.value_or(Stylesheet::Position::Static);
    const bool absolute = position == Stylesheet::Position::Absolute;
    const auto floating =
        absolute ? Stylesheet::Float::None : s.floating.value_or(Stylesheet::Float::None);
    const bool inlineBox = s.display == Stylesheet::Display::Inline;
    // CSS resolves percentage margins against the container's width, also vertical ones.
    const double ml = resolved(s.marginLeft, W, 0);
    const double mr = resolved(s.marginRight, W, 0);
    const double mt = resolved(s.marginTop, W, 0);
    const double mb = resolved(s.marginBottom, W, 0);
    const double left = resolved(s.left, W, 0);
    const double right = resolved(s.right, W, 0);
    const double top = resolved(s.top, H, 0);
    const double bottom = resolved(s.bottom, H, 0);

    double w = 0;
    if (given(s.width))
      w = s.width->resolve(W);
    else if (absolute && given(s.left) && given(s.right))
      w = W - left - right - ml - mr;
    else if (!absolute && floating == Stylesheet::Float::None && !inlineBox)
      w = W - ml - mr;  // a block fills its line
    double h = 0;
    if (given(s.height))
      h = s.height->resolve(H);
    else if (absolute && given(s.top) && given(s.bottom))
      h = H - top - bottom - mt - mb;
    if (given(s.maxWidth)) w = std::min(w, s.maxWidth->resolve(W));
    if (given(s.minWidth)) w = std::max(w, s.minWidth->resolve(W));
    if (given(s.maxHeight)) h = std::min(h, s.maxHeight->resolve(H));
    if (given(s.minHeight)) h = std::max(h, s.minHeight->resolve(H));
    w = std::max(0.0, w);
    h = std::max(0.0, h);

    double x = 0;
    double y = 0;
    if (absolute) {
      x = given(s.left) ? left + ml : given(s.right) ? W - right - mr - w : ml;
      y = given(s.top) ? top + mt : given(s.bottom) ? H - bottom - mb - h : flowY + mt;
    } else if (floating != Stylesheet::Float::None || inlineBox) {
      const bool toRight = floating == Stylesheet::Float::Right;
      const double outerW = w + ml + mr;
      const double outerH = h + mt + mb;
      const auto clear = s.clear.value_or(Stylesheet::Clear{});
      const bool cleared = toRight ? clear.right : clear.left;
      const bool lineUsed = leftEdge > 0 || rightEdge < W;
      if ((cleared && lineBottom > lineTop) || (lineUsed && leftEdge + outerW > rightEdge + 0.5)) {
        lineTop = std::max(lineBottom, lineTop);
        leftEdge = 0;
        rightEdge = W;
      }
      if (lineTop < flowY) lineTop = flowY;
      if (toRight) {
        x = rightEdge - mr - w;
        rightEdge -= outerW;
      } else {
        x = leftEdge + ml;
        leftEdge += outerW;
      }
      y = lineTop + mt;
      lineBottom = std::max(lineBottom, lineTop + outerH);
    } else {
      x = ml;
      y = flowY + mt;
      flowY = y + h + mb;
    }
    if (position == Stylesheet::Position::Relative) {
      x += given(s.left) ? left : given(s.right) ? -right : 0;
      y += given(s.top) ? top : given(s.bottom) ? -bottom : 0;
    }
    Box b;
    b.streamId = streams[i].id;
    b.x = static_cast<int>(std::lround(x));
    b.y = static_cast<int>(std::lround(y));
    b.width = static_cast<int>(std::lround(x + w)) - b.x;
    b.height = static_cast<int>(std::lround(y + h)) - b.y;
    b.zIndex = s.zIndex.value_or(0);
    b.cover = s.cover.value_or(false);
    const bool visible = b.width > 0 && b.height > 0 && b.x < width && b.y < height &&
                         b.x + b.width > 0 && b.y + b.height > 0;
    if (visible) boxes.push_back(b);
  }
  return boxes;
}

}  // namespace parley::record::compose
