#include "record/compose/Layout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::record::compose {
namespace {

StreamInfo stream(const std::string& id, const std::string& connection, std::uint64_t added,
                  bool screen = false, std::vector<std::string> classes = {}) {
  StreamInfo s;
  s.id = id;
  s.connectionId = connection;
  s.addedOrder = added;
  s.screen = screen;
  s.classes = std::move(classes);
  return s;
}

Layout make(const std::string& type, const std::string& css = "",
            const std::string& screenshareType = "") {
  std::string error;
  auto layout = Layout::create(type, css, screenshareType, &error);
  EXPECT_TRUE(layout) << error;
  return layout ? *layout : Layout::bestFit();
}

const Box* find(const std::vector<Box>& boxes, const std::string& id) {
  for (const auto& b : boxes)
    if (b.streamId == id) return &b;
  return nullptr;
}

TEST(LayoutTest, CreateRefusesBadLayouts) {
  struct Case {
    const char* type;
    const char* css;
    const char* screenshareType;
  };
  for (const Case& c :
       {Case{"grid", "", ""}, Case{"Pip", "", ""}, Case{"pip", "", "bestFit"},
        Case{"custom", "stream { width: 1px }", "pip"}, Case{"bestFit", "", "custom"},
        Case{"bestFit", "", "sideBySide"}, Case{"custom", "stream { width: 1px", ""},
        Case{"custom", "stream { a { } }", ""}}) {
    std::string error;
    EXPECT_FALSE(Layout::create(c.type, c.css, c.screenshareType, &error))
        << c.type << " / " << c.css << " / " << c.screenshareType;
    EXPECT_FALSE(error.empty()) << c.type;
  }
}

TEST(LayoutTest, CreateAcceptsTheDocumentedLayouts) {
  for (const char* type : {"bestFit", "pip", "verticalPresentation", "horizontalPresentation"}) {
    std::string error;
    auto layout = Layout::create(type, "", "", &error);
    EXPECT_TRUE(layout) << type << ": " << error;
  }
  for (const char* share : {"bestFit", "pip", "verticalPresentation", "horizontalPresentation"}) {
    std::string error;
    EXPECT_TRUE(Layout::create("bestFit", "", share, &error)) << share << ": " << error;
  }
  std::string error;
  auto custom = Layout::create("custom", "stream.a { width: 10px }", "", &error);
  ASSERT_TRUE(custom) << error;
  EXPECT_EQ(custom->type(), LayoutType::Custom);
  auto fallback = Layout::create("", "", "", &error);
  ASSERT_TRUE(fallback) << error;
  EXPECT_EQ(fallback->type(), LayoutType::BestFit) << "no type means bestFit";
}

TEST(LayoutTest, BestFitShowsTheFirstSixteenByPriority) {
  std::vector<StreamInfo> in;
  // Given newest first: the order of the grid is by priority, not by the caller's order.
  for (int i = 16; i >= 0; --i)
    in.push_back(stream("s" + std::to_string(i), "c" + std::to_string(i), i));
  auto boxes = Layout::bestFit().arrange(in, 640, 480);
  ASSERT_EQ(boxes.size(), 16u);
  EXPECT_EQ(boxes[0].streamId, "s0");
  EXPECT_EQ(boxes[0].x, 0);
  EXPECT_EQ(boxes[0].y, 0);
  EXPECT_EQ(boxes[15].streamId, "s15");
  EXPECT_FALSE(find(boxes, "s16")) << "the latest added drops out";
  // A class lifts a stream into the grid.
  in.front().classes = {"vip"};  // s16
  auto lifted = Layout::bestFit().arrange(in, 640, 480);
  ASSERT_EQ(lifted.size(), 16u);
  EXPECT_EQ(lifted[0].streamId, "s16");
  EXPECT_FALSE(find(lifted, "s15"));
}

TEST(LayoutTest, PipWithTheFullClass) {
  std::vector<StreamInfo> in = {stream("a", "ca", 1), stream("b", "cb", 2, false, {"full"}),
                                stream("c", "cc", 3)};
  auto boxes = make("pip").arrange(in, 640, 480);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0], (Box{"b", 0, 0, 640, 480, boxes[0].zIndex, false}));
  EXPECT_EQ(boxes[1].streamId, "a");
  EXPECT_EQ(boxes[1].x, 448);
  EXPECT_EQ(boxes[1].y, 48);
  EXPECT_EQ(boxes[1].width, 128);
  EXPECT_EQ(boxes[1].height, 96);
}

TEST(LayoutTest, PresentationsWithFocus) {
  std::vector<StreamInfo> in = {stream("a", "ca", 1), stream("b", "cb", 2),
                                stream("c", "cc", 3, false, {"focus"})};
  auto vertical = make("verticalPresentation").arrange(in, 640, 480);
  ASSERT_EQ(vertical.size(), 3u);
  EXPECT_EQ(*find(vertical, "c"), (Box{"c", 128, 0, 512, 480, 0, false}));
  EXPECT_EQ(*find(vertical, "a"), (Box{"a", 0, 0, 128, 96, 0, false}));
  EXPECT_EQ(*find(vertical, "b"), (Box{"b", 0, 96, 128, 96, 0, false}));
  auto horizontal = make("horizontalPresentation").arrange(in, 640, 480);
  ASSERT_EQ(horizontal.size(), 3u);
  EXPECT_EQ(*find(horizontal, "c"), (Box{"c", 0, 0, 640, 384, 0, false}));
  EXPECT_EQ(*find(horizontal, "a"), (Box{"a", 0, 384, 128, 96, 0, false}));
  EXPECT_EQ(*find(horizontal, "b"), (Box{"b", 128, 384, 128, 96, 0, false}));
}

TEST(LayoutTest, ScreenshareTypeBestFitShowsOnlyTheShares) {
  const Layout layout = make("bestFit", "", "bestFit");
  std::vector<StreamInfo> in = {stream("a", "ca", 1), stream("b", "cb", 2), stream("c", "cc", 3)};
  auto before = layout.arrange(in, 640, 480);
  EXPECT_EQ(before.size(), 3u) << "no share: plain best fit";
  in.push_back(stream("share", "cb", 4, true));
  auto one = layout.arrange(in, 640, 480);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], (Box{"share", 0, 0, 640, 480, 0, false}));
  in.push_back(stream("share2", "cc", 5, true));
  auto two = layout.arrange(in, 640, 480);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0], (Box{"share", 0, 0, 320, 480, 0, false}));
  EXPECT_EQ(two[1], (Box{"share2", 320, 0, 320, 480, 0, false}));
}

TEST(LayoutTest, ScreenshareTypePipPutsTheShareFullAndTheSharersCameraInTheCorner) {
  const Layout layout = make("bestFit", "", "pip");
  std::vector<StreamInfo> in = {stream("a", "ca", 1), stream("b", "cb", 2),
                                stream("share", "cb", 3, true)};
  auto boxes = layout.arrange(in, 640, 480);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].streamId, "share");
  EXPECT_EQ(boxes[0].width, 640);
  EXPECT_EQ(boxes[1].streamId, "b") << "the sharer's own camera ranks next";
  EXPECT_EQ(boxes[1].x, 448);
  // A stream with a layout class outranks the sharer's camera, even one classed full: the
  // share keeps the full place.
  in[0].classes = {"full"};
  auto classed = layout.arrange(in, 640, 480);
  ASSERT_EQ(classed.size(), 2u);
  EXPECT_EQ(classed[0].streamId, "share");
  EXPECT_EQ(classed[0].width, 640);
  EXPECT_EQ(classed[1].streamId, "a");
}

TEST(LayoutTest, ScreenshareTypePresentationsPutTheShareInFocus) {
  std::vector<StreamInfo> in = {stream("a", "ca", 1, false, {"focus"}), stream("b", "cb", 2),
                                stream("share", "cb", 3, true)};
  auto vertical = make("bestFit", "", "verticalPresentation").arrange(in, 640, 480);
  ASSERT_EQ(vertical.size(), 3u);
  EXPECT_EQ(*find(vertical, "share"), (Box{"share", 128, 0, 512, 480, 0, false}));
  EXPECT_EQ(find(vertical, "a")->width, 128) << "the focus class gives way to the share";
  auto horizontal = make("bestFit", "", "horizontalPresentation").arrange(in, 640, 480);
  ASSERT_EQ(horizontal.size(), 3u);
  EXPECT_EQ(*find(horizontal, "share"), (Box{"share", 0, 0, 640, 384, 0, false}));
  // When the share ends, the layout is best fit again.
  in.pop_back();
  auto after = make("bestFit", "", "verticalPresentation").arrange(in, 640, 480);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0], (Box{"a", 0, 0, 320, 480, 0, false}));
}

TEST(LayoutTest, CustomBoxesComeInPaintingOrder) {
  const Layout layout = make("custom",
                             "stream { position: absolute; width: 50%; height: 50%; } "
                             ".top { z-index: 5 } .bottom { z-index: 1 }");
  std::vector<StreamInfo> in = {stream("t", "ct", 1, false, {"top"}),
                                stream("m", "cm", 2, false, {"middle"}),
                                stream("b", "cb", 3, false, {"bottom"})};
  auto boxes = layout.arrange(in, 640, 480);
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_EQ(boxes[0].streamId, "m") << "z-index 0 first";
  EXPECT_EQ(boxes[1].streamId, "b");
  EXPECT_EQ(boxes[2].streamId, "t") << "the highest z-index is painted last";
  // pip: the corner is painted after the full stream.
  auto pip = make("pip").arrange({stream("x", "cx", 1), stream("y", "cy", 2)}, 640, 480);
  ASSERT_EQ(pip.size(), 2u);
  EXPECT_EQ(pip[1].streamId, "y");
  EXPECT_EQ(pip[1].width, 128);
}

TEST(LayoutTest, CustomLayoutPlacesByClassAndHidesUnclassedStreams) {
  const Layout layout = make("custom",
                             ".main { position: absolute; width: 100%; height: 100%; z-index: 1 } "
                             ".corner { position: absolute; left: 10%; bottom: 10%; width: 20%; "
                             "height: 20%; z-index: 2 }");
  std::vector<StreamInfo> in = {stream("plain", "c1", 1), stream("m", "c2", 2, false, {"main"}),
                                stream("k", "c3", 3, false, {"corner"})};
  auto boxes = layout.arrange(in, 640, 480);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0], (Box{"m", 0, 0, 640, 480, 1, false}));
  EXPECT_EQ(boxes[1], (Box{"k", 64, 336, 128, 96, 2, false}));
}

TEST(LayoutTest, CustomSelectorsSeeThePriorityOrder) {
  // The classed stream comes first in the virtual DOM even though it joined last.
  const Layout layout = make("custom",
                             "stream { float: left; width: 100px; height: 100px } "
                             "stream:first-child { width: 200px }");
  std::vector<StreamInfo> in = {stream("old", "c1", 1), stream("new", "c2", 2, false, {"x"})};
  auto boxes = layout.arrange(in, 640, 480);
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(*find(boxes, "new"), (Box{"new", 0, 0, 200, 100, 0, false}));
  EXPECT_EQ(*find(boxes, "old"), (Box{"old", 200, 0, 100, 100, 0, false}));
}

}  // namespace
}  // namespace parley::record::compose
