#include "record/compose/StreamOrder.h"

#include <gtest/gtest.h>

#include <algorithm>
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

std::vector<std::string> ids(const std::vector<StreamInfo>& streams) {
  std::vector<std::string> out;
  for (const auto& s : streams) out.push_back(s.id);
  return out;
}

using Ids = std::vector<std::string>;

TEST(StreamOrderTest, WithoutClassesOrShares_ByTimeAdded) {
  auto order =
      StreamOrder::prioritize({stream("c", "3", 30), stream("a", "1", 10), stream("b", "2", 20)});
  EXPECT_EQ(ids(order), (Ids{"a", "b", "c"}));
  EXPECT_TRUE(StreamOrder::prioritize({}).empty());
}

TEST(StreamOrderTest, ClassedStreamsComeBeforeUnclassedOnes) {
  auto order = StreamOrder::prioritize(
      {stream("early", "1", 1), stream("late", "2", 9, false, {"x"}), stream("mid", "3", 5)});
  EXPECT_EQ(ids(order), (Ids{"late", "early", "mid"}));
}

TEST(StreamOrderTest, UpperTier_SharesThenSharersThenTime) {
  auto order = StreamOrder::prioritize({
      stream("other", "o", 1, false, {"x"}),
      stream("sharerCam", "s", 2, false, {"x"}),
      stream("share", "s", 3, true, {"x"}),
      stream("other2", "p", 0, false, {"x"}),
  });
  EXPECT_EQ(ids(order), (Ids{"share", "sharerCam", "other2", "other"}));
}

TEST(StreamOrderTest, LowerTier_SharesThenSharersThenClassedPublishersThenTime) {
  auto order = StreamOrder::prioritize({
      stream("plain", "p", 1),
      stream("classedPeerCam", "k", 2),            // its client also publishes a classed stream
      stream("classed", "k", 3, false, {"main"}),  // upper tier
      stream("sharerCam", "s", 4),
      stream("share", "s", 5, true),
      stream("plain2", "q", 0),
  });
  EXPECT_EQ(ids(order),
            (Ids{"classed", "share", "sharerCam", "classedPeerCam", "plain2", "plain"}));
}

TEST(StreamOrderTest, AClassedShareLeadsAndAnUnclassedShareLeadsTheLowerTier) {
  auto order = StreamOrder::prioritize({
      stream("cam", "a", 1, false, {"x"}),
      stream("share1", "b", 2, true),
      stream("share2", "c", 3, true, {"y"}),
      stream("cam2", "d", 4),
  });
  EXPECT_EQ(ids(order), (Ids{"share2", "cam", "share1", "cam2"}));
}

TEST(StreamOrderTest, KeepsEveryStreamOnce) {
  std::vector<StreamInfo> in;
  for (int i = 0; i < 40; ++i)
    in.push_back(stream("s" + std::to_string(i), "c" + std::to_string(i % 7), 40 - i, i % 5 == 0,
                        i % 3 == 0 ? std::vector<std::string>{"k"} : std::vector<std::string>{}));
  auto order = StreamOrder::prioritize(in);
  ASSERT_EQ(order.size(), in.size());
  auto sorted = ids(order);
  std::sort(sorted.begin(), sorted.end());
  auto expected = ids(in);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sorted, expected);
}

}  // namespace
}  // namespace parley::record::compose
