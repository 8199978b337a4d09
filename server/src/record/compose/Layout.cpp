#include "record/compose/Layout.h"

#include <algorithm>

#include "record/compose/PresetLayout.h"
#include "record/compose/StreamOrder.h"
#include "record/compose/StyleLayout.h"

namespace parley::record::compose {

std::optional<Layout> Layout::create(std::string_view type, std::string_view stylesheet,
                                     std::string_view screenshareType, std::string* error) {
  Layout layout;
  auto t = layoutTypeNamed(type);
  if (!t) {
    *error = "unknown layout type";
    return std::nullopt;
  }
  layout.type_ = *t;
  if (!screenshareType.empty()) {
    auto s = layoutTypeNamed(screenshareType);
    if (!s || *s == LayoutType::Custom || *t != LayoutType::BestFit) {
      *error =
          "screenshareType must be bestFit, pip, verticalPresentation or "
          "horizontalPresentation, with type bestFit";
      return std::nullopt;
    }
    layout.screenshareType_ = s;
  }
  if (*t == LayoutType::Custom) {
    std::string why;
    layout.stylesheet_ = Stylesheet::parse(stylesheet, &why);
    if (!layout.stylesheet_) {
      *error = "stylesheet: " + why;
      return std::nullopt;
    }
  }
  return layout;
}

std::vector<Box> Layout::arrange(std::vector<StreamInfo> streams, int width, int height) const {
  streams = StreamOrder::prioritize(std::move(streams));
  if (streams.size() > kMaxStreams) streams.resize(kMaxStreams);
  std::vector<Box> boxes;
  const auto share =
      std::find_if(streams.begin(), streams.end(), [](const StreamInfo& s) { return s.screen; });
  if (screenshareType_ && share != streams.end()) {
    if (*screenshareType_ == LayoutType::BestFit) {
      std::vector<StreamInfo> shares;
      for (const auto& s : streams)
        if (s.screen) shares.push_back(s);
      boxes = PresetLayout::arrange(LayoutType::BestFit, shares, width, height);
    } else {
      const StreamInfo focus = *share;
      boxes = PresetLayout::arrange(*screenshareType_, streams, width, height, &focus);
    }
  } else if (type_ == LayoutType::Custom && stylesheet_) {
    boxes = StyleLayout::arrange(*stylesheet_, streams, width, height);
  } else {
    boxes = PresetLayout::arrange(type_, streams, width, height);
  }
  std::stable_sort(boxes.begin(), boxes.end(),
                   [](const Box& a, const Box& b) { return a.zIndex < b.zIndex; });
  return boxes;
}

}  // namespace parley::record::compose
