#include "record/compose/PresetLayout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::record::compose {
namespace {

std::vector<StreamInfo> cameras(std::size_t n) {
  std::vector<StreamInfo> out;
  for (std::size_t i = 0; i < n; ++i) {
    StreamInfo s;
    s.id = "s" + std::to_string(i);
    s.connectionId = "c" + std::to_string(i);
    s.addedOrder = i;
    out.push_back(s);
  }
  return out;
}

Box box(const std::string& id, int x, int y, int w, int h, int z = 0) {
  return Box{id, x, y, w, h, z, false};
}

std::vector<Box> bestFit(std::size_t n, int width = 640, int height = 480) {
  return PresetLayout::arrange(LayoutType::BestFit, cameras(n), width, height);
}

TEST(PresetLayoutTest, BestFitOneAndTwo) {
  EXPECT_EQ(bestFit(1), (std::vector<Box>{box("s0", 0, 0, 640, 480)}));
  EXPECT_EQ(bestFit(2), (std::vector<Box>{box("s0", 0, 0, 320, 480), box("s1", 320, 0, 320, 480)}));
  EXPECT_TRUE(bestFit(0).empty());
}

TEST(PresetLayoutTest, BestFitThreeAndFourOnATwoByTwoGrid) {
  EXPECT_EQ(bestFit(3), (std::vector<Box>{box("s0", 0, 0, 320, 240), box("s1", 320, 0, 320, 240),
                                          box("s2", 0, 240, 320, 240)}))
      << "the third is bottom left, the last row not centred";
  EXPECT_EQ(bestFit(4),
            (std::vector<Box>{box("s0", 0, 0, 320, 240), box("s1", 320, 0, 320, 240),
                              box("s2", 0, 240, 320, 240), box("s3", 320, 240, 320, 240)}));
}

TEST(PresetLayoutTest, BestFitFiveToNineOnAThreeByThreeGrid) {
  auto five = bestFit(5);
  ASSERT_EQ(five.size(), 5u);
  EXPECT_EQ(five[0], box("s0", 0, 0, 213, 160));
  EXPECT_EQ(five[2], box("s2", 426, 0, 214, 160));
  EXPECT_EQ(five[3], box("s3", 0, 160, 213, 160));
  EXPECT_EQ(five[4], box("s4", 213, 160, 213, 160));
  auto nine = bestFit(9);
  ASSERT_EQ(nine.size(), 9u);
  EXPECT_EQ(nine[8], box("s8", 426, 320, 214, 160));
  // The cells tile the canvas: no gap, no overlap.
  int area = 0;
  for (const auto& b : nine) area += b.width * b.height;
  EXPECT_EQ(area, 640 * 480);
}

TEST(PresetLayoutTest, BestFitTenToSixteenOnAFourByFourGrid) {
  auto ten = bestFit(10);
  ASSERT_EQ(ten.size(), 10u);
  EXPECT_EQ(ten[9], box("s9", 160, 240, 160, 120));
  auto sixteen = bestFit(16);
  ASSERT_EQ(sixteen.size(), 16u);
  EXPECT_EQ(sixteen[15], box("s15", 480, 360, 160, 120));
  auto seventeen = bestFit(17);
  ASSERT_EQ(seventeen.size(), 16u);
  for (const auto& b : seventeen) EXPECT_NE(b.streamId, "s16");
}

TEST(PresetLayoutTest, PipWithoutFullPutsTheSecondInTheTopRightCorner) {
  auto boxes = PresetLayout::arrange(LayoutType::Pip, cameras(3), 640, 480);
  ASSERT_EQ(boxes.size(), 2u) << "only two streams show";
  EXPECT_EQ(boxes[0], box("s0", 0, 0, 640, 480));
  EXPECT_EQ(boxes[1].streamId, "s1");
  EXPECT_EQ(boxes[1].x, 448);
  EXPECT_EQ(boxes[1].y, 48);
  EXPECT_EQ(boxes[1].width, 128);
  EXPECT_EQ(boxes[1].height, 96);
  EXPECT_GT(boxes[1].zIndex, boxes[0].zIndex) << "the corner is painted over the full one";
}

TEST(PresetLayoutTest, PipFullClassTakesTheCanvas) {
  auto in = cameras(3);
  in[2].classes = {"full"};
  auto boxes = PresetLayout::arrange(LayoutType::Pip, in, 640, 480);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].streamId, "s2");
  EXPECT_EQ(boxes[0].width, 640);
  EXPECT_EQ(boxes[0].height, 480);
  EXPECT_EQ(boxes[1].streamId, "s0") << "the first stream without full";
  EXPECT_EQ(boxes[1].x, 448);
  EXPECT_EQ(boxes[1].y, 48);
  auto hd = PresetLayout::arrange(LayoutType::Pip, cameras(2), 1280, 720);
  ASSERT_EQ(hd.size(), 2u);
  EXPECT_EQ(hd[1], box("s1", 896, 72, 256, 144, hd[1].zIndex));
  auto alone = PresetLayout::arrange(LayoutType::Pip, cameras(1), 640, 480);
  EXPECT_EQ(alone, (std::vector<Box>{box("s0", 0, 0, 640, 480)}));
}

TEST(PresetLayoutTest, VerticalPresentationOnLandscape) {
  auto in = cameras(7);
  in[3].classes = {"focus"};
  auto boxes = PresetLayout::arrange(LayoutType::VerticalPresentation, in, 640, 480);
  ASSERT_EQ(boxes.size(), 6u) << "the focus and five others";
  EXPECT_EQ(boxes[0], box("s3", 128, 0, 512, 480));
  const char* strip[] = {"s0", "s1", "s2", "s4", "s5"};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(boxes[i + 1], box(strip[i], 0, 96 * i, 128, 96)) << i;
  // Without a focus class, the first stream is the big one.
  auto plain = PresetLayout::arrange(LayoutType::VerticalPresentation, cameras(3), 640, 480);
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain[0], box("s0", 128, 0, 512, 480));
  EXPECT_EQ(plain[1], box("s1", 0, 0, 128, 96));
  EXPECT_EQ(plain[2], box("s2", 0, 96, 128, 96));
}

TEST(PresetLayoutTest, HorizontalPresentationOnLandscape) {
  auto in = cameras(7);
  in[1].classes = {"focus"};
  auto boxes = PresetLayout::arrange(LayoutType::HorizontalPresentation, in, 640, 480);
  ASSERT_EQ(boxes.size(), 6u);
  EXPECT_EQ(boxes[0], box("s1", 0, 0, 640, 384));
  const char* strip[] = {"s0", "s2", "s3", "s4", "s5"};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(boxes[i + 1], box(strip[i], 128 * i, 384, 128, 96)) << i;
}

TEST(PresetLayoutTest, StripCapacities) {
  using T = LayoutType;
  EXPECT_EQ(PresetLayout::stripCapacity(T::VerticalPresentation, 640, 480), 5u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::VerticalPresentation, 1280, 720), 5u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::VerticalPresentation, 1920, 1080), 7u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::VerticalPresentation, 480, 640), 8u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::VerticalPresentation, 720, 1280), 8u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::VerticalPresentation, 1080, 1920), 10u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::HorizontalPresentation, 640, 480), 5u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::HorizontalPresentation, 1280, 720), 5u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::HorizontalPresentation, 1920, 1080), 7u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::HorizontalPresentation, 480, 640), 3u);
  EXPECT_EQ(PresetLayout::stripCapacity(T::HorizontalPresentation, 1080, 1920), 3u);
}

// How many boxes a presentation shows with plenty of streams, and that they stay on the
// canvas without overlapping each other.
void checkStrip(LayoutType type, int width, int height, std::size_t expected) {
  auto boxes = PresetLayout::arrange(type, cameras(12), width, height);
  ASSERT_EQ(boxes.size(), expected + 1) << width << "x" << height;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    const Box& b = boxes[i];
    EXPECT_TRUE(b.x >= 0 && b.y >= 0 && b.x + b.width <= width && b.y + b.height <= height)
        << width << "x" << height << " box " << i;
    EXPECT_GT(b.width, 0);
    EXPECT_GT(b.height, 0);
    for (std::size_t j = 0; j < i; ++j) {
      const Box& o = boxes[j];
      const bool apart = b.x >= o.x + o.width || o.x >= b.x + b.width || b.y >= o.y + o.height ||
                         o.y >= b.y + b.height;
      EXPECT_TRUE(apart) << width << "x" << height << " boxes " << j << " and " << i;
    }
  }
}

TEST(PresetLayoutTest, PresentationsHoldTheirCapacity) {
  checkStrip(LayoutType::VerticalPresentation, 640, 480, 5);
  checkStrip(LayoutType::VerticalPresentation, 1920, 1080, 7);
  checkStrip(LayoutType::VerticalPresentation, 480, 640, 8);
  checkStrip(LayoutType::VerticalPresentation, 1080, 1920, 10);
  checkStrip(LayoutType::HorizontalPresentation, 640, 480, 5);
  checkStrip(LayoutType::HorizontalPresentation, 1920, 1080, 7);
  checkStrip(LayoutType::HorizontalPresentation, 480, 640, 3);
  checkStrip(LayoutType::HorizontalPresentation, 720, 1280, 3);
}

TEST(PresetLayoutTest, AGivenFocusTakesTheBigPlace) {
  auto in = cameras(3);
  in[0].classes = {"focus"};
  const StreamInfo share = in[2];
  auto boxes = PresetLayout::arrange(LayoutType::VerticalPresentation, in, 640, 480, &share);
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_EQ(boxes[0], box("s2", 128, 0, 512, 480));
  auto pip = PresetLayout::arrange(LayoutType::Pip, in, 640, 480, &share);
  ASSERT_EQ(pip.size(), 2u);
  EXPECT_EQ(pip[0].streamId, "s2");
  EXPECT_EQ(pip[1].streamId, "s0");
}

}  // namespace
}  // namespace parley::record::compose
