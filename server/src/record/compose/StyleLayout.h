#pragma once

#include <vector>

#include "record/compose/Box.h"
#include "record/compose/StreamInfo.h"
#include "record/compose/Stylesheet.h"

namespace parley::record::compose {

// Lays out a `custom` layout: the streams (in priority order) are the children of a
// `width` x `height` container, styled by the stylesheet, and placed as CSS would place empty
// elements of those sizes: absolute ones by their offsets, floats in lines along the top (a
// float that does not fit, or one that clears, starts a new line below), blocks stacked down
// the container. An element whose size is never given has none (CSS's auto for an empty
// element), so a stream that no rule sizes is not shown, as on OpenTok.
class StyleLayout {
 public:
  static std::vector<Box> arrange(const Stylesheet& sheet, const std::vector<StreamInfo>& streams,
                                  int width, int height);
};

}  // namespace parley::record::compose
