#include "media/net/Rfc4571Framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::media::net {
namespace {

std::vector<std::string> frames(std::vector<uint8_t> bytes, std::optional<size_t>* consumed,
                                size_t max = 2048) {
  std::vector<std::string> out;
  *consumed = Rfc4571Framer::split(bytes.data(), bytes.size(), max, [&](uint8_t* f, size_t n) {
    out.emplace_back(reinterpret_cast<char*>(f), n);
    return true;
  });
  return out;
}

TEST(Rfc4571FramerTest, SplitsWholeFramesAndLeavesAPartialOne) {
  std::optional<size_t> consumed;
  auto got = frames({0, 3, 'a', 'b', 'c', 0, 1, 'z', 0, 5, 'x'}, &consumed);
  EXPECT_EQ(got, (std::vector<std::string>{"abc", "z"}));
  ASSERT_TRUE(consumed);
  EXPECT_EQ(*consumed, 8u);  // the third frame waits for more bytes
}

TEST(Rfc4571FramerTest, AOneByteRemainderIsNotAFrameYet) {
  std::optional<size_t> consumed;
  EXPECT_TRUE(frames({0}, &consumed).empty());
  EXPECT_EQ(consumed, 0u);
}

TEST(Rfc4571FramerTest, RefusesEmptyAndOversizedFrames) {
  std::optional<size_t> consumed;
  frames({0, 0}, &consumed);
  EXPECT_FALSE(consumed);
  frames({0x08, 0x01, 1, 2, 3}, &consumed, 2048);  // 2049 bytes announced
  EXPECT_FALSE(consumed);
}

TEST(Rfc4571FramerTest, StopsWhenTheHandlerAsks) {
  std::vector<uint8_t> bytes = {0, 1, 'a', 0, 1, 'b'};
  int calls = 0;
  auto consumed = Rfc4571Framer::split(bytes.data(), bytes.size(), 2048, [&](uint8_t*, size_t) {
    ++calls;
    return false;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(consumed, 3u);
}

}  // namespace
}  // namespace parley::media::net
