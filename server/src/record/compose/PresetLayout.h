#pragma once

#include <cstddef>
#include <vector>

#include "record/compose/Box.h"
#include "record/compose/LayoutType.h"
#include "record/compose/StreamInfo.h"

namespace parley::record::compose {

// The geometry of OpenTok's predefined layouts (docs/media.md, "Composed archives"), on a
// canvas of `width` x `height`, for streams already in priority order:
// - bestFit: a grid filled row by row from the top left, 1x1, 2x1, 2x2 (3-4 streams), 3x3
//   (5-9), 4x4 (10-16); a partial last row is not centred.
// - pip: the stream classed `full` (else the first) fills the canvas; the first other one sits
//   over it at the top right, 20% of the canvas each way, 10% in from the edges.
// - verticalPresentation: the `focus` stream (else the first) takes the right 80%; the others
//   stack down the left 20% in equal cells, as many as the canvas holds (5 on landscape
//   canvases, 7 at 1920x1080, 8 on portrait ones, 10 at 1080x1920).
// - horizontalPresentation: the focus on the top 80%, the others along the bottom 20% (5 on
//   landscape canvases, 7 at 1920x1080, 3 on portrait ones).
class PresetLayout {
 public:
  static constexpr std::size_t kMaxStreams = 16;

  // `focus`: the stream that takes the big place of pip and the presentations (the screen
  // share when screenshareType chose the layout); null: the one classed `full`/`focus`, or
  // the first.
  static std::vector<Box> arrange(LayoutType type, const std::vector<StreamInfo>& streams,
                                  int width, int height, const StreamInfo* focus = nullptr);

  // How many streams beside the focus a presentation's strip holds.
  static std::size_t stripCapacity(LayoutType type, int width, int height);
};

}  // namespace parley::record::compose
