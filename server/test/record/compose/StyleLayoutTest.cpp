#include "record/compose/StyleLayout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::record::compose {
namespace {

std::vector<StreamInfo> streams(const std::vector<std::vector<std::string>>& classes) {
  std::vector<StreamInfo> out;
  for (std::size_t i = 0; i < classes.size(); ++i) {
    StreamInfo s;
    s.id = "s" + std::to_string(i);
    s.connectionId = "c" + std::to_string(i);
    s.classes = classes[i];
    s.addedOrder = i;
    out.push_back(s);
  }
  return out;
}

std::vector<Box> arrange(const std::string& css, const std::vector<StreamInfo>& in, int width = 640,
                         int height = 480) {
  std::string error;
  auto sheet = Stylesheet::parse(css, &error);
  EXPECT_TRUE(sheet) << error;
  if (!sheet) return {};
  return StyleLayout::arrange(*sheet, in, width, height);
}

Box box(const std::string& id, int x, int y, int w, int h, int z = 0, bool cover = false) {
  return Box{id, x, y, w, h, z, cover};
}

const Box* find(const std::vector<Box>& boxes, const std::string& id) {
  for (const auto& b : boxes)
    if (b.streamId == id) return &b;
  return nullptr;
}

// The pip equivalent of docs/media.md ("Custom layouts"): the full stream covers the canvas,
// the other one sits 10% in from the top right, 20% of the canvas each way.
TEST(StyleLayoutTest, PipEquivalent) {
  const std::string css =
      "stream.full { position: absolute; top: 0; right: 0; width: 100%; height: 100%; "
      "z-index: 100; } "
      "stream { float: left; position: absolute; right: 10%; top: 10%; width: 20%; height: 20%; "
      "z-index: 200; }";
  auto boxes = arrange(css, streams({{"full"}, {}}));
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0], box("s0", 0, 0, 640, 480, 100));
  EXPECT_EQ(boxes[1], box("s1", 448, 48, 128, 96, 200));
}

TEST(StyleLayoutTest, VerticalPresentationEquivalentStacksAColumnOnTheLeft) {
  const std::string css =
      "stream { float: left; clear: left; left: 0; width: 20%; height: 20%; } "
      "stream.focus { position: absolute; top: 0; left: 20%; margin: 0; width: 80%; "
      "height: 100%; }";
  auto boxes = arrange(css, streams({{"focus"}, {}, {}, {}, {}, {}, {}}));
  ASSERT_EQ(boxes.size(), 6u) << "five fit in the column, the sixth falls off the canvas";
  EXPECT_EQ(boxes[0], box("s0", 128, 0, 512, 480));
  for (int i = 1; i <= 5; ++i)
    EXPECT_EQ(boxes[i], box("s" + std::to_string(i), 0, 96 * (i - 1), 128, 96)) << i;
  EXPECT_FALSE(find(boxes, "s6"));
}

TEST(StyleLayoutTest, HorizontalPresentationEquivalentPutsARowAtTheBottom) {
  // margin-top: 60% resolves against the width: 384 px on 640x480.
  const std::string css =
      "stream { float: left; width: 20%; height: 20%; margin-top: 60%; } "
      "stream.focus { position: absolute; top: 0; left: 0; margin-top: 0; width: 100%; "
      "height: 80%; }";
  auto boxes = arrange(css, streams({{"focus"}, {}, {}, {}, {}, {}, {}}));
  ASSERT_EQ(boxes.size(), 6u) << "five fit in the row, the sixth wraps off the canvas";
  EXPECT_EQ(boxes[0], box("s0", 0, 0, 640, 384));
  for (int i = 1; i <= 5; ++i)
    EXPECT_EQ(boxes[i], box("s" + std::to_string(i), 128 * (i - 1), 384, 128, 96)) << i;
}

const char* kBestFitCss =
    "stream { float: left; } "
    "stream:first-child:nth-last-child(1) { width: 100%; height: 100%; } "
    "stream:first-child:nth-last-child(2), stream:first-child:nth-last-child(2) ~ stream "
    "{ width: 50%; height: 100%; } "
    "stream:first-child:nth-last-child(3), stream:first-child:nth-last-child(3) ~ stream, "
    "stream:first-child:nth-last-child(4), stream:first-child:nth-last-child(4) ~ stream "
    "{ width: 50%; height: 50%; } "
    "stream:first-child:nth-last-child(5), stream:first-child:nth-last-child(5) ~ stream, "
    "stream:first-child:nth-last-child(6), stream:first-child:nth-last-child(6) ~ stream, "
    "stream:first-child:nth-last-child(7), stream:first-child:nth-last-child(7) ~ stream, "
    "stream:first-child:nth-last-child(8), stream:first-child:nth-last-child(8) ~ stream, "
    "stream:first-child:nth-last-child(9), stream:first-child:nth-last-child(9) ~ stream "
    "{ width: 33.33%; height: 33.33%; }";

TEST(StyleLayoutTest, BestFitEquivalentFloatGrid) {
  auto one = arrange(kBestFitCss, streams({{}}));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], box("s0", 0, 0, 640, 480));

  auto two = arrange(kBestFitCss, streams({{}, {}}));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0], box("s0", 0, 0, 320, 480));
  EXPECT_EQ(two[1], box("s1", 320, 0, 320, 480));

  auto three = arrange(kBestFitCss, streams({{}, {}, {}}));
  ASSERT_EQ(three.size(), 3u);
  EXPECT_EQ(three[2], box("s2", 0, 240, 320, 240)) << "the third goes bottom left";

  auto four = arrange(kBestFitCss, streams({{}, {}, {}, {}}));
  ASSERT_EQ(four.size(), 4u);
  EXPECT_EQ(four[1], box("s1", 320, 0, 320, 240));
  EXPECT_EQ(four[3], box("s3", 320, 240, 320, 240));

  auto five = arrange(kBestFitCss, streams({{}, {}, {}, {}, {}}));
  ASSERT_EQ(five.size(), 5u);
  const int xs[] = {0, 213, 427, 0, 213};
  const int ys[] = {0, 0, 0, 160, 160};
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(five[i].x, xs[i], 1) << i;
    EXPECT_NEAR(five[i].y, ys[i], 1) << i;
    EXPECT_NEAR(five[i].width, 213, 1) << i;
    EXPECT_NEAR(five[i].height, 160, 1) << i;
  }
}

TEST(StyleLayoutTest, DocumentedExamples) {
  const std::string css =
      ".main { position: absolute; width: 100%; height: 100%; z-index: 100; } "
      ".lower-left { position: absolute; left: 10%; bottom: 10%; width: 20%; height: 20%; "
      "z-index: 200; }";
  auto boxes = arrange(css, streams({{"main"}, {"lower-left"}}));
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0], box("s0", 0, 0, 640, 480, 100));
  EXPECT_EQ(boxes[1], box("s1", 64, 336, 128, 96, 200));

  auto instructor = arrange("stream.instructor { position: absolute; width: 100%; height: 50%; }",
                            streams({{"instructor"}}));
  ASSERT_EQ(instructor.size(), 1u);
  EXPECT_EQ(instructor[0], box("s0", 0, 0, 640, 240));
}

TEST(StyleLayoutTest, AbsoluteFromTheRightAndBottom) {
  auto boxes = arrange(
      "stream { position: absolute; right: 10px; bottom: 20px; width: 100px; height: 50px }",
      streams({{}}));
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0], box("s0", 530, 410, 100, 50));
  // Left and right without a width stretch between them.
  auto stretched = arrange(
      "stream { position: absolute; left: 10%; right: 10%; top: 0; bottom: 50% }", streams({{}}));
  ASSERT_EQ(stretched.size(), 1u);
  EXPECT_EQ(stretched[0], box("s0", 64, 0, 512, 240));
}

TEST(StyleLayoutTest, AStreamNoRuleSizesIsNotShown) {
  const std::string css = ".main { position: absolute; width: 100%; height: 100%; }";
  auto boxes = arrange(css, streams({{"main"}, {}, {"other"}}));
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0].streamId, "s0");
  EXPECT_TRUE(arrange("", streams({{}, {}})).empty());
}

TEST(StyleLayoutTest, ObjectFitCoverAndZIndexReachTheBox) {
  auto boxes = arrange(
      "stream { position: absolute; width: 50%; height: 50%; } "
      ".a { object-fit: cover; z-index: 7 } .b { object-fit: contain }",
      streams({{"a"}, {"b"}, {}}));
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_TRUE(boxes[0].cover);
  EXPECT_EQ(boxes[0].zIndex, 7);
  EXPECT_FALSE(boxes[1].cover);
  EXPECT_EQ(boxes[1].zIndex, 0);
  EXPECT_FALSE(boxes[2].cover) << "contain is the default";
}

TEST(StyleLayoutTest, FloatsWrapWhenTheLineIsFull) {
  auto boxes =
      arrange("stream { float: left; width: 300px; height: 100px }", streams({{}, {}, {}}));
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_EQ(boxes[0], box("s0", 0, 0, 300, 100));
  EXPECT_EQ(boxes[1], box("s1", 300, 0, 300, 100));
  EXPECT_EQ(boxes[2], box("s2", 0, 100, 300, 100));
  auto right = arrange("stream { float: right; width: 100px; height: 100px }", streams({{}, {}}));
  ASSERT_EQ(right.size(), 2u);
  EXPECT_EQ(right[0], box("s0", 540, 0, 100, 100));
  EXPECT_EQ(right[1], box("s1", 440, 0, 100, 100));
}

TEST(StyleLayoutTest, RelativeOffsetsDisplayNoneAndSizeBounds) {
  auto boxes = arrange(
      "stream { position: relative; top: 10px; left: 20px; width: 100px; height: 50px } "
      ".hidden { display: none } "
      ".bounded { width: 90%; max-width: 200px; height: 1px; min-height: 30px }",
      streams({{}, {"hidden"}, {"bounded"}}));
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0], box("s0", 20, 10, 100, 50)) << "shifted from its place in the flow";
  EXPECT_EQ(boxes[1], box("s2", 20, 60, 200, 30)) << "stacked below the first block";
}

TEST(StyleLayoutTest, WorksOnOtherCanvasSizes) {
  const std::string css =
      "stream.full { position: absolute; top: 0; right: 0; width: 100%; height: 100%; } "
      "stream { position: absolute; right: 10%; top: 10%; width: 20%; height: 20%; }";
  auto boxes = arrange(css, streams({{"full"}, {}}), 1280, 720);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0], box("s0", 0, 0, 1280, 720));
  EXPECT_EQ(boxes[1], box("s1", 896, 72, 256, 144));
}

}  // namespace
}  // namespace parley::record::compose
