#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "record/compose/Box.h"
#include "record/compose/LayoutType.h"
#include "record/compose/StreamInfo.h"
#include "record/compose/Stylesheet.h"

namespace parley::record::compose {

// A composition's layout as the archive or broadcast states it (`type`, `stylesheet`,
// `screenshareType`, docs/protocol.md §3.4.2): puts the streams in OpenTok's priority order,
// keeps the first 16, and places them with the predefined geometry or the stylesheet. While a
// screen share is in the composition, a bestFit layout with a screenshareType switches to that
// layout with the share in the big place (bestFit then shows the shares alone).
class Layout {
 public:
  static constexpr std::size_t kMaxStreams = 16;

  // Null, with `error`, for an unknown type or a stylesheet that is not CSS.
  static std::optional<Layout> create(std::string_view type, std::string_view stylesheet,
                                      std::string_view screenshareType, std::string* error);
  static Layout bestFit() { return Layout(); }

  // The boxes, in painting order (lowest z-index first, then priority order).
  std::vector<Box> arrange(std::vector<StreamInfo> streams, int width, int height) const;

  LayoutType type() const { return type_; }

 private:
  LayoutType type_ = LayoutType::BestFit;
  std::optional<LayoutType> screenshareType_;
  std::optional<Stylesheet> stylesheet_;
};

}  // namespace parley::record::compose
