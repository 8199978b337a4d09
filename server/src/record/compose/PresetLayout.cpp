#include "record/compose/PresetLayout.h"

#include <algorithm>
#include <string>

namespace parley::record::compose {

namespace {

bool hasClass(const StreamInfo& s, const std::string& name) {
  return std::find(s.classes.begin(), s.classes.end(), name) != s.classes.end();
}

std::vector<Box> bestFit(const std::vector<StreamInfo>& streams, int width, int height) {
  const std::size_t n = std::min(streams.size(), PresetLayout::kMaxStreams);
  std::vector<Box> boxes;
  if (n == 0) return boxes;
  int columns = 1;
  int rows = 1;
  if (n == 2) {
    columns = 2;
  } else if (n > 2) {
    columns = n <= 4 ? 2 : n <= 9 ? 3 : 4;
    rows = columns;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i) % columns;
    const int r = static_cast<int>(i) / columns;
    Box b;
    b.streamId = streams[i].id;
    b.x = width * c / columns;
    b.y = height * r / rows;
    b.width = width * (c + 1) / columns - b.x;
    b.height = height * (r + 1) / rows - b.y;
    boxes.push_back(b);
  }
  return boxes;
}

}  // namespace

std::size_t PresetLayout::stripCapacity(LayoutType type, int width, int height) {
  const bool portrait = height > width;
  const bool fullHd = std::max(width, height) >= 1920;
  if (type == LayoutType::VerticalPresentation)
    return portrait ? (fullHd ? 10 : 8) : (fullHd ? 7 : 5);
  return portrait ? 3 : (fullHd ? 7 : 5);
}

std::vector<Box> PresetLayout::arrange(LayoutType type, const std::vector<StreamInfo>& streams,
                                       int width, int height, const StreamInfo* focus) {
  if (type == LayoutType::BestFit || type == LayoutType::Custom || streams.empty())
    return bestFit(streams, width, height);
  const std::string bigClass = type == LayoutType::Pip ? "full" : "focus";
  if (!focus)
    for (const auto& s : streams)
      if (hasClass(s, bigClass)) {
        focus = &s;
        break;
      }
  if (!focus) focus = &streams.front();
  std::vector<const StreamInfo*> others;
  for (const auto& s : streams)
    if (s.id != focus->id) others.push_back(&s);

  std::vector<Box> boxes;
  Box big;
  big.streamId = focus->id;
  if (type == LayoutType::Pip) {
    big.width = width;
    big.height = height;
    boxes.push_back(big);
    if (!others.empty()) {
      Box small;
      small.streamId = others.front()->id;
      small.width = width / 5;
      small.height = height / 5;
      small.x = width - width / 10 - small.width;
      small.y = height / 10;
      small.zIndex = 1;
      boxes.push_back(small);
    }
    return boxes;
  }
  const std::size_t capacity = stripCapacity(type, width, height);
  const std::size_t shown = std::min(others.size(), capacity);
  const bool vertical = type == LayoutType::VerticalPresentation;
  const int stripThickness = vertical ? width / 5 : height / 5;
  if (vertical) {
    big.x = stripThickness;
    big.width = width - stripThickness;
    big.height = height;
  } else {
    big.width = width;
    big.height = height - stripThickness;
  }
  boxes.push_back(big);
  const int length = vertical ? height : width;
  for (std::size_t i = 0; i < shown; ++i) {
    Box b;
    b.streamId = others[i]->id;
    const int from = length * static_cast<int>(i) / static_cast<int>(capacity);
    const int to = length * static_cast<int>(i + 1) / static_cast<int>(capacity);
    if (vertical) {
      b.y = from;
      b.width = stripThickness;
      b.height = to - from;
    } else {
      b.x = from;
      b.y = height - stripThickness;
      b.width = to - from;
      b.height = stripThickness;
    }
    boxes.push_back(b);
  }
  return boxes;
}

}  // namespace parley::record::compose
